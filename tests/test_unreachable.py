"""Arms that can never count: time-0 initial code, reset arms (credited whenever the harness
applies reset), FSM defaults and final elses proved by the values a register is ever assigned.
Small inline designs read with the real reader, and one run through the real CLI on both
simulators that checks the judgement against what is actually hit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verilogreader.design.model import BranchKind
from verilogreader.design.reader import read_design

K = BranchKind


def read(tmp_path: Path, text: str, **kwargs):
    path = tmp_path / "d.sv"
    path.write_text(text)
    return read_design([str(path)], **kwargs)


def point(design, line: int, kind: BranchKind):
    found = [p for p in design.branch_points if p.line == line and p.kind is kind]
    assert len(found) == 1, (line, kind, [p.id for p in design.branch_points])
    return found[0]


def reachable(design) -> int:
    return len(design.reachable_points)


# --- 1. initial and final blocks -----------------------------------------------------------

INITIAL = """\
module init(input clk, input go, output reg q, output reg r, output reg s);
  initial begin
    if (go) q = 1'b1;
    else q = 1'b0;
  end
  initial begin
    #5;
    if (go) r = 1'b1;
    else r = 1'b0;
  end
  final if (go) s = 1'b1;
endmodule
"""


def test_arms_of_a_time_0_initial_block_and_of_a_final_block_never_count(tmp_path):
    d = read(tmp_path, INITIAL)
    for line, kind in ((3, K.IF), (4, K.ELSE)):
        assert "runs only at time 0" in point(d, line, kind).unreachable
    for kind in (K.IF, K.ELSE_IMPLICIT):
        assert "final block" in point(d, 11, kind).unreachable
    # after a delay the initial block may run once coverage counts: still a hole
    assert point(d, 8, K.IF).unreachable is None and point(d, 9, K.ELSE).unreachable is None
    assert reachable(d) == 2


def test_an_initial_block_calling_a_task_may_wait_in_it(tmp_path):
    d = read(tmp_path, """\
module init2(input go, output reg q);
  task automatic pause; #5; endtask
  initial begin
    pause();
    if (go) q = 1'b1;
  end
endmodule
""")
    assert point(d, 5, K.IF).unreachable is None


# --- 2. reset arms ---------------------------------------------------------------------------

RESETS = """\
module leaf(input c, input r, input en, output reg q, output reg p);
  always @(posedge c) begin
    if (r) q <= 1'b0;
    else q <= en;
  end
  always @(posedge c) if (en) begin
    if (r) p <= 1'b0;
  end
