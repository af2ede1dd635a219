"""What recorded state tells the LLM strategies (issue 11): where each hole's sequence can
continue from, and how close an attempt came.

The places to continue from are the traced corpus entries and the model's own traced
attempts: a step towards a deep hole that covered nothing new is no corpus entry, but the
next call can still continue from the state it reached.
"""

from __future__ import annotations

from dataclasses import replace

from verilogreader.coverage.guards import Frontier, Recording, closeness, frontier
from verilogreader.design.model import Design
from verilogreader.engine.campaign import CampaignState
from verilogreader.llm import context
from verilogreader.stimuli.schema import MAX_CYCLES_PER_SEQUENCE, Sequence

MAX_ATTEMPT_RECORDINGS = 64  # the newest traced attempts kept as places to continue from


class StateGuide:
    def __init__(self, design: Design) -> None:
        self.design = design
        self._attempts: list[Recording] = []

    def starts(self, shown: list[context.Hole], state: CampaignState) -> tuple[list[context.Hole], dict[str, Frontier]]:
        """Each hole with the recorded state its sequence continues from (its frontier
        prefix), when some recorded cycle gets further into its guard chain than reset does."""
        recordings = [Recording(f"corpus {i + 1}", state.corpus[i].sequence.cycles, trace)
                      for i, trace in sorted(state.traces.items()) if state.corpus[i].sequence.reset]
        recordings += self._attempts
        frontiers: dict[str, Frontier] = {}
        result = []
        for hole in shown:
            found = frontier(self.design, hole.point, recordings) if recordings else None
            start = context.start_of(self.design, hole.point, found) if found is not None else None
            # from reset itself (no prefix) only when the next step says what the inputs must do
            if found is not None and start is not None and (found.cycle > 0 or start.steps):
                frontiers[hole.alias] = found
                # a register condition still fails: what the next step asks of the inputs is what matters now
                hole = replace(hole, start=start, input_values=start.needs or hole.input_values)
            result.append(hole)
        return result, frontiers

    def how_close(self, number: int, sent: list[Sequence], targets: list[str], prefixes: list[int],
                  state: CampaignState, covered: set[str]) -> list[str]:
        """Keep the attempt's traced sequences as places to continue from; per targeted hole
        still uncovered, how far its guard chain got: `H3: valid held at cycle 2; code ==
        expected never held (closest: code = 93, expected = 94)`."""
        traces = state.batch_traces
        for index, (sequence, trace) in enumerate(zip(sent, traces)):
            if trace is not None and sequence.reset:
                self._attempts.append(Recording(f"attempt {number}.{index + 1}", sequence.cycles, trace))
        del self._attempts[:-MAX_ATTEMPT_RECORDINGS]
        by_alias = {f"H{n}": pid for n, pid in enumerate(state.coverage.reachable, 1)}
        texts: dict[str, str] = {}
        for index, target in enumerate(targets):
            point_id = by_alias.get(target)
            trace = traces[index] if index < len(traces) else None
            if point_id is None or trace is None or target in covered or target in texts or index >= len(sent):
                continue
            point = self.design.point(point_id)
            found = closeness(self.design, point, [Recording(target, sent[index].cycles, trace)])
            offset = prefixes[index] if index < len(prefixes) else 0
            texts[target] = context.closeness_text(self.design, target, point, found, offset)
        return list(texts.values())


def most_promising(holes: list[context.Hole], limit: int, tried: dict[str, int]) -> list[context.Hole]:
    """The holes a call shows, from a larger pool: those shown least often first (a hole the
    model missed waits its turn), then the nearest to being covered (its state already suits
    it and we know what the inputs must be; then a next step with its inputs), then the pool's
    own order. Each shown hole costs ~250 prompt tokens and an answer, so one hole a cycle
    away beats two that are not. Holes behind the same register step as one already chosen
    (an FSM's later states) come last, and say so in one line."""
    def nearness(hole: context.Hole) -> int:
        start = hole.start
        if start is None:
            return 1 if hole.input_values else 3
        if not start.steps:
            return 0 if start.needs else 3
        return 1 if start.needs else 2

    order = {h.alias: i for i, h in enumerate(holes)}
    ranked = sorted(holes, key=lambda h: (tried.get(h.alias, 0), nearness(h), order[h.alias]))
    chosen: list[context.Hole] = []
    first_with: dict[tuple[str, ...], str] = {}  # the steps text -> the first chosen hole with it
    for hole in ranked:
        steps = hole.start.steps if hole.start is not None else ()
        if steps and steps in first_with:
            continue
        if steps:
            first_with[steps] = hole.alias
        chosen.append(hole)
    for hole in ranked:  # the same steps as a chosen hole: only when nothing else is left
        if len(chosen) >= limit:
            break
        if hole not in chosen and hole.start is not None:
            chosen.append(replace(hole, start=replace(hole.start, steps=(
                f"the same next step as {first_with[hole.start.steps]}",))))
    return chosen[:limit]


def continue_from(sequence: Sequence, found: Frontier | None) -> Sequence:
    """The frontier prefix plus the model's cycles, as one ordinary sequence from reset, so the
    corpus stays replayable and minimizable as it is; then one cycle that holds the inputs. The
    state probe samples a cycle before its clock edge, so without that cycle the state the
    model's last cycle leads to (the step it took) would never be recorded, and the next call
    could not continue from it."""
    cycles = sequence.cycles
    if found is not None and found.cycle + sequence.cycle_count < MAX_CYCLES_PER_SEQUENCE:
        return Sequence(reset=True, cycles=[*found.prefix, *cycles, {}])
    if sequence.cycle_count < MAX_CYCLES_PER_SEQUENCE:
        return Sequence(reset=sequence.reset, cycles=[*cycles, {}])
    return sequence
