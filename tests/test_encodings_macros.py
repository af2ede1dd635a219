"""Coverage does not depend on a file's encoding or on branches being written in macros.

Real simulators, real files. The encoding twins are one design written three times (ASCII,
Latin-1, UTF-8 comments, each file named the same in its own folder so the point ids are the
same); the macro pair is tests/designs/macros/macro_arms.v and plain_arms.v, the latter
with every macro written out by hand on the same lines.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from verilogreader.design.model import Design
from verilogreader.design.reader import read_design
from verilogreader.errors import SimulationFailed
from verilogreader.sim import make_simulator
from verilogreader.stimuli.schema import Sequence

MACROS = Path(__file__).parent / "designs" / "macros"
BOTH = ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)]

_TWIN = """// {note}
module enc(input clk, input rst_n, input [3:0] a, input b, output reg [1:0] st, output y, output reg z);
  /* {note} */
  assign y = a[0] ? b : !b;              // {note}
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) st <= 2'd0;              // {note}
    else begin
      case (st)
        2'd0: if (a == 4'd9) st <= 2'd1; // {note}
        2'd1: if (b) st <= 2'd2; else st <= 2'd1;
        2'd2: st <= a[3] ? 2'd0 : 2'd3;
        default: st <= 2'd0;
      endcase
    end
  end
  always @* begin
    if (st == 2'd1) z = a[1];            // {note}
    else z = b;
  end
endmodule
"""

# The same note as an author would write it; the UTF-8 one also has characters Latin-1 lacks.
TWINS = {
    "ascii": "Jose Muller, 25 C, 3 us".encode("ascii"),
    "latin1": "José Müller, 25 °C, 3 µs".encode("latin-1"),
    "utf8": "José Müller, 25 °C, 3 µs, ünïcødé ✓ Ω".encode("utf-8"),
}


def _twin(folder: Path, note: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "enc.v"
    path.write_bytes(_TWIN.encode("ascii").replace(b"{note}", note))
    return path


def _stimuli(design: Design, count: int, cycles: int, seed: int) -> list[Sequence]:
    rng = random.Random(seed)
    inputs = [p for p in design.driven_inputs if p.name != design.clock_reset.reset]
    return [Sequence(reset=True, cycles=[{p.name: rng.randint(0, p.max_value) for p in inputs}
                                         for _ in range(cycles)])
            for _ in range(count)]


def _covered(sim_name: str, design: Design, work: Path, stimuli: list[Sequence]) -> tuple[list[frozenset[str]], dict]:
    sim = make_simulator(sim_name, design, work)
    result = sim.run(stimuli)
    assert result.stopped is None, result.stopped
    return [o.covered for o in result.outcomes], sim.unobserved


# --- encodings -------------------------------------------------------------------------------


def test_twins_are_read_alike_and_the_latin1_one_is_kept_latin1(tmp_path: Path) -> None:
    designs = {name: read_design([str(_twin(tmp_path / name, note))]) for name, note in TWINS.items()}
    ids = [p.id for p in designs["ascii"].branch_points]
    assert len(ids) == 16
    for name, design in designs.items():
        assert [p.id for p in design.branch_points] == ids, name
        assert [p.condition for p in design.branch_points] == [p.condition for p in designs["ascii"].branch_points]
        text = design.sim_source(design.files[0])
        for point in design.branch_points:  # a span is the arm's own text in any encoding
            if not point.kind.implicit and point.kind.value != "ternary-false":
                assert text[point.span[0]:point.span[1]].strip(), (name, point.id)
    assert designs["latin1"].encodings == {designs["latin1"].files[0]: "latin-1"}
    assert designs["utf8"].encodings == {}


@pytest.mark.sim
@pytest.mark.parametrize("sim_name", BOTH)
def test_latin1_and_utf8_twins_cover_exactly_what_the_ascii_twin_covers(sim_name: str, tmp_path: Path) -> None:
    designs = {name: read_design([str(_twin(tmp_path / name, note))]) for name, note in TWINS.items()}
    stimuli = _stimuli(designs["ascii"], count=24, cycles=12, seed=3)
    runs = {name: _covered(sim_name, d, tmp_path / f"work-{name}", stimuli) for name, d in designs.items()}
    ascii_covered, ascii_unobserved = runs["ascii"]
    assert ascii_unobserved == {}
    everything = frozenset().union(*ascii_covered)
    assert len(everything) >= 11  # the stimuli reach most arms, so equality below means something
    for name in ("latin1", "utf8"):
        covered, unobserved = runs[name]
        assert unobserved == {}, name
        assert covered == ascii_covered, name  # sequence by sequence


@pytest.mark.sim
def test_a_compile_error_in_a_non_ascii_file_names_the_users_file_and_line(tmp_path: Path) -> None:
    # slang accepts the enum cast, Icarus does not ("sorry: This cast operation is not yet supported")
    path = tmp_path / "cast.v"
    path.write_bytes("// Jos\u00e9 M\u00fcller, 25 \u00b0C\n"
                     "module cast(input clk, input [1:0] x, output reg [1:0] q);\n"
                     "  typedef enum logic [1:0] {A, B, C} st_t;\n"
                     "  st_t s;\n"
                     "  always @(posedge clk) begin\n"
                     "    if (x == 2'd1) s <= st_t'(x);\n"
                     "    q <= s;\n"
                     "  end\n"
                     "endmodule\n".encode("utf-8"))
    design = read_design([str(path)])
    with pytest.raises(SimulationFailed) as failed:
        make_simulator("icarus", design, tmp_path / "work")
    message = str(failed.value)
    assert f"{path}:6:" in message
    assert "work" not in message.replace(str(tmp_path), "")  # no build-folder path


# --- macros ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def macro_pair() -> tuple[Design, Design]:
    return (read_design([str(MACROS / "macro_arms.v")]), read_design([str(MACROS / "plain_arms.v")]))


def test_macro_arms_are_the_hand_written_arms_with_their_expanded_conditions(macro_pair) -> None:
    macro, plain = macro_pair
    assert [(p.line, p.kind) for p in macro.branch_points] == [(p.line, p.kind) for p in plain.branch_points]
    assert [p.condition for p in macro.branch_points] == [p.condition for p in plain.branch_points]
    assert macro.sim_source(macro.files[0]).count("\n") == macro.sources[macro.files[0]].count("\n")


@pytest.mark.sim
@pytest.mark.parametrize("sim_name", BOTH)
def test_every_macro_arm_is_observed_and_covered_as_its_hand_written_twin(sim_name: str, macro_pair,
                                                                          tmp_path: Path) -> None:
    macro, plain = macro_pair
    stimuli = _stimuli(macro, count=40, cycles=10, seed=5)
    runs = [_covered(sim_name, d, tmp_path / d.top, stimuli) for d in (macro, plain)]
    (macro_covered, macro_unobserved), (plain_covered, plain_unobserved) = runs
    assert macro_unobserved == {} and plain_unobserved == {}

    def positions(design: Design, covered: list[frozenset[str]]) -> list[set[int]]:
        return [{n for n, p in enumerate(design.branch_points) if p.id in c} for c in covered]

    assert positions(macro, macro_covered) == positions(plain, plain_covered)
    assert frozenset().union(*macro_covered) == {p.id for p in macro.reachable_points}


def test_inspect_shows_a_macro_branch_with_its_expanded_condition() -> None:
    done = subprocess.run([sys.executable, "-m", "verilogreader.cli", "inspect", str(MACROS / "macro_arms.v"), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    conditions = [p["condition"] for p in json.loads(done.stdout)["branch_points"]]
    assert "(a > 4'd12 && s == 2'd1)" in conditions
    assert "s == 2'd1" in conditions  # a case item written in a macro
    assert not any("`" in c for c in conditions)
