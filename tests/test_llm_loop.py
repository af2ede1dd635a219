"""The LLM loop, with a scripted chat client at the ChatClient boundary and a real simulator.

`ScriptedChatClient` is the one fake here: it stands where the openai client stands and
returns answers written in advance, so the loop's parsing, validation, re-asking, feedback
and stopping can be checked exactly. The real embedded model is tested in test_llm_local.py.
"""

from __future__ import annotations

import re

import json
from pathlib import Path

import pytest

from verilogreader.engine.campaign import Budget, StopReason, run_campaign
from verilogreader.engine.fuzz import FuzzSource
from verilogreader.engine.llm_strategy import HybridSource, LLMPolicy, LLMSource
from verilogreader.errors import LLMCallFailed, UsageError
from verilogreader.llm.answer import ask, extract_json
from verilogreader.llm.interface import Completion
from verilogreader.llm.context import MAX_EXPANDED_CYCLES, MAX_REPEAT
from verilogreader.llm.prompts import Prompts
from verilogreader.sim import make_simulator
from verilogreader.stimuli.schema import Sequence
from verilogreader.stimuli.sources import ChainedSource, FixedSource
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


class ScriptedChatClient:
    """A fake LLM at the ChatClient boundary: answers are scripted; requests are recorded."""

    model = "scripted"

    def __init__(self, answers: list[str | Exception]) -> None:
        self.answers = list(answers)
        self.requests: list[dict] = []

    def complete(self, messages, *, schema, temperature, max_tokens, seed=None, timeout=None):
        self.requests.append({"messages": [dict(m) for m in messages], "temperature": temperature, "schema": schema})
        answer = self.answers.pop(0) if self.answers else '{"sequences": []}'
        if isinstance(answer, Exception):
            raise answer
        return Completion(text=answer, prompt_tokens=100, completion_tokens=20, seconds=0.01)


@pytest.fixture(scope="module")
def seq_lock():
    return read_benchmark(BENCHMARKS / "seq_lock")[1]


def answer_of(*sequences, **extra) -> str:
    return json.dumps({"sequences": [{"target": "H1", "reset": True, "cycles": list(s)} for s in sequences], **extra})


OPEN_LOCK = [{"valid": 1, "code": c} for c in (0x3C, 0xA7, 0x11, 0xF0, 0x5E, 0x92)] + [{"valid": 0}, {}]


def test_extract_json_survives_fences_and_chatter():
    assert extract_json('Sure!\n```json\n{"sequences": []}\n```\nHope this helps') == {"sequences": []}
    assert extract_json('{"sequences": [1]} and then some text {') == {"sequences": [1]}
    assert extract_json("no json here") is None


