"""The design reader (pyslang): ports, tops, clock/reset, branch points, unreachability,
constants and errors, on small inline designs; plus every benchmark's declared unreachables."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from verilogreader.design.model import BranchKind, Direction
from verilogreader.design.reader import read_design
from verilogreader.errors import DesignError

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def read(tmp_path: Path, text: str, name: str = "d.v", **kwargs):
    return read_design([write(tmp_path, name, text)], **kwargs)


def by_id(design):
    return {b.id: b for b in design.branch_points}


def body(design, point) -> str:
    start, end = point.span
    return design.sources[point.file][start:end]


# --- ports, parameters, top ----------------------------------------------------------

PORTS = """\
module ports #(parameter W = 4, parameter [7:0] INIT = 8'hA5, localparam D = W * 2) (
  input clk,
  input [W-1:0] a,
  input signed [7:0] s,
  inout [1:0] io,
  output reg [D-1:0] y
);
endmodule
"""


def test_ports_widths_signedness_and_parameters(tmp_path):
    d = read(tmp_path, PORTS)
    assert d.top == "ports" and d.modules == ["ports"]
    assert [(p.name, p.direction, p.width, p.signed) for p in d.ports] == [
        ("clk", Direction.INPUT, 1, False),
        ("a", Direction.INPUT, 4, False),
        ("s", Direction.INPUT, 8, True),
        ("io", Direction.INOUT, 2, False),
        ("y", Direction.OUTPUT, 8, False),
    ]
    assert [(p.name, p.value, p.text, p.local) for p in d.parameters] == [
        ("W", 4, "4", False),
        ("INIT", 0xA5, "8'hA5", False),
        ("D", 8, "W * 2", True),
    ]
    assert d.instances[0].path == "" and d.instances[0].module == "ports"


def test_parameter_override_changes_port_width(tmp_path):
    d = read(tmp_path, PORTS, parameters={"W": "6"})
    assert d.port("a").width == 6 and d.port("y").width == 12
    assert next(p for p in d.parameters if p.name == "W").text == "6"
    assert d.parameter_overrides == {"W": "6"}


def test_unknown_parameter_override_is_an_error(tmp_path):
    with pytest.raises(DesignError, match=r"NOPE.*parameters: W, INIT"):
        read(tmp_path, PORTS, parameters={"NOPE": "1"})


HIER = """\
module leaf (input a, output y); assign y = a; endmodule
module mid (input a, output y);
  wire t;
  leaf u_leaf (.a(a), .y(t));
  leaf u_leaf2 (.a(t), .y(y));
endmodule
module chip (input a, output y);
  mid u_mid (.a(a), .y(y));
endmodule
module spare (input a, output y); assign y = a; endmodule
"""


def test_top_required_when_several_tops(tmp_path):
    with pytest.raises(DesignError, match=r"several top-level modules.*chip.*spare|spare.*chip"):
        read(tmp_path, HIER)


def test_unknown_top_lists_candidates(tmp_path):
    with pytest.raises(DesignError, match=r"unknown top module 'nope'.*chip.*spare"):
        read(tmp_path, HIER, top="nope")


def test_hierarchy_modules_and_instances(tmp_path):
    d = read(tmp_path, HIER, top="chip")
    assert d.modules == ["chip", "mid", "leaf"]
    assert [(i.path, i.module) for i in d.instances] == [
        ("", "chip"),
        ("u_mid", "mid"),
        ("u_mid.u_leaf", "leaf"),
        ("u_mid.u_leaf2", "leaf"),
    ]


def test_single_top_is_automatic(tmp_path):
    d = read(tmp_path, HIER.replace("module spare", "module spare_unused").split("module spare")[0])
    assert d.top == "chip"


# --- clock and reset -----------------------------------------------------------------

SEQ = """\
module seq (input {clk}, input {rst}, input en, output reg q);
  always @(posedge {clk} {edge})
    if ({test}) q <= 1'b0;
    else if (en) q <= ~q;
