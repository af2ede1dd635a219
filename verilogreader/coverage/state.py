"""Recorded design state: the values of the decision signals, per cycle of one sequence.

One more coverage probe beside branch hits: the harness reads the listed signals once per
cycle at the sampling point (after the cycle's inputs are written and have settled, so the
values are those the cycle's clock edge decides on) and returns them with the sequence's
record. Only the signals branch conditions read are recorded (state registers, counters,
flags, in submodules too, by hierarchical path), and only for the few sequences that need it
(corpus entries, the LLM's attempts). Toggle or FSM coverage can later grow from the same data.

Stored in corpus.json per sequence as the optional `trace` field (TRACE_VERSION 1).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from verilogreader.design.model import Design, Direction

TRACE_VERSION = 1

Value = int | None  # None: the signal was X or Z (some bit unknown) in that cycle


class StateTrace(BaseModel):
    """Per signal (hierarchical path, "" separated by "."; top-level names bare), its value
    in every cycle of the sequence; `unavailable` lists signals the simulator could not read
    (optimised away, not public, inside a generate scope ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = TRACE_VERSION
    cycles: int
    values: dict[str, list[Value]] = Field(default_factory=dict)
    unavailable: list[str] = Field(default_factory=list)

    def at(self, signal: str, cycle: int) -> Value:
        series = self.values.get(signal)
        if series is None or not 0 <= cycle < len(series):
            return None
        return series[cycle]


def instance_paths(design: Design, module: str) -> list[str]:
    """Where a module sits in the hierarchy ("" for the top)."""
    paths = [i.path for i in design.instances if i.module == module]
    return paths or ([""] if module == design.top else [])


def qualified(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def decision_signals(design: Design) -> list[str]:
    """Every signal a reachable arm's condition reads, and the signals those are computed
    from (one level back: `matched` comes with `expected`), per instance, except the top's
    inputs (they are known from the stimulus itself)."""
    inputs = {p.name for p in design.ports if p.direction is Direction.INPUT}
    reads: dict[tuple[str, str], list[str]] = {}
    for a in design.assignments:
        reads.setdefault((a.module, a.signal), []).extend(a.reads)
    found: list[str] = []
    for point in design.reachable_points:
        names = point.guard.signals() if point.guard else []
        names = names + [r for n in names for r in reads.get((point.module, n), [])]
        for path in instance_paths(design, point.module):
            found += [qualified(path, n) for n in names if path or n not in inputs]
    return list(dict.fromkeys(found))


def driven_values(design: Design, cycles: list[dict[str, int]]) -> dict[str, list[int]]:
    """The top's inputs per cycle, from the stimulus: every input starts the sequence at 0
    (the reset deasserted) and keeps its value until a cycle writes it."""
    reset = design.clock_reset.reset
    current = {p.name: 0 for p in design.driven_inputs}
    if reset in current:
        current[reset] = 1 - design.clock_reset.reset_asserted
    series: dict[str, list[int]] = {name: [] for name in current}
    for cycle in cycles:
        current.update({k: v for k, v in cycle.items() if k in current})
        for name, value in current.items():
            series[name].append(value)
    return series
