"""Finding a baseline's branches again in an edited design (pure).

A point's id is `file:line:column:kind`, so one comment line added at the top moves every id
and an id-based comparison matches the wrong arms (or none). A branch is found again by what
it is instead: its module, its kind, its condition, the conditions of the arms around it (the
parent chain) and the text of the arm itself, whitespace normalised. Two rounds: first with the
arm's text, then, for what is left, without it (the arm's body was edited, its guard was not).
Arms that still look alike are paired in source order. Baseline points left over could not be
matched: the caller names them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PointShape:
    """What identifies a branch across edits; `arm_digest` is None when not recorded."""

    id: str
    module: str
    kind: str
    condition: str
    parent: str | None
    arm_digest: str | None = None


@dataclass(frozen=True)
class Matching:
    pairs: dict[str, str]  # baseline id -> current id
    unmatched: tuple[str, ...]  # baseline ids with no counterpart, in baseline order


def match_points(baseline: Iterable[PointShape], current: Iterable[PointShape]) -> Matching:
    old, new = list(baseline), list(current)
    old_chains, new_chains = _chains(old), _chains(new)

    def strict(p: PointShape, chains: dict[str, tuple[str, ...]]) -> tuple | None:
        return None if p.arm_digest is None else (p.module, p.kind, chains[p.id], p.arm_digest)

    def loose(p: PointShape, chains: dict[str, tuple[str, ...]]) -> tuple:
        return (p.module, p.kind, chains[p.id])

    pairs: dict[str, str] = {}
    for key in (strict, loose):
        taken = set(pairs.values())
        _pair_in_order(
            [p for p in old if p.id not in pairs], [p for p in new if p.id not in taken],
            lambda p: key(p, old_chains), lambda p: key(p, new_chains), pairs,
        )
    return Matching(pairs, tuple(p.id for p in old if p.id not in pairs))


def _pair_in_order(old: list[PointShape], new: list[PointShape], old_key: Callable, new_key: Callable,
                   pairs: dict[str, str]) -> None:
    waiting: dict[tuple, list[str]] = defaultdict(list)
    for p in new:
        if (key := new_key(p)) is not None:
            waiting[key].append(p.id)
    for p in old:
        key = old_key(p)
        if key is not None and waiting.get(key):
            pairs[p.id] = waiting[key].pop(0)


def _chains(points: list[PointShape]) -> dict[str, tuple[str, ...]]:
    """Per point: its own condition and its ancestors', innermost first, whitespace normalised."""
    by_id = {p.id: p for p in points}
    chains = {}
    for point in points:
        chain, seen, at = [], set(), point
        while at is not None and at.id not in seen:
            seen.add(at.id)
            chain.append(" ".join(at.condition.split()))
            at = by_id.get(at.parent) if at.parent else None
        chains[point.id] = tuple(chain)
    return chains
