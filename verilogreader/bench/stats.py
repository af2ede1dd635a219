"""The figures of a bench: time-to-coverage, speed-up against random, first finders, curves,
the suite summary and the comparison of two benches.

Pure: a Bench in, numbers out; the reports only format them. Medians are over seeds, so one
lucky or unlucky seed does not decide a comparison.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from statistics import median
from typing import Literal

from verilogreader.bench.model import Bench, Cell, TimelinePoint
from verilogreader.engine.strategies import LLM_STRATEGIES

Axis = Literal["cycles", "llm_calls", "seconds"]
BASELINE = "random"
LEVELS = (90, 100)  # time-to-X levels, in % of the reachable points
SLOWDOWN = 1.5  # reaching 100% this many times slower counts as a regression


def designs(bench: Bench) -> list[str]:
    """Designs in bench order, then any only the cells name."""
    return list(dict.fromkeys([*bench.designs, *(c.design for c in bench.cells)]))


def strategies(bench: Bench) -> list[str]:
    """Strategies in bench order (the tie-break order), then any only the cells name."""
    return list(dict.fromkeys([*bench.strategies, *(c.strategy for c in bench.cells)]))


def percent(covered: int, reachable: int) -> float:
    return 100.0 * covered / reachable if reachable else 100.0


def value_at(timeline: list[TimelinePoint], x: float, axis: Axis = "cycles") -> int:
    """Covered count at `x`: the timeline is a step function, so the last point at or before x."""
    index = bisect.bisect_right(timeline, x, key=lambda p: getattr(p, axis))
    return timeline[index - 1].covered if index else 0


def first_reaching(timeline: list[TimelinePoint], count: int) -> TimelinePoint | None:
    """The first point with at least `count` covered (time-to-coverage), None if never."""
    return next((p for p in timeline if p.covered >= count), None)


def target(reachable: int, level: int) -> int:
    """Points needed for `level`% of `reachable`, rounded up: 90% of 7 points asks for 7."""
    return -(-level * reachable // 100)


def final_percent(cells: list[Cell]) -> float:
    return median(c.percent for c in cells)


@dataclass(frozen=True)
class Reach:
    """Median cost of reaching a coverage level, over the seeds that reached it (None: no seed)."""

    level: int
    reached: int
    seeds: int
    cycles: float | None = None
    llm_calls: float | None = None
    tokens: float | None = None
    seconds: float | None = None


def reach(cells: list[Cell], level: int) -> Reach:
    hits = [p for c in cells if (p := first_reaching(c.timeline, target(c.reachable, level)))]
    if not hits:
        return Reach(level, 0, len(cells))
    return Reach(
        level, len(hits), len(cells),
        cycles=median(p.cycles for p in hits),
        llm_calls=median(p.llm_calls for p in hits),
        tokens=median(p.llm_tokens for p in hits),
        seconds=median(p.seconds for p in hits),
    )


@dataclass(frozen=True)
class SpeedUp:
    """Median, over the seeds where the strategy reached random's final count, of random's
    cycles to that count / the strategy's; None when no seed reached it."""

    median: float | None
    reached: int
    seeds: int


def speed_up(bench: Bench, design: str, strategy: str) -> SpeedUp | None:
    """None when no seed of the strategy has a random cell to compare against."""
    pairs = [(base, c) for c in bench.cells_of(design, strategy) if (base := bench.cell(design, BASELINE, c.seed))]
    if not pairs:
        return None
    ratios = []
    for base, cell in pairs:
        goal = base.timeline[-1].covered  # random's count at the end of this seed
        needed = next(p.cycles for p in base.timeline if p.covered >= goal)
        if point := first_reaching(cell.timeline, goal):
            # a count met at cycle 0 (nothing found yet) counts as one cycle: the ratio stays finite
            ratios.append(max(needed, 1) / max(point.cycles, 1))
    return SpeedUp(median(ratios) if ratios else None, len(ratios), len(pairs))


@dataclass(frozen=True)
class Row:
    """One strategy on one design, over its seeds."""

    strategy: str
    final: float  # median final reachable %
    final_min: float
    final_max: float
    reach: tuple[Reach, ...]  # one per LEVELS
    speed_up: SpeedUp | None


def design_rows(bench: Bench, design: str) -> list[Row]:
    rows = []
    for strategy in strategies(bench):
        if cells := bench.cells_of(design, strategy):
            finals = [c.percent for c in cells]
            rows.append(Row(
                strategy, median(finals), min(finals), max(finals),
                tuple(reach(cells, level) for level in LEVELS), speed_up(bench, design, strategy),
            ))
    return rows


@dataclass(frozen=True)
class FirstFinder:
    point: str
    label: str
    strategy: str
    cycles: float  # the winner's median first-hit cycles (inf when most of its seeds missed it)
    found: dict[str, tuple[int, int]]  # strategy -> (seeds that found the point, seeds run)