endmodule
"""


@pytest.mark.parametrize(
    ("clk", "rst", "edge", "test", "low"),
    [
        ("clk", "rst_n", "or negedge rst_n", "!rst_n", True),  # async, active-low
        ("clk_i", "rst", "", "rst", False),  # sync, active-high
        ("i_clk", "arst", "or posedge arst", "arst", False),
        ("sys_clk", "reset", "", "reset == 1'b0", True),  # polarity from the test
        ("clock", "resetn", "", "resetn", False),  # usage beats the name
    ],
)
def test_clock_and_reset_found_by_name_and_usage(tmp_path, clk, rst, edge, test, low):
    d = read(tmp_path, SEQ.format(clk=clk, rst=rst, edge=edge, test=test))
    assert (d.clock_reset.clock, d.clock_reset.reset, d.clock_reset.reset_active_low) == (
        clk, rst, low)


def test_clock_found_by_posedge_usage_alone(tmp_path):
    d = read(tmp_path, SEQ.format(clk="tick", rst="rst_n", edge="", test="!rst_n"))
    assert d.clock_reset.clock == "tick" and d.clock_reset.reset == "rst_n"
    assert d.clock_reset.reset_active_low


def test_active_low_from_name_when_usage_is_silent(tmp_path):
    text = """\
module s (input clk, input rst_n, input d, output reg q);
  wire r = ~rst_n;
  always @(posedge clk) q <= r ? 1'b0 : d;
endmodule
"""
    d = read(tmp_path, text)
    assert d.clock_reset.reset == "rst_n" and d.clock_reset.reset_active_low


def test_explicit_clock_and_reset_win(tmp_path):
    d = read(tmp_path, SEQ.format(clk="clk", rst="rst_n", edge="", test="!rst_n"),
             clock="clk", reset="en", reset_active_low=False)
    assert (d.clock_reset.clock, d.clock_reset.reset, d.clock_reset.reset_active_low) == (
        "clk", "en", False)
    d = read(tmp_path, SEQ.format(clk="clk", rst="rst_n", edge="", test="!rst_n"),
             reset_active_low=False)
    assert d.clock_reset.reset == "rst_n" and not d.clock_reset.reset_active_low


def test_unknown_clock_or_reset_lists_inputs(tmp_path):
    text = SEQ.format(clk="clk", rst="rst_n", edge="", test="!rst_n")
    with pytest.raises(DesignError, match=r"clock 'clock'.*inputs: clk, rst_n, en"):
        read(tmp_path, text, clock="clock")
    with pytest.raises(DesignError, match=r"reset 'q'.*inputs: clk, rst_n, en"):
        read(tmp_path, text, reset="q")


def test_combinational_design_has_no_clock(tmp_path):
    d = read(tmp_path, "module c (input clk_en, input a, output y); assign y = a & clk_en;\n"
                       "endmodule\n")
    assert d.clock_reset.clock is None and d.clock_reset.reset is None
    assert d.combinational


# --- branch points -------------------------------------------------------------------

KINDS = """\
module kinds (
  input clk,
  input [1:0] sel,
  input a, b,
  output reg [3:0] y,
  output [3:0] z
);
  assign z = a ? 4'd1 : 4'd2;
  always @(posedge clk) begin
    if (a) y <= 4'd0;
    else if (b) begin
      y <= 4'd1;
    end else
      y <= 4'd2;
    if (b) y <= y + 1;
    case (sel)
      2'b00: y <= 4'd3;
      2'b01, 2'b10: y <= 4'd4;
      default: y <= 4'd5;
    endcase
    casez (sel)
      2'b1?: y <= 4'd6;
    endcase
  end