endmodule
module resets(input clk, input rst_n, input en, output reg a, output reg b, output reg z,
              output q, output p);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) a <= 1'b0;
    else a <= en;
  always @(posedge clk) begin
    if (rst_n == 1'b1) b <= en;
    else b <= 1'b0;
  end
  always @* if (!rst_n) z = 1'b0; else z = en;
  leaf u(.c(clk), .r(~rst_n), .en(en), .q(q), .p(p));
endmodule
"""


def test_the_arm_a_reset_test_takes_at_the_top_of_a_clocked_block_is_a_reset_arm(tmp_path):
    d = read(tmp_path, RESETS, top="resets")
    assert d.clock_reset.reset == "rst_n" and d.clock_reset.reset_active_low
    on_reset = sorted((p.line, p.kind) for p in d.branch_points if p.runs_on_reset)
    assert on_reset == [
        (3, K.IF),  # `if (r)` in the child, whose r is ~rst_n
        (13, K.IF),  # if (!rst_n)
        (17, K.ELSE),  # if (rst_n == 1'b1) ... else
    ]
    # not at the top of a clocked block (nested under `en`, or combinational): no credit
    assert not point(d, 7, K.IF).runs_on_reset and not point(d, 19, K.IF).runs_on_reset


def test_reset_arms_follow_the_detected_reset_not_names(tmp_path):
    d = read(tmp_path, RESETS, top="resets", reset="en", reset_active_low=False)
    assert sorted((p.line, p.kind) for p in d.branch_points if p.runs_on_reset) == [(6, K.IF)]


# --- 3. FSM defaults from the values a register is ever assigned -------------------------

FSM = """\
module fsm(input clk, input rst_n, input go, input [2:0] load, output reg [2:0] state);
  localparam S0 = 3'd0, S1 = 3'd1, S2 = 3'd4, SX = 3'd6;
  reg [2:0] next;
  always @(posedge clk or negedge rst_n)
    if (!rst_n) state <= S0;
    else state <= next;
  always @* begin
    next = state;
    case (state)
      S0: next = go ? S1 : S0;
      S1: next = S2;
      S2: next = S0;
      SX: next = S0;
      default: next = S0;
    endcase
  end
  //EXTRA
endmodule
"""


def test_a_default_is_unreachable_when_every_value_the_register_is_assigned_is_listed(tmp_path):
    d = read(tmp_path, FSM)
    assert point(d, 14, K.CASE_DEFAULT).unreachable == \
        "state is only ever assigned S0, S1, S2 (all listed)"
    # a label no assignment produces: its item is unreachable too
    assert point(d, 13, K.CASE_ITEM).unreachable == "state is never assigned SX (only S0, S1, S2)"
    assert reachable(d) == 7


@pytest.mark.parametrize("extra", [
    "always @(posedge clk) if (go) state <= state + 3'd1;",  # arithmetic
    "always @(posedge clk) if (go) state <= load;",  # an input
    "always @(posedge clk) if (go) state[0] <= 1'b1;",  # a part-select
    "always @(posedge clk) if (go) {state} <= 3'd7;",  # a concatenation
    "task automatic set(output reg [2:0] v); v = 3'd7; endtask\n"
    "always @(posedge clk) if (go) set(state);",  # a task's output argument
])
def test_a_write_that_cannot_be_followed_keeps_the_default_reachable(tmp_path, extra):
    # two drivers of one register are legal for the reader (it never simulates)
    d = read(tmp_path, FSM.replace("//EXTRA", extra))
    assert point(d, 14, K.CASE_DEFAULT).unreachable is None
    assert point(d, 13, K.CASE_ITEM).unreachable is None


def test_a_write_from_another_module_through_a_hierarchical_name_keeps_the_default(tmp_path):
    text = """\
module hier(input clk, input rst_n, input go, output [1:0] s);
  fsmsub u(.clk(clk), .rst_n(rst_n), .state(s));
  //WRITE
endmodule
module fsmsub(input clk, input rst_n, output reg [1:0] state, output reg y);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) state <= 2'd0;
    else state <= state == 2'd0 ? 2'd1 : 2'd0;
  always @* case (state) 2'd0: y = 0; 2'd1: y = 1; default: y = 0; endcase
endmodule
"""
    assert point(read(tmp_path, text, top="hier"), 9, K.CASE_DEFAULT).unreachable == \
        "state is only ever assigned 2'd0, 2'd1 (all listed)"
    written = text.replace("//WRITE", "always @(posedge clk) if (go) u.state = 2'd3;")
    assert point(read(tmp_path, written, top="hier"), 9, K.CASE_DEFAULT).unreachable is None


def test_a_register_assigned_from_an_unfollowable_variable_keeps_its_default(tmp_path):
    d = read(tmp_path, FSM.replace("S1: next = S2;", "S1: next = load;"))
    assert point(d, 14, K.CASE_DEFAULT).unreachable is None


def test_a_register_never_initialized_before_coverage_keeps_its_default(tmp_path):
    # no reset: until first assigned it holds anything (X on Icarus, 0 on Verilator)
    d = read(tmp_path, FSM.replace("if (!rst_n) state <= S0;", "").replace("else state", "state"))
    assert point(d, 14, K.CASE_DEFAULT).unreachable is None
    # a latch-like combinational `next` (not assigned on every path) is not initialized either
    d = read(tmp_path, FSM.replace("next = state;", "").replace("default: next = S0;", ""))
    assert point(d, 9, K.CASE_DEFAULT_IMPLICIT).unreachable is None


ENUM = """\
module enum_fsm(input logic clk, input logic rst, input logic go, output logic busy);
  typedef enum logic [1:0] {IDLE, RUN, DONE} state_t;
  state_t state;
  always_ff @(posedge clk) begin
    if (rst) state <= IDLE;
    else begin
      unique case (state)
        IDLE: if (go) state <= RUN;
        RUN: state <= DONE;
        DONE: state <= IDLE;
      endcase
    end
  end
  assign busy = state != IDLE;
