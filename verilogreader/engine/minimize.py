"""Corpus minimization: a smallest-ish subset with the same covered points (greedy set cover).

Sequences with `reset: false` continue from their predecessor's state, so a sequence and the
`reset: false` sequences after it form one unit that is kept or dropped together.
"""

from __future__ import annotations

from verilogreader.store.corpus import Corpus


def minimize(corpus: Corpus) -> Corpus:
    units = _units(corpus)
    covers = [frozenset(p for i in unit for p in corpus.sequences[i].covers) for unit in units]
    cycles = [sum(len(corpus.sequences[i].cycles) for i in unit) for unit in units]
    wanted = frozenset().union(*covers) if covers else frozenset()
    chosen: list[int] = []
    while wanted:
        # Most new points first; on a tie the cheaper unit, then the earlier one.
        best = max(range(len(units)), key=lambda u: (len(covers[u] & wanted), -cycles[u], -u))
        if not covers[best] & wanted:
            break
        chosen.append(best)
        wanted -= covers[best]
    keep = sorted(i for u in chosen for i in units[u])
    return corpus.model_copy(update={"sequences": [corpus.sequences[i] for i in keep]})


def _units(corpus: Corpus) -> list[list[int]]:
    units: list[list[int]] = []
    for index, sequence in enumerate(corpus.sequences):
        if sequence.reset or not units:
            units.append([index])
        else:
            units[-1].append(index)
    return units