endmodule
"""


def test_every_branch_kind_with_id_condition_span_and_parent(tmp_path):
    d = read(tmp_path, KINDS, name="kinds.v")
    got = [(b.id, b.condition, body(d, b), b.parent) for b in d.branch_points]
    assert got == [
        ("kinds.v:8:16:ternary-true", "a", "4'd1", None),
        ("kinds.v:8:23:ternary-false", "!(a)", "4'd2", None),
        ("kinds.v:10:5:if", "(a)", "y <= 4'd0;", None),
        ("kinds.v:11:5:else", "!(a)",
         "if (b) begin\n      y <= 4'd1;\n    end else\n      y <= 4'd2;", None),
        ("kinds.v:11:10:if", "(b)", "begin\n      y <= 4'd1;\n    end", "kinds.v:11:5:else"),
        ("kinds.v:13:9:else", "!(b)", "y <= 4'd2;", "kinds.v:11:5:else"),
        ("kinds.v:15:5:if", "(b)", "y <= y + 1;", None),
        ("kinds.v:15:5:else-implicit", "!(b)", "", None),
        ("kinds.v:17:7:case-item", "sel == 2'b00", "y <= 4'd3;", None),
        ("kinds.v:18:7:case-item", "sel == 2'b01 || sel == 2'b10", "y <= 4'd4;", None),
        ("kinds.v:19:7:case-default", "!(sel == 2'b00 || sel == 2'b01 || sel == 2'b10)",
         "y <= 4'd5;", None),
        ("kinds.v:22:7:case-item", "sel matches 2'b1?", "y <= 4'd6;", None),
        ("kinds.v:21:5:case-default-implicit", "!(sel matches 2'b1?)", "", None),
    ]
    points = by_id(d)
    text = d.sources[points["kinds.v:8:16:ternary-true"].file]
    # implicit arms: empty spans where the missing arm would go
    implicit_else = points["kinds.v:15:5:else-implicit"]
    assert text[: implicit_else.span[0]].endswith("if (b) y <= y + 1;")
    implicit_default = points["kinds.v:21:5:case-default-implicit"]
    assert text[implicit_default.span[0]:].startswith("endcase\n  end")
    assert all(b.module == "kinds" and b.unreachable is None for b in d.branch_points)
    assert all(b.location == f"{b.file}:{b.line}:{b.column}" for b in d.branch_points)
    assert all(b.id.startswith(f"kinds.v:{b.line}:{b.column}:") for b in d.branch_points)
    assert d.branch_points[0].file.endswith("kinds.v")


def test_ternaries_nest_and_procedural_ternaries_have_parents(tmp_path):
    text = """\
module t (input a, b, input [3:0] x, output [3:0] y, output reg [3:0] r);
  assign y = a ? (b ? x + 1 : x) : 4'd0;
  always @* if (b) r = a ? x : 4'd3;
endmodule
"""
    d = read(tmp_path, text, name="t.v")
    got = [(b.id, body(d, b), b.parent) for b in d.branch_points]
    assert got == [
        ("t.v:2:16:ternary-true", "(b ? x + 1 : x)", None),
        ("t.v:2:21:ternary-true", "x + 1", "t.v:2:16:ternary-true"),
        ("t.v:2:29:ternary-false", "x", "t.v:2:16:ternary-true"),
        ("t.v:2:34:ternary-false", "4'd0", None),
        ("t.v:3:13:if", "r = a ? x : 4'd3;", None),
        ("t.v:3:26:ternary-true", "x", "t.v:3:13:if"),
        ("t.v:3:30:ternary-false", "4'd3", "t.v:3:13:if"),
        ("t.v:3:13:else-implicit", "", None),
    ]


def test_module_instantiated_twice_has_its_points_once(tmp_path):
    d = read(tmp_path, """\
module leaf #(parameter M = 0) (input a, output y);
  assign y = (M == 1) ? a : ~a;
endmodule
module two (input a, output [1:0] y);
  leaf #(.M(0)) u0 (.a(a), .y(y[0]));
  leaf #(.M(1)) u1 (.a(a), .y(y[1]));
