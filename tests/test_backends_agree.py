"""Icarus (instrumented source) and Verilator (native coverage) must agree, per sequence,
on every benchmark design, except for differences documented here with their cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verilogreader.sim import make_simulator
from verilogreader.stimuli.random import RandomDictGenerator
from verilogreader.stimuli.schema import validate_sequences
from verilogreader.store.manifest import benchmark_folders, read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# Icarus is event driven: when several inputs change in one time step, a combinational block
# that reads an input and a wire derived from another input can run once on half-updated
# values, and the arm it takes then counts. Verilator evaluates in dependency order and has no
# such zero-delay glitches. So on these designs Icarus may report extra points, never fewer.
GLITCH = "Icarus counts arms taken during zero-delay glitches; Verilator has none"
# Verilator folds a ternary whose condition is a constant parameter: neither arm is counted.
FOLDED = "Verilator folds the constant ternary (ACTIVE_LOW != 0) ? ...: neither arm is counted"
DOCUMENTED = {"comparator": GLITCH, "decoder": f"{GLITCH}; {FOLDED}", "rr_arbiter": GLITCH}


def stimuli(folder: Path, design) -> list:
    """The design's solution (deep branches) followed by random-dict sequences."""
    sequences = []
    solution = folder / "solution.json"
    if solution.exists():
        sequences, issues = validate_sequences(json.loads(solution.read_text()), design)
        assert not issues, issues
    return sequences + RandomDictGenerator(design, seed=11).next_batch(4000)


@pytest.mark.sim
@pytest.mark.verilator
@pytest.mark.parametrize("folder", benchmark_folders(BENCHMARKS), ids=lambda f: f.name)
def test_icarus_and_verilator_cover_the_same_branches(folder: Path, tmp_path: Path):
    manifest, design = read_benchmark(folder)
    sequences = stimuli(folder, design)
    icarus = make_simulator("icarus", design, tmp_path).run(sequences)
    verilator = make_simulator("verilator", design, tmp_path).run(sequences)
    assert icarus.stopped is None and verilator.stopped is None
    assert len(icarus.outcomes) == len(verilator.outcomes) == len(sequences)
    pairs = list(zip(icarus.outcomes, verilator.outcomes))
    if manifest.name in DOCUMENTED:
        for number, (i, v) in enumerate(pairs):
            assert v.covered <= i.covered, f"sequence {number}: Verilator saw {sorted(v.covered - i.covered)}"
    else:
        for number, (i, v) in enumerate(pairs):
            assert i.covered == v.covered, (
                f"sequence {number}: only Icarus {sorted(i.covered - v.covered)}, "
                f"only Verilator {sorted(v.covered - i.covered)}"
            )


@pytest.mark.sim
@pytest.mark.parametrize("folder", benchmark_folders(BENCHMARKS), ids=lambda f: f.name)
def test_solution_and_random_cover_every_reachable_point(folder: Path, tmp_path: Path):
    """Proves the benchmarks' declared-unreachable lists are complete and the solutions work:
    whatever is not declared unreachable is reached."""
    _, design = read_benchmark(folder)
    result = make_simulator("icarus", design, tmp_path).run(stimuli(folder, design))
    covered = frozenset().union(*(o.covered for o in result.outcomes))
    missing = sorted(p.id for p in design.reachable_points if p.id not in covered)
    assert missing == []
    wrongly_unreachable = sorted(p.id for p in design.branch_points if p.unreachable and p.id in covered)
    assert wrongly_unreachable == []
