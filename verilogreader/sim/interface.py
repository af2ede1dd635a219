"""The one interface every simulator adapter implements.

A simulator is built once for a design, then runs batches: one simulator process applies
a whole batch of sequences and reports, per sequence, the branch points it hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Protocol

from verilogreader.coverage.state import StateTrace
from verilogreader.stimuli.schema import Sequence


@dataclass(frozen=True)
class SequenceOutcome:
    covered: frozenset[str]  # branch point ids hit after reset during this sequence
    cycles: int  # cycles applied (reset cycles excluded)
    trace: StateTrace | None = None  # the decision signals per cycle, when the run asked for them


@dataclass(frozen=True)
class BatchResult:
    # One per sequence applied, in order; a sequence cut short by the design's $finish is
    # included with the cycles and points it reached, and `stopped` says so.
    outcomes: list[SequenceOutcome]
    stopped: str | None = None  # why the batch ended before its last sequence (timeout, $finish ...)
    wall_seconds: float = 0.0
    log: str = field(default="", repr=False)  # the simulator's output, for the run folder


class Simulator(Protocol):
    name: str
    unobserved: dict[str, str]  # branch point id -> why this backend cannot see it

    def run(self, sequences: list[Sequence], timeout_s: float | None = None, trace: Iterable[str] = ()) -> BatchResult:
        """Apply the sequences in order in one simulator process; `timeout_s` lowers the
        simulator's own time limit for this batch (what is left of a wall-time budget);
        `trace` names signals (hierarchical paths) to record per cycle into each outcome."""
        ...