endmodule
"""


def test_enum_members_and_an_implicit_default(tmp_path):
    d = read(tmp_path, ENUM)
    assert point(d, 5, K.IF).runs_on_reset  # a synchronous reset in always_ff
    assert point(d, 7, K.CASE_DEFAULT_IMPLICIT).unreachable == \
        "state is only ever assigned IDLE, RUN, DONE (all listed)"


def test_the_full_case_rule_still_names_the_width(tmp_path):
    d = read(tmp_path, FSM.replace("reg [2:0] next", "reg [1:0] two; reg [2:0] next").replace(
        "//EXTRA", "always @* case (two) 2'd0: ; 2'd1: ; 2'd2: ; 2'd3: ; default: ; endcase"))
    assert point(d, 17, K.CASE_DEFAULT).unreachable == "all 4 values of two (2 bits) have items"


# --- 4. final else of an exhaustive if-chain --------------------------------------------------

CHAINS = """\
module chains(input clk, input rst_n, input go, input x, input [7:0] a, input [7:0] b,
              output reg [1:0] y, output reg [1:0] w, output reg [1:0] v, output reg [1:0] u);
  localparam A = 2'd1, B = 2'd2;
  reg [1:0] state;
  always @(posedge clk or negedge rst_n)
    if (!rst_n) state <= A;
    else if (go) state <= state == A ? B : A;
  always @* begin
    if (state == A) y = 2'd0;
    else if (state == B) y = 2'd1;
    else y = 2'd2;
  end
  always @* begin
    if (x) w = 2'd0;
    else if (!x) w = 2'd1;
    else w = 2'd2;
  end
  always @* begin
    if (a > b) v = 2'd0;
    else if (a < b) v = 2'd1;
    else if (b == a) v = 2'd2;
    else v = 2'd3;
  end
  always @* begin
    if (a > b) u = 2'd0;
    else if (a < b) u = 2'd1;
    else u = 2'd3;
  end
endmodule
"""


def test_final_elses_of_realistic_exhaustive_chains(tmp_path):
    d = read(tmp_path, CHAINS)
    assert point(d, 11, K.ELSE).unreachable == \
        "state is only ever assigned A, B, all tested by the if/else-if chain"
    assert point(d, 16, K.ELSE).unreachable == "the if/else-if chain tests all 2 values of x (1 bit)"
    assert point(d, 22, K.ELSE).unreachable == \
        "the if/else-if chain covers a < b, a == b and a > b"
    assert point(d, 27, K.ELSE).unreachable is None  # a == b goes there


def test_a_chain_missing_an_assigned_value_keeps_its_final_else(tmp_path):
    d = read(tmp_path, CHAINS.replace("state == A ? B : A", "state == A ? B : 2'd3"))
    assert point(d, 11, K.ELSE).unreachable is None


# --- the judgement against real simulators, through the CLI -------------------------------

RUN = """\
module fsm_run(input clk, input rst_n, input go, output reg [2:0] state, output reg seen);
  localparam IDLE = 3'd0, BUSY = 3'd3, DONE = 3'd5;
  initial begin
    if (go) seen = 1'b1;
    else seen = 1'b0;
  end
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= IDLE;
    end else begin
      case (state)
        IDLE: if (go) state <= BUSY;
        BUSY: state <= DONE;
        DONE: state <= IDLE;
        default: state <= IDLE;
      endcase
    end
  end
endmodule
"""


@pytest.mark.sim
@pytest.mark.parametrize("sim", ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)])
def test_a_run_that_never_pulses_reset_covers_the_reset_arm_and_every_reachable_point(tmp_path, sim):
    design = tmp_path / "fsm_run.v"
    design.write_text(RUN)
    stimuli = tmp_path / "s.json"  # as `llm` sends: reset at the start of a sequence, never within
    stimuli.write_text(json.dumps({"sequences": [
        {"reset": True, "cycles": [{}, {"go": 1}, {"go": 0}, {}, {}]},
        {"reset": False, "cycles": [{}, {}]},
    ]}))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "verilogreader.cli", "run", str(design),
                           "--stimuli", str(stimuli), "--sim", sim, "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    points = {(p["line"], p["kind"]): p for p in results["points"]}
    assert points[(8, "if")]["covered"] and points[(8, "if")]["hits"] == 1  # the sequence with reset
    for line, kind in ((4, "if"), (5, "else"), (15, "case-default")):
        assert points[(line, kind)]["unreachable"] and not points[(line, kind)]["covered"]
    assert results["totals"]["reachable"] == 7
    assert results["totals"]["reachable_covered"] == 7
