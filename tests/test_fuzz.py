"""The fuzz strategy: pure tests of the mutators and the scheduler, then real Icarus runs
through the CLI (fuzz against random-dict on a design that needs 40 enables in a row) and
hybrid on the fuzzer with the scripted LLM client (the one fake, at the ChatClient boundary)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from verilogreader.design.reader import read_design
from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.coverage.state import StateTrace
from verilogreader.engine.fuzz import EXACT_VALUES, Seed, end_values, shortcut, state_features, weight
from verilogreader.engine.llm_strategy import LLMPolicy
from verilogreader.engine.strategies import LLMParts, make_source
from verilogreader.llm.prompts import Prompts
from verilogreader.sim import make_simulator
from verilogreader.stimuli.mutate import MUTATORS, Ports, havoc, to_dense, to_sparse
from verilogreader.stimuli.schema import validate_sequences

from test_cli import cli
from test_llm_loop import OPEN_LOCK, ScriptedChatClient, answer_of, seq_lock  # noqa: F401 (fixture)

STREAK = """\
module streak (input clk, input rst, input en, input [2:0] mode, output reg done);
  reg [5:0] run;
  always @(posedge clk) begin
    if (rst) begin
      run <= 6'd0; done <= 1'b0;
    end else if (!en) begin
      run <= 6'd0;
    end else if (run == 6'd39) begin
      done <= 1'b1; run <= 6'd0;
    end else begin
      run <= run + 6'd1;
      if (mode == 3'd5) done <= 1'b0;
    end
  end
endmodule
"""


@pytest.fixture()
def streak(tmp_path):
    path = tmp_path / "streak.v"
    path.write_text(STREAK)
    return read_design([str(path)])


def _children(design, seed: int, count: int = 200):
    ports = Ports.of(design)
    rng = random.Random(seed)
    dense = [to_dense(s, ports) for s in make_source(design, "random-dict", seed)[0].next_batch(400)]
    out = []
    for _ in range(count):
        out.append(havoc(rng, rng.choice(dense), ports, rng.choice(dense)))
    return ports, out


def test_mutations_are_deterministic_per_seed_and_valid_within_the_port_widths(streak):
    ports, first = _children(streak, 7)
    assert _children(streak, 7)[1] == first
    assert _children(streak, 8)[1] != first
    sequences = [to_sparse(d, ports) for d in first]
    document = {"sequences": [{"reset": s.reset, "cycles": s.cycles} for s in sequences]}
    valid, issues = validate_sequences(document, streak)
    assert not issues and len(valid) == len(sequences)
    for dense in first:
        assert 1 <= len(dense) <= 4096
        for cycle in dense:
            assert set(cycle) == {"rst", "en", "mode"}  # never the clock
            assert 0 <= cycle["en"] <= 1 and 0 <= cycle["mode"] <= 7 and cycle["rst"] in (0, 1)


def test_learned_values_of_only_zero_and_one_leave_nothing_to_try(streak):
    ports = Ports.of(streak)
    ports.learned.extend([0, 1, 1, 0])  # in every dictionary already: not "learned" words
    base = [{"rst": 0, "en": 1, "mode": 2}] * 3
    rng = random.Random(1)
    assert MUTATORS["learned"](rng, base, ports, base) == base
    for _ in range(200):
        havoc(rng, base, ports, base, frontier=True)


def test_dense_and_sparse_cycles_mean_the_same_stimulus(streak):
    ports, children = _children(streak, 3, 50)
    for dense in children:
        assert to_dense(to_sparse(dense, ports), ports) == dense


def test_each_mutator_does_what_it_says(streak):
    ports = Ports.of(streak)
    base = [{"rst": 0, "en": 1, "mode": m % 8} for m in range(10)]
    other = [{"rst": 0, "en": 0, "mode": 7}] * 5
    rng = random.Random(1)
    grown = MUTATORS["extend"](rng, base, ports, other)
    assert grown[:10] == base and len(grown) > 10
    assert len(MUTATORS["cut"](rng, base, ports, other)) < 10
    spliced = MUTATORS["splice"](rng, base, ports, other)
    assert spliced[0] == base[0] and spliced[-1] == other[-1]
    held = MUTATORS["hold"](rng, base, ports, other)
    assert len(held) > 10 and set(map(str, held)) == set(map(str, base))
    flipped = MUTATORS["flip"](rng, base, ports, other)
    assert sum(a != b for a, b in zip(flipped, base)) == 1
    pulsed = MUTATORS["reset"](rng, base, ports, other)
    pulses = [i for i, c in enumerate(pulsed) if c["rst"] == 1]
    assert len(pulsed) == 11 and len(pulses) == 1
    # the pulse is one whole cycle: the inputs around it keep their values, and reset is released after it
    at = pulses[0]
    assert at + 1 == len(pulsed) or pulsed[at + 1]["rst"] == 0
    words = {w for w in ports.words["mode"]}
    dictionaried = [MUTATORS["dictionary"](random.Random(s), base, ports, other) for s in range(20)]
    assert any(d != base for d in dictionaried)
    assert all(c["mode"] in words or c["mode"] == b["mode"] for d in dictionaried for c, b in zip(d, base))


def test_clone_and_repeat_send_a_chunk_again(streak):
    ports = Ports.of(streak)
    base = [{"rst": 0, "en": 1, "mode": m} for m in range(6)]
    for s in range(20):
        cloned = MUTATORS["clone"](random.Random(s), base, ports, base)
        assert len(cloned) > 6 and [c["mode"] for c in cloned if c["mode"] not in range(6)] == []
        assert cloned[0] == base[0] and cloned[-1] == base[-1], "the chunk goes in after itself"
    tails = [havoc(random.Random(s), base, ports, base, frontier=True) for s in range(200)]
    assert base + base in tails, "a frontier's whole path sent again (a second transaction)"


def test_a_frontier_is_cut_short_to_its_path_and_tries_its_own_end_values():
    # the state went 0 1 0 0 1 2 before cycles 0..5: cycles 0..2 led back to 0, and 3..5 are the path
    trace = StateTrace(cycles=6, values={"s": [0, 1, 0, 0, 1, 2], "e": [11, 48, 11, 11, 48, 85]})
    dense = [{"d": k} for k in range(6)]
    assert shortcut(dense, trace) == [{"d": 3}, {"d": 4}, {"d": 5}]
    assert shortcut(dense, None) == dense
    assert end_values(trace, 5) == (2, 85)
    assert end_values(trace, 1) == (48,), "0 and 1 are in every dictionary already"


def test_a_data_register_stops_counting_each_value_but_a_climbing_counter_does_not():
    seen = {"data": set(range(0, 2 * EXACT_VALUES, 2)), "count": set(range(EXACT_VALUES))}
    trace = StateTrace(cycles=3, values={"data": [1, 3, 200], "count": [EXACT_VALUES, 5, EXACT_VALUES + 1]})
    found = state_features(trace, seen)
    assert ("data", 1) not in found and ("data", 200) in found, "past EXACT_VALUES only a new maximum counts"
    assert found[("count", EXACT_VALUES)] == 0 and found[("count", EXACT_VALUES + 1)] == 2


def test_the_schedule_favours_recent_short_and_rare_seeds():
    def seed(length: int, found: int) -> Seed:
        return Seed([{"a": 0}] * length, frozenset({"p"}), found=found, state_only=False)

    assert weight(seed(40, 1), last_find=10, median_length=10, rare=frozenset()) == 1
    assert weight(seed(40, 10), 10, 10, frozenset()) == 8, "found something in the last batch that found anything"
    assert weight(seed(40, 8), 10, 10, frozenset()) == 2, "recently, but not the newest"
    assert weight(seed(10, 1), 10, 10, frozenset()) == 2, "no longer than the median"
    assert weight(seed(2, 1), 10, 10, frozenset()) == 4, "a quarter of the median or shorter"
    assert weight(seed(40, 1), 10, 10, frozenset({"p"})) == 3, "hits a rare point"


@pytest.mark.sim
def test_fuzz_reaches_what_random_dict_does_not_and_its_corpus_holds_only_branch_adding_sequences(tmp_path):
    design = tmp_path / "streak.v"
    design.write_text(STREAK)
    runs = {}
    for strategy in ("random-dict", "fuzz"):
        out = tmp_path / strategy
        done = cli("run", str(design), "--strategy", strategy, "--budget-cycles", "6000", "--seed", "1", "--out", str(out))
        assert done.returncode == 0, done.stderr
        results = json.loads((out / "results.json").read_text())
        corpus = json.loads((out / "corpus.json").read_text())
        runs[strategy] = ({p["line"]: p["covered"] for p in results["points"] if p["kind"] == "if"}, corpus)
    assert runs["fuzz"][0][8] and not runs["random-dict"][0][8], "40 enables in a row: fuzz gets there, random-dict not"
    corpus = runs["fuzz"][1]["sequences"]
    assert corpus and all(s["strategy"] == "fuzz" and s["new_points"] for s in corpus)
    firsts = [set(s["new_points"]) for s in corpus]
    assert all(not (a & b) for i, a in enumerate(firsts) for b in firsts[i + 1 :]), "each entry was first to hit its points"
    replay = cli("replay", str(tmp_path / "fuzz" / "corpus.json"), str(design), "--out", str(tmp_path / "replayed"))
    assert replay.returncode == 0, replay.stderr
    replayed = json.loads((tmp_path / "replayed" / "results.json").read_text())
    assert replayed["totals"]["covered"] == json.loads((tmp_path / "fuzz" / "results.json").read_text())["totals"]["covered"]


@pytest.mark.sim
def test_hybrid_runs_on_the_fuzzer_which_takes_the_llm_sequences_as_seeds(seq_lock, tmp_path):  # noqa: F811
    simulator = make_simulator("icarus", seq_lock, tmp_path)
    client = ScriptedChatClient([answer_of(OPEN_LOCK)])
    parts = LLMParts(client, Prompts(), LLMPolicy(max_calls=1))
    source, llm = make_source(seq_lock, "hybrid", 1, parts)
    state = run_campaign(seq_lock, simulator, source, Budget(cycles=12_000))
    assert len(client.requests) == 1
    assert {hit.strategy for hit in state.first_hits.values()} == {"fuzz", "llm"}
    by_llm = [e for e in state.corpus if e.strategy == "llm"]
    assert by_llm, "the model's sequence opened the lock"
    fuzzer = source.search
    assert any(to_dense(e.sequence, fuzzer.ports) == s.dense for e in by_llm for s in fuzzer.queue), (
        "the fuzzer mutates what the LLM found")


def test_unreadable_decision_signals_leave_branch_feedback_alone_said_once(streak):
    """What the harness reports when the simulator cannot read the signals (coverage/state.py):
    no values, every signal listed unavailable. The fuzzer says so once and stops tracing."""
    from verilogreader.coverage.state import StateTrace
    from verilogreader.engine.campaign import new_state
    from verilogreader.engine.fuzz import FuzzSource
    from verilogreader.sim.interface import SequenceOutcome

    fuzz = FuzzSource(streak, 1)
    state = new_state(streak)
    asked = []
    for _ in range(2):
        batch = fuzz.next_batch(200, state)
        asked.append(state.trace_batch)
        blind = StateTrace(cycles=1, values={}, unavailable=list(fuzz.signals or ["run"]))
        outcomes = [SequenceOutcome(covered=frozenset({f"p{i}"}), cycles=s.cycle_count, trace=blind) for i, s in enumerate(batch)]
        fuzz.observe(batch, outcomes, state)
    notes = [p for p in state.problems if p.startswith("fuzz:")]
    assert len(notes) == 1 and "branch coverage alone" in notes[0] and "run" in notes[0]
    assert asked == [True, False] and not state.trace_signals, "asked for the probe, then no more"
    assert fuzz.queue and not any(s.state_only for s in fuzz.queue), "branch feedback still keeps seeds"


@pytest.mark.sim
def test_ctrl_c_in_a_fuzz_run_keeps_its_corpus(tmp_path):
    import signal

    from test_faults_cli import EXIT_INTERRUPTED, _corpus_size, hanging_run, left_behind

    process, out = hanging_run(tmp_path, "--strategy", "fuzz")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr and "stopped because" in stdout
    assert json.loads((out / "results.json").read_text())["stop_reason"] == "interrupted"
    assert _corpus_size(out / "corpus.json") >= 1
    assert {s["strategy"] for s in json.loads((out / "corpus.json").read_text())["sequences"]} <= {"stimuli-file", "fuzz"}
    assert left_behind(tmp_path) == []
