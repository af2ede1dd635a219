"""The coverage campaign: generate a batch → simulate it → keep what adds coverage → repeat.

The engine receives its adapters (a simulator, a stimulus source) and never builds them,
never prints and never writes files: progress goes out to an observer after every batch,
so the CLI can draw it and save a checkpoint (an interrupted run keeps what it found).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from verilogreader.coverage.model import CoverageMap, FirstHit, TimelineEntry
from verilogreader.coverage.state import StateTrace
from verilogreader.design.model import Design
from verilogreader.engine.tracing import batch_trace, record_state
from verilogreader.sim.interface import BatchResult, SequenceOutcome, Simulator
from verilogreader.stimuli.schema import Sequence

FIRST_BATCH_CYCLES = 500
MAX_BATCH_CYCLES = 64_000
MAX_FAILED_BATCHES = 3


class StimulusSource(Protocol):
    """Hands out batches; it may read the campaign state (coverage, corpus) to aim them.
    An empty batch means it has nothing more to try; `stop_note` may say why. After each
    batch, `observe` gets the batch and its per-sequence outcomes (points hit, state traces
    when the batch was traced), in order: how a source that learns (fuzz, hybrid) learns;
    the others ignore it."""

    name: str

    def next_batch(self, cycles: int, state: CampaignState) -> list[Sequence]: ...

    def observe(self, batch: list[Sequence], outcomes: list[SequenceOutcome], state: CampaignState) -> None: ...


class StopReason(str, Enum):
    COMPLETE = "every reachable branch is covered"
    CYCLES = "the cycle budget is spent"
    TIME = "the time budget is spent"
    SIMULATOR = "the simulator failed on every sequence of several batches"
    NOTHING_SIMULATED = "every simulator batch failed: nothing was simulated"
    SOURCE = "the stimulus source has nothing more to try"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Budget:
    cycles: int
    seconds: float | None = None


@dataclass(frozen=True)
class CorpusEntry:
    """A sequence that added coverage, with the points it was first to hit."""

    sequence: Sequence
    new_points: frozenset[str]
    covered: frozenset[str]
    strategy: str
    found_at_cycles: int


@dataclass
class CampaignState:
    coverage: CoverageMap
    started: float
    cycles: int = 0  # cycles actually simulated
    # Cycles counted against the budget: the simulated ones plus those of sequences a failed
    # batch never finished (a hanging design must still use its budget up and stop).
    charged_cycles: int = 0
    sequences: int = 0  # sequences actually simulated (wholly, or up to the design's $finish)
    seconds: float = 0.0
    last_new_at: float = 0.0  # seconds into the run when the last new point was found
    corpus: list[CorpusEntry] = field(default_factory=list)
    first_hits: dict[str, FirstHit] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stop_reason: StopReason | None = None
    # The state probe (engine/tracing.py): a source that learns from recorded state sets
    # `trace_signals`; corpus entries then get their `traces` (by corpus index), and a batch
    # handed out with `trace_batch` set is run with the probe, its traces in `batch_traces`.
    trace_signals: tuple[str, ...] = ()
    trace_batch: bool = False
    traces: dict[int, StateTrace] = field(default_factory=dict)
    batch_traces: list[StateTrace | None] = field(default_factory=list)
    untraced: set[int] = field(default_factory=set)
    stop_detail: str = ""
    doing: str = "starting"


class Observer(Protocol):
    def update(self, state: CampaignState) -> None: ...


class _Silent:
    def update(self, state: CampaignState) -> None:
        pass


def new_state(
    design: Design, clock: Callable[[], float] = time.monotonic, unobserved: dict[str, str] | None = None
) -> CampaignState:
    """A fresh state; `unobserved` (the simulator's) keeps those points out of every hole count."""
    state = CampaignState(coverage=CoverageMap.for_design(design, unobserved), started=clock())
    state.timeline.append(TimelineEntry(0, 0, 0, 0.0))
    return state


def run_campaign(
    design: Design,
    simulator: Simulator,
    source: StimulusSource,
    budget: Budget,
    observer: Observer | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CampaignState:
    """Run until every reachable point is covered or the budget is spent (or Ctrl-C)."""
    observer = observer or _Silent()
    state = new_state(design, clock, simulator.unobserved)
    batch_cycles = FIRST_BATCH_CYCLES
    failed_batches = 0
    try:
        while (reason := _stop_reason(state, budget)) is None:
            cycles = min(batch_cycles, budget.cycles - state.charged_cycles)
            strategy = source.name  # read before the batch: a chained source may move on
            state.doing = f"{strategy}: simulating {cycles} cycles"
            observer.update(state)
            batch = source.next_batch(cycles, state)
            if not batch:  # a source may end because the time ran out while it worked (an LLM call)
                state.seconds = clock() - state.started
                reason = _stop_reason(state, budget) or StopReason.SOURCE
                state.stop_detail = getattr(source, "stop_note", "")
                break
            result = simulator.run(batch, _time_left(state, budget, clock), trace=batch_trace(state))
            failed_batches = 0 if result.outcomes else failed_batches + 1
            absorb(state, batch, result, strategy, clock)
            record_state(state, simulator, batch, result)
            source.observe(batch, result.outcomes, state)
            observer.update(state)
            if failed_batches >= MAX_FAILED_BATCHES:
                reason = StopReason.SIMULATOR
                break
            batch_cycles = min(batch_cycles * 2, MAX_BATCH_CYCLES)
    except KeyboardInterrupt:
        reason = StopReason.INTERRUPTED
    if failed_batches and not state.sequences and reason is not StopReason.INTERRUPTED:
        # Every batch failed: whatever budget it used, the run measured nothing. Say why.
        reason = StopReason.NOTHING_SIMULATED
        state.stop_detail = state.problems[-1] if state.problems else ""
    state.stop_reason = reason
    state.seconds = clock() - state.started
    state.doing = f"stopped: {reason.value}"
    observer.update(state)
    return state


def _time_left(state: CampaignState, budget: Budget, clock: Callable[[], float]) -> float | None:
    """A batch may not outlast the wall-time budget: a hanging design once took 21 s of 3."""
    if budget.seconds is None:
        return None
    return budget.seconds - (clock() - state.started)


def _stop_reason(state: CampaignState, budget: Budget) -> StopReason | None:
    if state.coverage.complete:
        return StopReason.COMPLETE
    if state.charged_cycles >= budget.cycles:
        return StopReason.CYCLES
    if budget.seconds is not None and state.seconds >= budget.seconds:
        return StopReason.TIME
    return None


def absorb(
    state: CampaignState,
    batch: list[Sequence],
    result: BatchResult,
    strategy: str,
    clock: Callable[[], float],
) -> None:
    """Fold one batch's per-sequence outcomes into the campaign, in order."""
    for sequence, outcome in zip(batch, result.outcomes):
        state.cycles += outcome.cycles
        state.charged_cycles += outcome.cycles
        new = state.coverage.record(outcome.covered)
        if new:
            now = clock() - state.started
            state.last_new_at = now
            for point in new:
                state.first_hits[point] = FirstHit(state.cycles, state.sequences, strategy)
            state.corpus.append(CorpusEntry(sequence, new, outcome.covered, strategy, state.cycles))
            state.timeline.append(_entry(state, now))
        state.sequences += 1
    if result.stopped:
        state.problems.append(result.stopped)
        # The sequences the simulator did not finish still spent budget: charge them, but
        # never count them as simulated.
        unfinished = batch[len(result.outcomes) :]
        state.charged_cycles += sum(s.cycle_count for s in unfinished)
    state.seconds = clock() - state.started
    if state.timeline[-1].cycles != state.cycles:  # the last find may already mark this point
        state.timeline.append(_entry(state, state.seconds))


def _entry(state: CampaignState, seconds: float) -> TimelineEntry:
    return TimelineEntry(
        cycles=state.cycles,
        covered=len(state.coverage.covered),
        reachable_covered=state.coverage.reachable_covered,
        seconds=round(seconds, 3),
    )
