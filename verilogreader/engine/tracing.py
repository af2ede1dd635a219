"""Recording the design's state for the sequences that matter (issue 11, "observe state").

Only corpus entries and the batches a source asks for are traced, so random batches keep
their speed. A corpus entry found by an untraced batch is replayed once with the state
probe; the replay must cover exactly what the first run covered, or the sequence does not
depend on its inputs alone (a register the reset does not set keeps what the sequence before
left, `$random` in the design, a simulator bug ...): the run says so in its problems, and the
frontier prefixes taken from such a design may not reach the state they were recorded in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verilogreader.sim.interface import BatchResult, Simulator
from verilogreader.stimuli.schema import Sequence

if TYPE_CHECKING:
    from verilogreader.engine.campaign import CampaignState


def batch_trace(state: CampaignState) -> tuple[str, ...]:
    """The signals to record while running the next batch: its source asked for them."""
    return state.trace_signals if state.trace_batch else ()


def record_state(state: CampaignState, simulator: Simulator, batch: list[Sequence], result: BatchResult) -> None:
    """After a batch: keep the traces it produced, then replay with the probe the corpus
    entries that have none yet."""
    if state.trace_batch:
        state.batch_traces = [o.trace for o in result.outcomes]
        state.trace_batch = False
        for index, entry in enumerate(state.corpus):
            if index in state.traces:
                continue
            for sequence, outcome in zip(batch, result.outcomes):
                if sequence is entry.sequence and outcome.trace is not None:
                    state.traces[index] = outcome.trace
    if not state.trace_signals:
        return
    pending = [i for i, e in enumerate(state.corpus)
               if i not in state.traces and i not in state.untraced and e.sequence.reset]
    if not pending:
        return
    replay = simulator.run([state.corpus[i].sequence for i in pending], trace=state.trace_signals)
    for index, outcome in zip(pending, replay.outcomes):
        entry = state.corpus[index]
        if outcome.covered != entry.covered:
            gained, lost = sorted(outcome.covered - entry.covered), sorted(entry.covered - outcome.covered)
            state.problems.append(
                f"not deterministic: corpus sequence {index + 1} replayed with the state probe covered "
                f"{len(outcome.covered)} points instead of {len(entry.covered)}"
                + (f" (lost {', '.join(lost[:3])})" if lost else "") + (f" (gained {', '.join(gained[:3])})" if gained else "")
                + ": the design keeps state across its reset (a register the reset does not set) or the"
                " simulation is not deterministic"
            )
        if outcome.trace is not None:
            state.traces[index] = outcome.trace
    missed = pending[len(replay.outcomes):]
    state.untraced.update(missed)  # the replay stopped early: do not try these again
    if replay.stopped:
        state.problems.append(f"recording state: {replay.stopped}")
