"""The campaign loop on a real simulator: budgets, stop reasons, corpus and timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from verilogreader.engine.campaign import Budget, StopReason, run_campaign
from verilogreader.sim import make_simulator
from verilogreader.stimuli.random import RandomDictGenerator, RandomGenerator
from verilogreader.stimuli.sources import FixedSource
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
pytestmark = pytest.mark.sim


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def update(self, state) -> None:
        self.seen.append((state.cycles, state.coverage.reachable_covered))


def test_budget_is_spent_exactly_and_timeline_only_grows(tmp_path):
    _, design = read_benchmark(BENCHMARKS / "seq_lock")
    simulator = make_simulator("icarus", design, tmp_path)
    recorder = Recorder()
    state = run_campaign(design, simulator, RandomGenerator(design, 1), Budget(cycles=3000), recorder)
    assert state.stop_reason is StopReason.CYCLES
    assert state.cycles == 3000
    cycles = [t.cycles for t in state.timeline]
    covered = [t.reachable_covered for t in state.timeline]
    assert cycles == sorted(cycles) and covered == sorted(covered)
    assert state.timeline[-1].reachable_covered == state.coverage.reachable_covered
    assert recorder.seen[-1] == (3000, state.coverage.reachable_covered)
    assert not state.coverage.complete, "random cannot open a 6-code lock in 3000 cycles"


def test_corpus_replays_to_the_same_coverage(tmp_path):
    _, design = read_benchmark(BENCHMARKS / "vending_fsm")
    simulator = make_simulator("icarus", design, tmp_path)
    first = run_campaign(design, simulator, RandomDictGenerator(design, 2), Budget(cycles=5000))
    assert first.corpus, "random-dict finds something"
    # Every new point is credited to exactly one corpus entry, at the cycle it was found.
    credited = [p for entry in first.corpus for p in entry.new_points]
    assert sorted(credited) == sorted(first.coverage.covered)
    for point, hit in first.first_hits.items():
        assert hit.strategy == "random-dict" and 0 < hit.cycles <= first.cycles
    replay = run_campaign(
        design, simulator, FixedSource([e.sequence for e in first.corpus]), Budget(cycles=sum(e.sequence.cycle_count for e in first.corpus))
    )
    assert replay.coverage.covered == first.coverage.covered


def test_stops_as_soon_as_every_reachable_point_is_covered(tmp_path):
    _, design = read_benchmark(BENCHMARKS / "mux_tree")
    simulator = make_simulator("icarus", design, tmp_path)
    state = run_campaign(design, simulator, RandomGenerator(design, 3), Budget(cycles=200_000))
    assert state.stop_reason is StopReason.COMPLETE
    assert state.cycles < 200_000
    assert state.coverage.reachable_percent == 100.0
