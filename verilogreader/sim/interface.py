"""The one interface every simulator adapter implements.

A simulator is built once for a design, then runs batches: one simulator process applies
a whole batch of sequences and reports, per sequence, the branch points it hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from verilogreader.stimuli.schema import Sequence


@dataclass(frozen=True)
class SequenceOutcome:
    covered: frozenset[str]  # branch point ids hit after reset during this sequence
    cycles: int  # cycles applied (reset cycles excluded)


@dataclass(frozen=True)
class BatchResult:
    outcomes: list[SequenceOutcome]  # one per sequence that completed, in order
    stopped: str | None = None  # why the batch ended before its last sequence (timeout, $finish ...)
    wall_seconds: float = 0.0
    log: str = field(default="", repr=False)  # the simulator's output, for the run folder


class Simulator(Protocol):
    name: str

    def run(self, sequences: list[Sequence]) -> BatchResult:
        """Apply the sequences in order in one simulator process."""
        ...
