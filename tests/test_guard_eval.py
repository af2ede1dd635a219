"""Guards evaluated on recorded state, frontier prefixes, closeness and the code view: pure,
no simulator (the traces are written by hand, as the state probe would record them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from verilogreader.coverage.guards import Recording, chain, closeness, distance, evaluate, frontier
from verilogreader.coverage.steps import next_steps
from verilogreader.coverage.state import StateTrace, decision_signals, driven_values
from verilogreader.design.reader import read_design
from verilogreader.engine.campaign import new_state
from verilogreader.engine.llm_strategy import LLMPolicy, LLMSource
from verilogreader.llm import code_view, context
from verilogreader.llm.grammar import compact_grammar
from verilogreader.llm.prompts import Prompts
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
DEEP = "seq_lock.v:51:17:if"  # if (step == STEP_LAST), inside valid and code == expected


@pytest.fixture(scope="module")
def seq_lock():
    return read_benchmark(BENCHMARKS / "seq_lock")[1]


def _design(tmp_path, body: str, ports: str = "input wire clk, input wire [7:0] din, input wire [3:0] a"):
    path = tmp_path / "t.v"
    path.write_text(f"module t ({ports}, output reg y);\n{body}\nendmodule\n")
    return read_design([path], top="t")


def _guard(design, line: int, kind: str = "if"):
    point = next(p for p in design.branch_points if p.line == line and p.kind.value == kind)
    assert point.guard is not None
    return point.guard


def test_parameters_are_values_and_widths_wrap_as_in_verilog(tmp_path):
    design = _design(tmp_path, """
    localparam [7:0] MULT = 8'd37;
    reg [5:0] s;
    always @* begin
        if (din == {2'b00, s} * MULT + 8'd11) y = 1;
        else y = 0;
        if ($signed(a) < -4'sd2) y = 1;
    end""")
    eq = _guard(design, 6)
    assert evaluate(eq, {"s": 7, "din": (7 * 37 + 11) % 256}.get) == 1  # 270 wraps to 14 in 8 bits
    assert evaluate(eq, {"s": 7, "din": 13}.get) == 0
    assert distance(eq, {"s": 7, "din": 10}.get) == 4
    assert distance(eq, {"s": 7, "din": 13}.get, want=False) == 0
    less = _guard(design, 8)
    assert evaluate(less, {"a": 0b1101}.get) == 1  # -3 < -2
    assert evaluate(less, {"a": 0b0001}.get) == 0
    assert distance(less, {"a": 0b1111}.get) == 2  # -1 is 2 steps above -3


def test_unknown_values_stay_unknown_unless_the_other_side_decides(seq_lock):
    valid_and_code = _guard(seq_lock, 50)  # code == expected
    assert evaluate(valid_and_code, {"code": 5}.get) is None
    assert distance(valid_and_code, {"code": 5}.get) is None
    guards = [c.expr for c in chain(seq_lock, seq_lock.point(DEEP))]
    both = guards[2].model_copy(update={"op": "&&", "args": (guards[2], guards[3]), "width": 1})
    assert evaluate(both, {"valid": 0}.get) == 0  # valid = 0 decides without `expected`
    assert evaluate(both, {"valid": 1}.get) is None


def _lock_recording(seq_lock, codes: list[int], label: str = "r") -> Recording:
    """What the probe records for a sequence of valid codes: step/expected per cycle."""
    right = [0x3C, 0xA7, 0x11, 0xF0, 0x5E, 0x92, 0]
    steps, step = [], 0
    for code in codes:
        steps.append(step)
        step = step + 1 if code == right[step] else 0
    cycles = [{"valid": 1, "code": c} for c in codes]
    trace = StateTrace(cycles=len(codes), values={"step": steps, "expected": [right[s] for s in steps],
                                                   "fails": [0] * len(codes), "open": [0] * len(codes)})
    return Recording(label, cycles, trace)


def test_the_frontier_is_the_recorded_cycle_nearest_to_the_hole_with_the_shortest_prefix(seq_lock):
    point = seq_lock.point(DEEP)
    shallow = _lock_recording(seq_lock, [0x3C, 0xA7, 0x00], "shallow")
    deep = _lock_recording(seq_lock, [0x01, 0x3C, 0xA7, 0x11, 0xF0, 0x00, 0x3C], "deep")
    found = frontier(seq_lock, point, [shallow, deep])
    assert found is not None and found.recording.label == "deep"
    assert found.cycle == 5 and found.values["step"] == 4  # step 4: one correct code from step 5
    assert found.prefix == deep.cycles[:5]
    assert found.inputs == {"rst_n": 1, "valid": 1, "code": 0xF0, "lock": 0}  # held after the prefix
    texts = [c.text for c in chain(seq_lock, point)]
    held = dict(zip(texts, (s.held for s in found.statuses)))
    assert held["step == STEP_LAST"] is False and held["!(step == S_OPEN)"] is True
    start = context.start_of(seq_lock, point, found)
    assert "step = 4" in start.values and "step == STEP_LAST" in start.fails
    assert frontier(seq_lock, point, []) is None
    on_inputs = seq_lock.point("seq_lock.v:48:13:if")  # if (lock), inside step == S_OPEN: a register
    assert frontier(seq_lock, on_inputs, [deep]) is not None


def test_a_register_condition_that_fails_comes_with_the_assignment_that_moves_it_and_its_inputs(seq_lock):
    point = seq_lock.point("seq_lock.v:34:13:case-item")  # 3'd2: expected = CODE2, guard step == 3'd2
    found = frontier(seq_lock, point, [_lock_recording(seq_lock, [0x3C, 0x00, 0x00])])
    assert found is not None and found.values["step"] == 1
    (step,) = next_steps(seq_lock, point, found, limit=1)
    assert step.assignment.line == 56 and step.gives == 2 and step.makes_true  # step <= step + 3'd1
    assert step.needs == {"valid": 1, "code": 0xA7}  # code == expected, expected = CODE1 at step 1
    start = context.start_of(seq_lock, point, found)
    assert start.needs == ("valid = 1", "code = 167 (8'hA7)")
    assert "`step <= step + 3'd1` (line 56) gives step = 2" in start.steps[0]
    assert all("3'd0" not in text for text in start.steps)  # reset and wrong codes go back, not forward


def test_a_condition_on_a_wire_asks_for_what_drives_it_in_the_present_state():
    fsm32 = read_benchmark(BENCHMARKS / "fsm32")[1]
    point = fsm32.point("fsm32.v:45:21:if")  # if (state == S_LAST), after 31 correct inputs
    trace = StateTrace(cycles=2, values={"state": [0, 7], "expected": [11, 7 * 37 + 11], "matched": [0, 0],
                                         "best": [0, 7]})
    found = frontier(fsm32, point, [Recording("r", [{"valid": 0}, {"valid": 0}], trace)])
    assert found is not None and found.cycle == 1  # state 7 is the closest to 31
    (step,) = next_steps(fsm32, point, found, limit=1)
    # `matched = (din == expected)` in the default arm of case (state), expected = 270 mod 256
    assert step.gives == 8 and step.needs == {"valid": 1, "din": (7 * 37 + 11) % 256}


def test_the_local_grammar_asks_for_compact_json_within_the_schemas_bounds(seq_lock):
    grammar = compact_grammar(context.answer_schema(seq_lock, 3, 8))
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["root"].startswith('"{" "\\"sequences\\":"')
    literals = [lit for body in rules.values() for lit in re.findall(r'"(?:[^"\\\\]|\\\\.)*"', body)]
    assert literals and not [lit for lit in literals if re.search(r" |\\n|\\t", lit)]  # no whitespace anywhere
    assert "{0,2}" in rules["root-sequences"] and "{0,7}" in rules["root-sequences-item-cycles"]
    assert rules["root-sequences-item-cycles-item-valid"] == "[0-1]" and "rst_n" not in grammar
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in rules)


def test_a_hole_that_only_inputs_decide_gets_no_prefix(tmp_path):
    design = _design(tmp_path, """
    always @* begin
        if (din == 8'd7 && a == 4'd2) y = 1;
        else y = 0;
    end""")
    point = next(p for p in design.branch_points if p.kind.value == "if")
    recording = Recording("r", [{"din": 7, "a": 2}], StateTrace(cycles=1))
    assert frontier(design, point, [recording]) is None


def test_closeness_says_how_far_the_chain_got_and_the_closest_value(seq_lock):
    point = seq_lock.point(DEEP)
    attempt = _lock_recording(seq_lock, [0x3C, 0xA7, 0x11, 0x00])
    found = closeness(seq_lock, point, [attempt])
    assert found.held == 4 and found.failed_closest["step"] == 2 and found.failed_distance == 3
    text = context.closeness_text(seq_lock, "H16", point, found, offset=0)
    assert text.startswith("H16: code == expected held at cycle 3") and "closest: step = 2" in text  # its last


def test_inputs_come_from_the_stimulus_held_between_writes(seq_lock):
    values = driven_values(seq_lock, [{"valid": 1}, {}, {"code": 7, "valid": 0}])
    assert values["valid"] == [1, 1, 0] and values["code"] == [0, 0, 7] and values["rst_n"] == [1, 1, 1]
    assert "step" in decision_signals(seq_lock) and "code" not in decision_signals(seq_lock)


def test_the_code_view_shows_the_hole_its_guards_and_what_drives_them(seq_lock):
    listing = code_view.relevant_code(seq_lock, [seq_lock.point(DEEP)])
    (file, items), = listing
    lines = {item[0] for item in items if item}
    assert {49, 50, 51, 52} <= lines  # the enclosing arms and the hole's own arm
    assert {36, 37} <= lines  # `expected` for steps 4 and 5 (the guard compares code with it)
    assert 56 in lines  # step <= step + 1: how `step` gets there (one level back)
    assert None in items and 68 not in lines  # gaps are marked, unrelated code left out


class Unused:
    """Stands where the chat client goes; the request is only built here, never sent."""

    model = "unused"


def test_a_large_design_shows_only_the_code_around_its_holes_and_fits_the_context(tmp_path):
    arms = "\n".join(f"            8'd{i}: if (din == 8'd{(i * 7) % 256} && a == 4'd{i % 16}) y <= 1'b1; else y <= 1'b0;"
                     for i in range(240))
    design = _design(tmp_path, f"""
    reg [7:0] st;
    always @(posedge clk) begin
        st <= st + din;
        case (st)
{arms}
            default: y <= 1'b0;
        endcase
    end""")
    assert code_view.estimate_tokens(design.sources[design.files[0]]) > 4000
    policy = LLMPolicy(context_tokens=4096, answer_tokens=1024)

    source = LLMSource(design, Unused(), Prompts(), policy)
    state = new_state(design)
    shown = context.holes(design, state.coverage, policy.holes_shown)
    messages, answer_tokens, kept = source._fitted_request(shown, state)
    prompt = sum(code_view.estimate_tokens(m["content"]) for m in messages)
    assert prompt + answer_tokens <= policy.context_tokens and answer_tokens >= policy.min_answer_tokens
    text = messages[-1]["content"]
    assert "  ..." in text and f"8'd{239}:" not in text  # the listing, not the whole source
    assert kept


FRAMER = """
    localparam [7:0] TAG = 8'hFF, MAX_LEN = 8'd8;
    reg [1:0] state; reg first; reg [7:0] sum;
    always @(posedge clk) begin
        if (state == 2'd0) begin
            if (!(din == 8'd0 || din > MAX_LEN)) state <= 2'd1;
        end else if (state == 2'd1) begin
            if (first && din == TAG) y <= 1;
            state <= 2'd2;
        end else if (din == sum) begin
            y <= 0;
        end
    end"""


def test_the_inputs_a_state_asks_for_are_searched_not_guessed(tmp_path):
    """`!(din == 0 || din > MAX_LEN)` wants 1..8, `first && din == TAG` wants 255 when first
    is 1, `din == sum` wants sum's recorded value: each checked by evaluating the guard."""
    from verilogreader.coverage.steps import input_needs

    design = _design(tmp_path, FRAMER)
    by_line = {p.line: p for p in design.branch_points if p.kind.value == "if"}
    trace = StateTrace(cycles=3, values={"state": [0, 1, 2], "first": [0, 1, 0], "sum": [0, 0, 93]})
    recording = Recording("r", [{"din": 0}, {"din": 5}, {"din": 0}], trace)
    for line, cycle, wanted in ((7, 0, None), (9, 1, 255), (11, 2, 93)):
        found = frontier(design, by_line[line], [recording])
        assert found is not None and found.cycle == cycle
        needs = input_needs(design, by_line[line], found)
        if wanted is None:
            assert 1 <= needs["din"] <= 8
        else:
            assert needs == {"din": wanted}


def test_a_counter_step_says_how_many_cycles_of_it_the_condition_needs(tmp_path):
    """`idle == 4'd11` from idle = 8: one cycle of `idle <= idle + 1` is not enough; three are."""
    design = _design(tmp_path, """
    reg [3:0] idle;
    always @(posedge clk) begin
        if (a == 4'd0) begin
            if (idle == 4'd11) y <= 1;
            else idle <= idle + 4'd1;
        end else idle <= 4'd0;
    end""")
    point = next(p for p in design.branch_points if p.line == 6 and p.kind.value == "if")
    trace = StateTrace(cycles=2, values={"idle": [0, 8]})
    found = frontier(design, point, [Recording("r", [{"a": 0}, {"a": 0}], trace)])
    assert found is not None and found.cycle == 1
    (step,) = next_steps(design, point, found)
    assert (step.gives, step.cycles, step.reaches, step.needs) == (9, 3, 11, {"a": 0})
    start = context.start_of(design, point, found)
    assert start.hold == 3 and "3 cycles of it in a row give idle = 11" in start.steps[0]


def test_a_lock_step_that_wants_another_code_each_time_is_not_held(seq_lock):
    """`step == 3'd4` from step 2: `step <= step + 1` twice would do, but the second cycle wants
    another code, so no "held for 2 cycles" is offered."""
    point = seq_lock.point("seq_lock.v:36:13:case-item")  # 3'd4: expected = CODE4
    found = frontier(seq_lock, point, [_lock_recording(seq_lock, [0x3C, 0xA7, 0x00])])
    assert found is not None
    (step,) = next_steps(seq_lock, point, found, limit=1)
    assert step.cycles == 1 and step.needs["code"] == 0x11


def test_an_answer_for_one_hole_is_opened_for_the_model_and_the_grammar_covers_the_rest(seq_lock):
    from verilogreader.llm.grammar import opened_answer

    assert opened_answer(context.answer_schema(seq_lock, 2, 3, ["H4", "H5"])) is None  # two ways to start
    opening, grammar = opened_answer(context.answer_schema(seq_lock, 1, 3, ["H5"]))
    assert opening == '{"sequences":[{"target":"H5","reset":'
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["root"].startswith('reset "," "\\"cycles\\":" cycles "}"') and rules["reset"] == '"true" | "false"'
    assert "{0,2}" in rules["cycles"] and '"rst_n' not in grammar
    rest = 'true,"cycles":[{"valid":1,"code":240},{}]}]}'
    assert json.loads(opening + rest)["sequences"][0]["target"] == "H5"
