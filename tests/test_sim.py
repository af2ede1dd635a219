"""The simulator adapters on real simulators: per-sequence branch coverage, stops, builds.

Designs live in tests/designs/sim/; lines carry `// @name` markers so tests name branch
points by marker instead of by line number. Verilator builds are shared per module (two in
all: branches.v and comb.v); with ccache each costs about 2 s, without about 25 s of CPU.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from verilogreader.design.model import BranchKind, Design
from verilogreader.design.reader import read_design
from verilogreader.errors import UsageError
from verilogreader.sim import make_simulator
from verilogreader.sim.instrument import instrument_file
from verilogreader.stimuli.schema import Sequence

DESIGNS = Path(__file__).parent / "designs" / "sim"
K = BranchKind
BOTH = ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)]


def _read(name: str) -> Design:
    return read_design([str(DESIGNS / f"{name}.v")], top=name)


def at(design: Design, marker: str, kind: BranchKind, nth: int = 0) -> str:
    """The id of the `nth` point of `kind` on the line marked `// @marker`."""
    text = next(iter(design.sources.values()))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if re.search(rf"// @{marker}\b", row))
    found = sorted((p for p in design.branch_points if p.line == line and p.kind is kind), key=lambda p: p.column)
    return found[nth].id


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simwork")


@pytest.fixture(scope="module")
def branches() -> Design:
    return _read("branches")


@pytest.fixture(scope="module")
def comb() -> Design:
    return _read("comb")


_SIMS: dict[tuple[str, str], object] = {}


def simulator(name: str, design: Design, work: Path, timeout_s: float = 60.0):
    """One build per (simulator, design) for the whole test module."""
    key = (name, design.top)
    if key not in _SIMS:
        _SIMS[key] = make_simulator(name, design, work, timeout_s)
    return _SIMS[key]


def seq(*cycles: dict[str, int], reset: bool = True) -> Sequence:
    return Sequence(reset=reset, cycles=list(cycles) or [{}])


# --- no simulator needed ---------------------------------------------------------------------


def test_unknown_simulator_lists_the_valid_names(branches: Design, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="icarus, verilator"):
        make_simulator("modelsim", branches, tmp_path)


@pytest.mark.parametrize("name", ["branches", "comb", "hang"])
def test_instrumented_copy_keeps_every_token_on_its_line(name: str) -> None:
    design = _read(name)
    text = next(iter(design.sources.values()))
    done = instrument_file(text, design.branch_points)
    assert not done.skipped
    old, new = text.split("\n"), done.text.split("\n")
    assert len(new) == len(old)
    for before, after in zip(old, new):
        rest = after
        for token in before.split():
            assert token in rest, (token, after)
            rest = rest[rest.index(token) + len(token):]
    assert sum(len(ids) for ids in done.modules.values()) == len(design.branch_points)


# --- both simulators -------------------------------------------------------------------------


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_if_and_else_per_sequence(name: str, branches: Design, work: Path) -> None:
    sim = simulator(name, branches, work)
    result = sim.run([seq({"a": 1}), seq({})])
    assert result.stopped is None
    took_if, stayed = (o.covered for o in result.outcomes)
    assert at(branches, "idle", K.IF) in took_if and at(branches, "idle", K.ELSE_IMPLICIT) not in took_if
    assert at(branches, "idle", K.ELSE_IMPLICIT) in stayed and at(branches, "idle", K.IF) not in stayed
    assert at(branches, "y", K.TERNARY_TRUE) in took_if and at(branches, "y", K.TERNARY_FALSE) not in took_if
    assert at(branches, "y", K.TERNARY_FALSE) in stayed and at(branches, "y", K.TERNARY_TRUE) not in stayed
    assert [o.cycles for o in result.outcomes] == [1, 1]


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_hits_during_reset_do_not_count_but_the_reset_arms_are_credited(name: str, branches: Design, work: Path) -> None:
    reset_arms = {at(branches, "rst", K.IF), at(branches, "leaf_rst", K.IF)}
    assert {p.id for p in branches.branch_points if p.runs_on_reset} == reset_arms
    result = simulator(name, branches, work).run([seq({}), seq({"a": 1}, {"b": 1}), seq({}, reset=False)])
    *with_reset, without = (o.covered for o in result.outcomes)
    for covered in with_reset:  # the reset arms run while reset is held: credited
        assert reset_arms <= covered
        assert at(branches, "default", K.CASE_DEFAULT) not in covered  # X state during reset in Icarus
        assert at(branches, "rst_else", K.ELSE) in covered
    assert not reset_arms & without


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_implicit_default_hit_and_not_hit(name: str, branches: Design, work: Path) -> None:
    result = simulator(name, branches, work).run([seq({"a": 1, "mode": 3}), seq({"a": 1, "mode": 0})])
    no_item, item = (o.covered for o in result.outcomes)
    default = at(branches, "leaf_case", K.CASE_DEFAULT_IMPLICIT)
    assert default in no_item and at(branches, "leaf_m0", K.CASE_ITEM) not in no_item
    assert default not in item and at(branches, "leaf_m0", K.CASE_ITEM) in item


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_a_submodule_used_twice_counts_hits_of_either_instance(name: str, branches: Design, work: Path) -> None:
    # u_left is enabled by a, u_right by b: only u_right counts down here, only u_left takes the implicit else
    outcome = simulator(name, branches, work).run([seq({"b": 1, "mode": 1})]).outcomes[0]
    assert at(branches, "leaf_m1", K.CASE_ITEM) in outcome.covered
    assert at(branches, "leaf_en", K.ELSE_IMPLICIT) in outcome.covered
    assert at(branches, "leaf_en", K.IF) in outcome.covered


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_sequence_without_reset_continues_and_ternary_in_a_case_arm(name: str, branches: Design, work: Path) -> None:
    # IDLE -a-> RUN -b-> DONE, then without reset: DONE with a=1 takes the ternary's true arm
    result = simulator(name, branches, work).run([seq({"a": 1}, {"b": 1}), seq({"a": 1}, reset=False)])
    first, second = (o.covered for o in result.outcomes)
    assert at(branches, "run", K.IF) in first and at(branches, "run", K.ELSE) not in first
    assert at(branches, "done", K.TERNARY_TRUE) in second and at(branches, "done", K.TERNARY_FALSE) not in second
    assert at(branches, "idle", K.IF) not in second


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_combinational_design(name: str, comb: Design, work: Path) -> None:
    sim = simulator(name, comb, work)
    result = sim.run([seq({"sel": 2, "x": 8}), seq({"sel": 3}), seq({"sel": 1}, {"sel": 0})])
    assert result.stopped is None
    s2, s3, s10 = (o.covered for o in result.outcomes)
    assert at(comb, "s2", K.IF) in s2 and at(comb, "s2", K.ELSE_IMPLICIT) not in s2
    assert at(comb, "case", K.CASE_DEFAULT_IMPLICIT) in s3 and at(comb, "case", K.CASE_DEFAULT_IMPLICIT) not in s2
    assert {at(comb, "s1", K.CASE_ITEM), at(comb, "s0", K.CASE_ITEM)} <= s10
    # w = sel[0] ? x[0] : (sel[1] ? x[1] : x[2]): the inner ternary only counts when sel[0] is 0
    assert at(comb, "w", K.TERNARY_TRUE, 1) in s2 and at(comb, "w", K.TERNARY_TRUE, 1) not in s3
    assert at(comb, "w", K.TERNARY_TRUE, 0) in s3


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_finish_in_the_design_keeps_earlier_sequences(name: str, branches: Design, work: Path) -> None:
    result = simulator(name, branches, work).run([seq({"a": 1}), seq({"quit": 1}, {}), seq({})])
    assert result.stopped == ("the design called $finish during sequence 1 "
                              "(its outcome covers the cycles up to the $finish)")
    assert len(result.outcomes) == 2  # the first, and the one cut short with what it covered until then
    assert at(branches, "idle", K.IF) in result.outcomes[0].covered
    assert at(branches, "quit", K.IF) in result.outcomes[1].covered
    assert result.outcomes[1].cycles == 1


@pytest.mark.sim
@pytest.mark.verilator
@pytest.mark.parametrize("design_name", ["branches", "comb"])
def test_icarus_and_verilator_agree_on_random_stimuli(design_name: str, branches: Design, comb: Design, work: Path) -> None:
    design = branches if design_name == "branches" else comb
    rng = random.Random(7)
    inputs = [p for p in design.driven_inputs if p.name not in ("rst_n", "quit")]
    sequences = [Sequence(reset=rng.random() < 0.7,
                          cycles=[{p.name: rng.randint(0, p.max_value) for p in inputs if rng.random() < 0.6}
                                  for _ in range(rng.randint(1, 8))])
                 for _ in range(60)]
    icarus = simulator("icarus", design, work).run(sequences)
    verilator = simulator("verilator", design, work).run(sequences)
    assert icarus.stopped is None and verilator.stopped is None
    for number, (a, b) in enumerate(zip(icarus.outcomes, verilator.outcomes)):
        assert a.covered == b.covered, (number, sorted(a.covered ^ b.covered))
    # Every point is hit (the reset arms are credited to the sequences the harness resets) but,
    # in branches.v, the default no state reaches and the $finish arm of the undriven `quit`.
    never = {at(design, "default", K.CASE_DEFAULT), at(design, "quit", K.IF)} if design_name == "branches" else set()
    missed = {p.id for p in design.branch_points} - set().union(*(o.covered for o in icarus.outcomes))
    assert missed == never


@pytest.mark.sim
@pytest.mark.verilator
def test_verilator_observes_every_branch_kind(branches: Design, comb: Design, work: Path) -> None:
    assert simulator("verilator", branches, work).unobserved == {}
    assert simulator("verilator", comb, work).unobserved == {}


# --- Icarus only -----------------------------------------------------------------------------


@pytest.mark.sim
def test_a_hanging_design_is_stopped_by_the_timeout(tmp_path: Path) -> None:
    sim = make_simulator("icarus", _read("hang"), tmp_path, timeout_s=3)
    started = time.monotonic()
    result = sim.run([seq({}), seq({"go": 1}), seq({})])
    assert time.monotonic() - started < 15
    assert result.stopped == "timed out after 3 s during sequence 1"
    assert len(result.outcomes) == 1


@pytest.mark.sim
def test_a_second_make_simulator_reuses_the_build(branches: Design, tmp_path: Path) -> None:
    first = make_simulator("icarus", branches, tmp_path)
    stamp = (first.build_dir / "sim.vvp").stat().st_mtime_ns  # type: ignore[attr-defined]
    second = make_simulator("icarus", branches, tmp_path)
    assert second.build_dir == first.build_dir  # type: ignore[attr-defined]
    assert (second.build_dir / "sim.vvp").stat().st_mtime_ns == stamp  # type: ignore[attr-defined]


@pytest.mark.sim
def test_a_compile_error_carries_the_simulators_message(tmp_path: Path) -> None:
    from verilogreader.errors import SimulationFailed

    design = _read("comb")
    broken = design.model_copy(update={"sources": {k: v.replace("y = ~x;", "y = ~x") for k, v in design.sources.items()},
                                       "branch_points": []})
    with pytest.raises(SimulationFailed, match="syntax error"):
        make_simulator("icarus", broken, tmp_path)