endmodule
""")
    assert d.modules == ["two", "leaf"]
    assert [b.kind for b in d.branch_points] == [BranchKind.TERNARY_TRUE, BranchKind.TERNARY_FALSE]
    # constant in each instance but true in one and false in the other: both arms reachable
    assert all(b.unreachable is None for b in d.branch_points)


def test_spans_are_exact_after_non_ascii_text(tmp_path):
    d = read(tmp_path, "// caf\u00e9 \u00fcber \u2713\nmodule u (input a, output reg y);\n"
                       "  always @* if (a) y = 1'b1; else y = 1'b0;\nendmodule\n")
    assert [body(d, b) for b in d.branch_points] == ["y = 1'b1;", "y = 1'b0;"]
    assert d.branch_points[0].id.endswith(":3:13:if")


# --- unreachability ------------------------------------------------------------------

UNREACHABLE = """\
module unr #(parameter MODE = 0, parameter USE_EXTRA = 0) (
  input clk,
  input [1:0] st,
  input a,
  output reg [3:0] y
);
  always @(posedge clk) begin
    case (st)
      2'd0: y <= 1;
      2'd1: y <= 2;
      2'd2: y <= 3;
      2'd3: y <= 4;
      default: y <= 0;
    endcase
    case (st)
      0, 1: y <= 1;
      2, 3: y <= 2;
    endcase
    if (st == 2'd0) y <= 1;
    else if (st == 2'd1) y <= 2;
    else if (2'd2 == st) y <= 3;
    else if (st == 2'd3) y <= 4;
    if (a == 1'b0) y <= 5;
    else if (a == 1'b1) y <= 6;
    else begin
      if (st == 0) y <= 7;
    end
    if (MODE == 1) begin
      y <= a ? 4'd8 : 4'd9;
    end else y <= 0;
    y <= (MODE == 0) ? 4'd1 : 4'd2;
    case (st)
      0, 1, 2: y <= 1;
      default: y <= 2;
    endcase
  end
  generate if (USE_EXTRA) begin : g_extra
    always @(posedge clk) if (a) y <= 4'd10;
  end endgenerate
endmodule
"""


def unreachable_by_location(design) -> dict[tuple[int, str], str]:
    return {(b.line, b.kind.value): b.unreachable for b in design.branch_points if b.unreachable}


def test_unreachability_rules(tmp_path):
    d = read(tmp_path, UNREACHABLE)
    found = unreachable_by_location(d)
    assert found == {
        (13, "case-default"): "all 4 values of st (2 bits) have items",
        (15, "case-default-implicit"): "all 4 values of st (2 bits) have items",
        (22, "else-implicit"): "the if/else-if chain tests all 4 values of st (2 bits)",
        (25, "else"): "the if/else-if chain tests all 2 values of a (1 bit)",
        (26, "if"): "the if/else-if chain tests all 2 values of a (1 bit)",
        (26, "else-implicit"): "the if/else-if chain tests all 2 values of a (1 bit)",
        (28, "if"): "condition MODE == 1 is constant false (MODE = 0)",
        (29, "ternary-true"): "condition MODE == 1 is constant false (MODE = 0)",
        (29, "ternary-false"): "condition MODE == 1 is constant false (MODE = 0)",
        (31, "ternary-false"): "condition (MODE == 0) is constant true (MODE = 0)",
        (38, "if"): "disabled by parameter: generate if (USE_EXTRA) is false (USE_EXTRA = 0)",
        (38, "else-implicit"):
            "disabled by parameter: generate if (USE_EXTRA) is false (USE_EXTRA = 0)",
    }
    # the non-full case (3 of 4 values) keeps its default reachable
    default = next(b for b in d.branch_points if b.line == 34)
    assert default.kind is BranchKind.CASE_DEFAULT and default.unreachable is None
    # earlier arms of the chains stay reachable
    earlier = [b for b in d.branch_points
               if b.line in range(19, 25) and b.kind is not BranchKind.ELSE_IMPLICIT]
    assert len(earlier) == 10 and all(b.unreachable is None for b in earlier)


def test_parameters_in_force_change_unreachability(tmp_path):
    d = read(tmp_path, UNREACHABLE, parameters={"MODE": "1", "USE_EXTRA": "1"})
    found = unreachable_by_location(d)
    assert (28, "if") not in found and (29, "ternary-true") not in found
    assert found[(30, "else")] == "condition MODE == 1 is constant true (MODE = 1)"
    assert found[(31, "ternary-true")] == "condition (MODE == 0) is constant false (MODE = 1)"
    assert (38, "if") not in found


def test_generate_variants_and_constant_case_selector(tmp_path):
    text = """\
module g #(parameter N = 0, parameter [1:0] SEL = 2) (input [3:0] a, output reg [3:0] y);
  for (genvar i = 0; i < N; i++) begin : g_loop
    always @* if (a[i]) y = 4'd1;
  end
  case (SEL)
    2'd0: begin : c0
      always @* y = a[0] ? 4'd2 : 4'd3;
    end
    default: begin : c1
      always @* begin
        case (SEL)
          2'd2: y = 4'd4;
          2'd3: y = 4'd5;
        endcase
      end
    end
  endcase
endmodule
"""
    d = read(tmp_path, text)
    found = unreachable_by_location(d)
    assert found[(3, "if")] == (
        "disabled by parameter: generate loop condition i < N is false from the start (N = 0)")
    assert found[(7, "ternary-true")] == (
        "disabled by parameter: generate case (SEL) selects another item (SEL = 2)")
    assert (12, "case-item") not in found
    assert found[(13, "case-item")] == "case selector SEL is constant 2 (SEL = 2)"
    assert found[(11, "case-default-implicit")] == "case selector SEL is constant 2 (SEL = 2)"


def test_generate_loop_iterations_keep_arms_reachable_if_any_iteration_reaches(tmp_path):
    text = """\
module l (input [1:0] a, output reg [1:0] y);
  for (genvar i = 0; i < 2; i++) begin : g
    always @* if (i == 0) y[i] = a[i]; else y[i] = ~a[i];
    always @* if (i == 5) y[i] = 1'b0;
  end
endmodule
"""
    found = unreachable_by_location(read(tmp_path, text))
    assert found == {(4, "if"): "condition i == 5 is constant false (i = 0)"}


# --- constants -----------------------------------------------------------------------


def test_constants_dictionary(tmp_path):
    text = """\
module k #(parameter LIMIT = 200) (input clk, input [7:0] data, input [2:0] op,
                                   output reg hit);
  localparam [2:0] ADD = 3'd1, SUB = 3'd2;
  always @(posedge clk) begin
    hit <= 0;
    if (data == 8'hA5 && data != 7) hit <= 1;
    if (data > LIMIT) hit <= 1;
    if (data === 8'b1x0z_0000) hit <= 1;
    case (op)
      ADD: hit <= 1;
      SUB, 3'd7: hit <= 0;
    endcase
    if (data inside {3, [10:12]}) hit <= 1;
  end
endmodule
"""
    d = read(tmp_path, text)
    got = {(c.value, c.width, c.text, c.signal, c.line) for c in d.constants}
    assert got == {
        (200, None, "LIMIT", None, 1),
        (1, 3, "ADD", None, 3),
        (2, 3, "SUB", None, 3),
        (0xA5, 8, "8'hA5", "data", 6),
        (7, None, "7", "data", 6),
        (200, None, "LIMIT", "data", 7),
        (1, 3, "ADD", "op", 10),
        (2, 3, "SUB", "op", 11),
        (7, 3, "3'd7", "op", 11),
        (3, None, "3", "data", 13),
        (10, None, "10", "data", 13),
        (12, None, "12", "data", 13),
    }
    assert len(d.constants) == len(got)  # deduplicated on (value, width, signal)


# --- errors, includes, defines -------------------------------------------------------


def test_syntax_error_lists_file_line_column(tmp_path):
    path = write(tmp_path, "bad.v",
                 "module bad (input a, output y);\n  assign y = a +;\nendmodule\n")
    with pytest.raises(DesignError) as err:
        read_design([path])
    assert f"{path}:2:17: error: expected expression" in str(err.value)


def test_semantic_error_is_reported_and_warnings_are_not(tmp_path):
    with pytest.raises(DesignError, match=r"d\.v:2:14: error: use of undeclared identifier 'b'"):
        read(tmp_path, "module m (input a, output y);\n  assign y = b;\nendmodule\n")
    d = read(tmp_path, "module m (input [3:0] a, output y);\n  assign y = a;\nendmodule\n")
    assert d.top == "m"  # a width truncation is only a warning


def test_missing_file_and_empty_design(tmp_path):
    with pytest.raises(DesignError, match="not found: .*nothere.v"):
        read_design([tmp_path / "nothere.v"])
    with pytest.raises(DesignError, match="empty design"):
        read(tmp_path, "// nothing here\n")


def test_include_dir_and_define(tmp_path):
    write(tmp_path, "inc/defs.vh", "`define WIDTH 6\n")
    write(tmp_path, "inc/clip.vh", """\
function automatic [5:0] clip(input [5:0] v);
  if (v > 6'd40) clip = 6'd40;
  else clip = v;
endfunction
""")
    text = """\
`include "defs.vh"
module top (input [`WIDTH-1:0] a, output [`WIDTH-1:0] y
`ifdef WITH_B
  , input [`BW-1:0] b
`endif
);
`include "clip.vh"
  assign y = clip(a);
endmodule
"""
    d = read(tmp_path, text, include_dirs=[str(tmp_path / "inc")],
             defines={"WITH_B": "", "BW": "3"})
    assert [(p.name, p.width) for p in d.ports] == [("a", 6), ("y", 6), ("b", 3)]
    points = d.branch_points
    assert [p.kind.value for p in points] == ["if", "else"]
    assert Path(points[0].file).resolve() == (tmp_path / "inc" / "clip.vh").resolve()
    assert [body(d, p) for p in points] == ["clip = 6'd40;", "clip = v;"]
    assert points[0].id == "clip.vh:2:3:if"
    assert {Path(f).name for f in d.sources} == {"d.v", "defs.vh", "clip.vh"}
    with pytest.raises(DesignError, match="defs.vh"):
        read(tmp_path, text)  # without the include dir


def test_reading_is_fast_and_writes_nothing(tmp_path):
    import time

    path = write(tmp_path, "kinds.v", KINDS)
    before = sorted(tmp_path.rglob("*"))
    start = time.perf_counter()
    read_design([path])
    assert time.perf_counter() - start < 0.5
    assert sorted(tmp_path.rglob("*")) == before


# --- benchmarks ----------------------------------------------------------------------

# Declared unreachable arms this reader does not find, with why (none since the values a
# state register is ever assigned are followed: traffic_light's default, uart_rx's S_PARITY).
KNOWN_GAPS: dict[tuple[str, int, str], str] = {}


def benchmark_dirs() -> list[Path]:
    return sorted(p.parent for p in BENCHMARKS.glob("*/manifest.toml"))


@pytest.mark.skipif(not benchmark_dirs(), reason="no benchmark designs yet")
def test_benchmarks_declared_unreachable_arms_are_found():
    problems = []
    for folder in benchmark_dirs():
        manifest = tomllib.loads((folder / "manifest.toml").read_text())
        design = read_design([str(folder / f) for f in manifest["files"]],
                             top=manifest.get("top"))
        found = {(b.line, b.kind.value) for b in design.branch_points if b.unreachable}
        for arm in manifest.get("unreachable", []):
            where = (folder.name, arm["line"], arm["kind"])
            if (arm["line"], arm["kind"]) in found and where in KNOWN_GAPS:
                problems.append(f"{where}: now found, remove it from KNOWN_GAPS")
            elif (arm["line"], arm["kind"]) not in found and where not in KNOWN_GAPS:
                problems.append(f"{where}: declared unreachable, not found")
        if "clock" in manifest:
            cr = design.clock_reset
            expected = (manifest["clock"], manifest.get("reset"),
                        manifest.get("reset_active_low", False))
            if (cr.clock, cr.reset, cr.reset_active_low) != expected:
                problems.append(f"{folder.name}: clock/reset {cr} != {expected}")
    assert problems == []