def first_finders(bench: Bench, design: str) -> list[FirstFinder]:
    """For each reachable point any cell found, the strategy with the smallest median first-hit
    cycles (a seed that missed it counts as infinity), then the one found in more seeds, then
    bench order. Points in the design's order."""
    groups = {s: cells for s in strategies(bench) if (cells := bench.cells_of(design, s))}
    info = bench.designs.get(design)
    labels = info.points if info else {}
    found_ids = {p for cells in groups.values() for c in cells for p in c.first_hits}
    finders = []
    for point in [p for p in labels if p in found_ids] + sorted(found_ids - labels.keys()):
        medians = {
            s: median(c.first_hits[point].cycles if point in c.first_hits else math.inf for c in cells)
            for s, cells in groups.items()
        }
        found = {s: (sum(point in c.first_hits for c in cells), len(cells)) for s, cells in groups.items()}
        winner = min(groups, key=lambda s: (medians[s], -found[s][0]))  # min keeps the first of ties
        finders.append(FirstFinder(point, labels.get(point, point), winner, medians[winner], found))
    return finders


@dataclass(frozen=True)
class Curve:
    """Covered % of reachable on a common grid: median, min and max over the cells."""

    x: list[float]
    median: list[float]
    low: list[float]
    high: list[float]


def curve(cells: list[Cell], axis: Axis = "cycles") -> Curve:
    # every step and every end of every cell is on the grid, so the step functions are exact on
    # it and a curve runs as far as its cells ran, not only to their last find
    grid = sorted({getattr(p, axis) for c in cells for p in c.timeline} | {_end(c, axis) for c in cells})
    columns = [[percent(value_at(c.timeline, x, axis), c.reachable) for c in cells] for x in grid]
    return Curve(grid, [median(v) for v in columns], [min(v) for v in columns], [max(v) for v in columns])


def _end(cell: Cell, axis: Axis) -> float:
    if axis == "llm_calls":
        return cell.llm.calls if cell.llm else cell.timeline[-1].llm_calls
    return getattr(cell, axis)


@dataclass(frozen=True)
class Suite:
    designs: list[str]
    strategies: list[str]
    final: dict[tuple[str, str], float]  # (design, strategy) -> median final reachable %
    mean: dict[str, float]  # strategy -> mean over the designs it ran on
    wins: dict[str, int]  # strategy -> designs where it is best, ties counting for all tied

    def best(self, design: str) -> set[str]:
        return _best(self.final, design)


def suite(bench: Bench) -> Suite:
    final = {
        (d, s): final_percent(cells)
        for d in designs(bench) for s in strategies(bench) if (cells := bench.cells_of(d, s))
    }
    ran = [s for s in strategies(bench) if any(t == s for _, t in final)]
    names = list(dict.fromkeys(d for d, _ in final))  # keys are design-major
    mean = {s: sum(v for (_, t), v in final.items() if t == s) / sum(t == s for _, t in final) for s in ran}
    wins = {s: sum(s in _best(final, d) for d in names) for s in ran}
    return Suite(names, ran, final, mean, wins)


def _best(final: dict[tuple[str, str], float], design: str) -> set[str]:
    scores = {s: v for (d, s), v in final.items() if d == design}
    return {s for s, v in scores.items() if v == max(scores.values())}


@dataclass(frozen=True)
class Change:
    design: str
    strategy: str
    old_final: float
    new_final: float
    old_cycles: float | None  # median cycles to 100%, None when no seed reached it
    new_cycles: float | None

    @property
    def delta(self) -> float:
        return self.new_final - self.old_final

    @property
    def regression(self) -> bool:
        """Lower coverage, or the same coverage with 100% reached much later or no longer."""
        if self.new_final != self.old_final:
            return self.new_final < self.old_final
        if self.old_cycles is None:
            return False
        return self.new_cycles is None or self.new_cycles > SLOWDOWN * self.old_cycles


@dataclass(frozen=True)
class Comparison:
    changes: list[Change]
    only_old: dict[tuple[str, str], list[int]]  # (design, strategy) -> seeds only the old bench has
    only_new: dict[tuple[str, str], list[int]]


def compare(old: Bench, new: Bench) -> Comparison:
    changes = []
    for d in designs(new):
        for s in strategies(new):
            before, after = old.cells_of(d, s), new.cells_of(d, s)
            if before and after:
                changes.append(Change(
                    d, s, final_percent(before), final_percent(after),
                    reach(before, 100).cycles, reach(after, 100).cycles,
                ))
    return Comparison(changes, _only(old, new), _only(new, old))


def _only(bench: Bench, other: Bench) -> dict[tuple[str, str], list[int]]:
    keys = {c.key for c in other.cells}
    missing: dict[tuple[str, str], list[int]] = {}
    for c in bench.cells:
        if c.key not in keys:
            missing.setdefault((c.design, c.strategy), []).append(c.seed)
    return missing