def test_partly_wrong_answer_keeps_valid_sequences_and_reasks_with_errors(seq_lock):
    wrong = answer_of([{"code": 1}], [{"code": 999}], [{"nosuch": 1}])
    fixed = answer_of([{"code": 2}])
    client = ScriptedChatClient([wrong, fixed])
    prompts = Prompts()
    result = ask(
        client,
        [{"role": "user", "content": "go"}],
        seq_lock,
        schema={},
        temperature=0.2,
        max_tokens=512,
        max_reasks=2,
        max_sequences=4,
        max_cycles=32,
        reask_text=lambda problems, kept: prompts.reask(problems, kept, ["code", "valid"]),
    )
    assert [s.cycles for s in result.sequences] == [[{"code": 1}], [{"code": 2}]]
    reask = client.requests[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": wrong}, "the model sees its previous answer"
    assert "sequence 1, cycle 0, port 'code'" in reask[-1]["content"]
    assert "sequence 2, cycle 0, port 'nosuch': no such port" in reask[-1]["content"]
    assert len(client.requests[0]["messages"]) == 1, "the caller's message list is not mutated"


def test_broken_huge_and_failed_answers_never_crash(seq_lock):
    huge = answer_of([{"code": 1}] * 10_000)
    client = ScriptedChatClient(["not json at all", huge])
    result = ask(client, [], seq_lock, schema={}, temperature=0, max_tokens=64, max_reasks=2,
                 max_sequences=4, max_cycles=32, reask_text=lambda p, k: "again")
    assert len(result.sequences) == 1 and result.sequences[0].cycle_count == 32
    assert len(client.requests) == 2, "a trimmed answer is used as far as it fits, not re-asked"
    failing = ScriptedChatClient(["not json at all", LLMCallFailed("HTTP 429 rate limited")])
    result = ask(failing, [], seq_lock, schema={}, temperature=0, max_tokens=64, max_reasks=2,
                 max_sequences=4, max_cycles=32, reask_text=lambda p, k: "again")
    assert result.sequences == [] and result.failure == "HTTP 429 rate limited"


def test_repeat_holds_a_cycle_and_is_capped(seq_lock):
    long_wait = answer_of([{"valid": 1, "code": 0x3C, "repeat": 70}, {"valid": 0}], [{"valid": 1, "repeat": MAX_REPEAT}] * 3)
    result = ask(ScriptedChatClient([long_wait]), [], seq_lock, schema={}, temperature=0, max_tokens=64,
                 max_reasks=0, max_sequences=4, max_cycles=32, reask_text=lambda p, k: "again")
    held, capped = result.sequences
    assert held.cycle_count == 71 and held.cycles[0] == {"valid": 1, "code": 0x3C} and held.cycles[1:70] == [{}] * 69
    assert capped.cycle_count == MAX_EXPANDED_CYCLES < 3 * MAX_REPEAT and result.problems == []


@pytest.mark.sim
def test_llm_loop_covers_what_it_is_asked_and_learns_from_feedback(seq_lock, tmp_path):
    simulator = make_simulator("icarus", seq_lock, tmp_path)
    client = ScriptedChatClient(
        [
            answer_of([{"valid": 1, "code": 0x3C}]),  # first step only
            answer_of(OPEN_LOCK, unreachable=[{"hole": "H3", "reason": "I think so"}]),
            answer_of([{"valid": 1, "code": 0x3C}]),  # nothing new from here on
            answer_of([{"valid": 1, "code": 0x3C}]),
        ]
    )
    log: list[dict] = []
    source = LLMSource(seq_lock, client, Prompts(), LLMPolicy(max_calls=10, plateau_calls=2, max_cycles=16), log=log.append)
    state = run_campaign(seq_lock, simulator, source, Budget(cycles=10_000))

    assert state.stop_reason is StopReason.SOURCE and "plateau" in state.stop_detail
    opened = next(p for p in seq_lock.branch_points if p.line == 51 and p.kind.value == "if")
    assert opened.id in state.coverage.covered and state.first_hits[opened.id].strategy == "llm"
    first_holes = client.requests[0]["messages"][-1]["content"].split("# Branches not covered yet")[1]
    assert "idle" in {h.strategy for h in state.first_hits.values()}, "a reset and idle cycles come first..."
    assert "line 43, if arm" not in first_holes, "...so the first call is not spent on the reset arm"
    second_prompt = client.requests[1]["messages"][-1]["content"]
    assert "attempt 1:" in second_prompt and "newly covered" in second_prompt
    assert "runs only when ALL of these hold" in second_prompt
    temperatures = [r["temperature"] for r in client.requests]
    assert temperatures[2] < temperatures[3], "temperature rises when a call adds nothing"
    acc = source.accounting.as_dict()
    assert acc["calls"] == 4 and acc["prompt_tokens"] == 400
    assert acc["unreachable_claims"][0]["hole"] == "H3", "claims are recorded..."
    assert state.coverage.reachable_covered == len(state.coverage.covered - state.coverage.unreachable)
    assert len(log) == 4 and log[0]["exchanges"][0]["response"]


@pytest.mark.sim
def test_hybrid_asks_the_llm_when_the_fuzzer_stalls_and_credits_each_strategy(seq_lock, tmp_path):
    simulator = make_simulator("icarus", seq_lock, tmp_path)
    client = ScriptedChatClient([answer_of(OPEN_LOCK)])
    llm = LLMSource(seq_lock, client, Prompts(), LLMPolicy(max_calls=1))
    source = HybridSource(FuzzSource(seq_lock, 1), llm)
    state = run_campaign(seq_lock, simulator, source, Budget(cycles=12_000))
    strategies = {hit.strategy for hit in state.first_hits.values()}
    assert strategies == {"fuzz", "llm"}
    assert len(client.requests) == 1
    asked = client.requests[0]["messages"][-1]["content"].split("# Branches not covered yet")[1]
    assert "line 43, if arm" not in asked, "random covered the reset arm before: the LLM is not asked about it"
    assert re.search(r"line 3[4-7], case-item arm", asked), "a deep step random did not reach is"
    assert state.cycles == 12_000


def test_templates_fail_loudly_on_missing_variables(tmp_path, seq_lock):
    (tmp_path / "design.j2").write_text("{{ no_such_variable }}")
    with pytest.raises(UsageError, match="design.j2"):
        Prompts(tmp_path).design_part(seq_lock)


@pytest.mark.sim
def test_after_given_stimuli_the_idle_probe_and_the_model_are_credited_apart(seq_lock, tmp_path):
    simulator = make_simulator("icarus", seq_lock, tmp_path)
    given = FixedSource([Sequence(reset=True, cycles=[{"lock": 1}])], name="fixed")
    llm = LLMSource(seq_lock, ScriptedChatClient([answer_of(OPEN_LOCK)]), Prompts(), LLMPolicy(max_calls=1, max_cycles=16))
    state = run_campaign(seq_lock, simulator, ChainedSource(given, llm), Budget(cycles=1000))
    opened = next(p for p in seq_lock.branch_points if p.line == 51 and p.kind.value == "if")
    assert state.first_hits[opened.id].strategy == "llm"
    assert {hit.strategy for hit in state.first_hits.values()} <= {"fixed", "idle", "llm"}


def test_holes_spell_out_the_input_values_their_guards_need():
    from verilogreader.coverage.model import CoverageMap
    from verilogreader.llm import context

    _, consecutive = read_benchmark(BENCHMARKS / "consecutive64")
    shown = context.holes(consecutive, CoverageMap.for_design(consecutive), 20)
    run_out = next(h for h in shown if "run == RUN_LAST" in h.guards[-1])
    assert run_out.input_values == ("clear = 0", "en = 1"), "!(clear) and !(!en); never the reset, which the harness drives"
    request = Prompts().request(consecutive, shown, [], 4, 16)[-1]["content"]
    assert 'Example of the shape: {"sequences": [{"target": "H3", "reset": true, "cycles": [{"clear": 1}' in request, (
        "the example's values are a shown hole's needs, not placeholders the model copies"
    )


def test_the_local_model_gets_a_deadline_its_cpu_can_meet(tmp_path):
    from verilogreader.llm.settings import resolve_settings

    assert resolve_settings("local", environ={}).timeout == 600
    assert resolve_settings("local:/models/any.gguf", environ={}).timeout == 600
    assert resolve_settings("http://127.0.0.1:9/v1", environ={}).timeout == 180
    config = tmp_path / "llm.toml"
    config.write_text("[llm]\ntimeout = 42\n")
    assert resolve_settings("local", config_file=config, environ={}).timeout == 42


def test_the_models_sequences_never_exceed_the_cycle_budget():
    from verilogreader.engine.llm_strategy import _fit

    long, short = Sequence(reset=True, cycles=[{"valid": 1}] * 300), Sequence(reset=True, cycles=[{}] * 5)
    assert [s.cycle_count for s in _fit([long, short], 100)] == [100]  # a long continuation is cut to it
    assert [s.cycle_count for s in _fit([short, long, short], 100)] == [5]
    assert _fit([short], 0) == []
