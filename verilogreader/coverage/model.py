"""Branch coverage as data: hit counts per point, merge/diff, reachable totals, a timeline.

Hit counts count sequences that hit a point, not evaluations: simulators count combinational
evaluations differently, so only zero versus non-zero is comparable between them.

A point is reachable (may be a hole), unreachable (proven statically, with the reason) or
unobserved (the simulator backend cannot see it, with the reason). An unobserved point is never
a hole: it is in no denominator and never shown as uncovered, only reported on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from verilogreader.design.model import Design


@dataclass(frozen=True)
class FirstHit:
    """When a point was first covered: after how many stimulus cycles, by which strategy."""

    cycles: int
    sequence: int  # index of the sequence (over the whole run) that first hit it
    strategy: str


@dataclass(frozen=True)
class TimelineEntry:
    cycles: int
    covered: int
    reachable_covered: int
    seconds: float


@dataclass
class CoverageMap:
    """Hit counts over a fixed set of points, some known to be unreachable or unobserved."""

    points: tuple[str, ...]
    unreachable: frozenset[str] = frozenset()
    hits: dict[str, int] = field(default_factory=dict)
    unobserved: Mapping[str, str] = field(default_factory=dict)  # point id -> why the backend cannot see it
    _known: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._known = frozenset(self.points)

    @classmethod
    def for_design(cls, design: Design, unobserved: Mapping[str, str] | None = None) -> CoverageMap:
        """The design's points; `unobserved` is the simulator's (Simulator.unobserved)."""
        ids = {b.id for b in design.branch_points}
        return cls(
            points=tuple(b.id for b in design.branch_points),
            unreachable=frozenset(b.id for b in design.branch_points if b.unreachable),
            unobserved={p: why for p, why in (unobserved or {}).items() if p in ids},
        )

    def record(self, covered: Iterable[str]) -> frozenset[str]:
        """Count one sequence's hits; return the points it covered for the first time."""
        new = []
        for point in covered:
            if point in self._known:
                if point not in self.hits:
                    new.append(point)
                self.hits[point] = self.hits.get(point, 0) + 1
        return frozenset(new)

    @property
    def covered(self) -> frozenset[str]:
        return frozenset(p for p, n in self.hits.items() if n > 0)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Observed points never hit (an unobserved point is not a hole: nothing could hit it)."""
        return tuple(p for p in self.points if p not in self.hits and p not in self.unobserved)

    @property
    def observed(self) -> tuple[str, ...]:
        return tuple(p for p in self.points if p not in self.unobserved)

    @property
    def uncovered_reachable(self) -> tuple[str, ...]:
        return tuple(p for p in self.uncovered if p not in self.unreachable)

    @property
    def reachable(self) -> tuple[str, ...]:
        """The denominator: points neither unreachable nor unobserved."""
        return tuple(p for p in self.observed if p not in self.unreachable)

    @property
    def reachable_covered(self) -> int:
        return sum(1 for p in self.covered if p not in self.unreachable and p not in self.unobserved)

    @property
    def unreachable_hit(self) -> frozenset[str]:
        """Points judged unreachable that were hit anyway: the judgement was wrong."""
        return self.covered & self.unreachable

    @property
    def raw_percent(self) -> float:
        return _percent(len(self.covered), len(self.observed))

    @property
    def reachable_percent(self) -> float:
        return _percent(self.reachable_covered, len(self.reachable))

    @property
    def complete(self) -> bool:
        return not self.uncovered_reachable

    def merge(self, other: CoverageMap) -> CoverageMap:
        """Coverage of both runs together (hit counts add up)."""
        hits = dict(self.hits)
        for point, count in other.hits.items():
            if point in self._known:
                hits[point] = hits.get(point, 0) + count
        return CoverageMap(self.points, self.unreachable, hits, self.unobserved)

    def diff(self, other: CoverageMap) -> frozenset[str]:
        """Points covered here but not in `other`."""
        return self.covered - other.covered

    def new_since(self, earlier: Mapping[str, int]) -> frozenset[str]:
        """Points covered now that were not covered in an earlier snapshot of `hits`."""
        return frozenset(p for p in self.covered if not earlier.get(p))


def _percent(part: int, whole: int) -> float:
    return 100.0 if whole == 0 else round(100.0 * part / whole, 2)
