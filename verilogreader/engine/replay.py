"""Replaying a corpus: every stored sequence, in order, with what each one covers now.

Unlike a campaign, a replay has no budget and no strategy: it applies everything and keeps
each sequence's covered set, so it can say which sequences stopped covering what they did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from verilogreader.design.model import Design
from verilogreader.engine.campaign import CampaignState, Observer, StopReason, absorb, new_state
from verilogreader.sim.interface import SequenceOutcome, Simulator
from verilogreader.store.corpus import Corpus

BATCH_CYCLES = 250_000  # one simulator start per quarter-million cycles: start-up dominates otherwise
REPLAY = "corpus"


@dataclass(frozen=True)
class LostCoverage:
    sequence: int
    points: frozenset[str]  # points it covered when recorded that it no longer covers


@dataclass(frozen=True)
class Replay:
    state: CampaignState
    outcomes: list[SequenceOutcome | None]  # None: the simulator did not finish that sequence
    lost: list[LostCoverage]
    vanished: frozenset[str]  # recorded points that are no longer branch points of the design


def replay_corpus(
    design: Design,
    simulator: Simulator,
    corpus: Corpus,
    observer: Observer | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Replay:
    state = new_state(design, clock, simulator.unobserved)
    sequences = [s.as_sequence() for s in corpus.sequences]
    outcomes: list[SequenceOutcome | None] = []
    try:
        for batch in _batches(sequences):
            state.doing = f"replaying {len(batch)} sequences"
            if observer:
                observer.update(state)
            result = simulator.run(batch)
            absorb(state, batch, result, REPLAY, clock)
            outcomes += result.outcomes + [None] * (len(batch) - len(result.outcomes))
        state.stop_reason = StopReason.COMPLETE if state.coverage.complete else StopReason.CYCLES
        if sequences and not state.sequences:  # a tool failure, not a coverage result
            state.stop_reason = StopReason.NOTHING_SIMULATED
            state.stop_detail = state.problems[-1] if state.problems else ""
    except KeyboardInterrupt:
        state.stop_reason = StopReason.INTERRUPTED
    state.seconds = clock() - state.started
    if observer:
        observer.update(state)
    known = set(state.coverage.points)
    lost = []
    for index, (stored, outcome) in enumerate(zip(corpus.sequences, outcomes)):
        missing = frozenset(p for p in stored.covers if p in known) - (outcome.covered if outcome else frozenset())
        if missing:
            lost.append(LostCoverage(index, missing))
    vanished = frozenset(p for s in corpus.sequences for p in s.covers if p not in known)
    return Replay(state, outcomes, lost, vanished)


def _batches(sequences: list) -> list[list]:
    batches, current, cycles = [], [], 0
    for sequence in sequences:
        if current and cycles + sequence.cycle_count > BATCH_CYCLES:
            batches.append(current)
            current, cycles = [], 0
        current.append(sequence)
        cycles += sequence.cycle_count
    return batches + ([current] if current else [])
