"""Issue 11 end to end with a real simulator: the model writes only a continuation from a
recorded state, the tool runs prefix + continuation from reset, and a deep hole that the
continuation alone cannot reach is covered. The one fake is the scripted model at the
ChatClient boundary; it answers from what the prompt shows (the prefix length)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from verilogreader.coverage.model import CoverageMap
from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.engine.llm_strategy import LLMPolicy, LLMSource
from verilogreader.llm.interface import Completion
from verilogreader.llm.prompts import Prompts
from verilogreader.report.documents import campaign_corpus
from verilogreader.sim import make_simulator
from verilogreader.store.corpus import load_corpus, save_corpus
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
CODES = (0x3C, 0xA7, 0x11, 0xF0, 0x5E, 0x92)


class PromptReadingClient:
    """A fake LLM at the ChatClient boundary: `answer(prompt)` writes the reply."""

    model = "scripted"

    def __init__(self, answer) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def complete(self, messages, *, schema, temperature, max_tokens, seed=None, **_):
        prompt = messages[1]["content"]
        self.prompts.append(prompt)
        return Completion(text=self.answer(prompt, len(self.prompts)), prompt_tokens=100, completion_tokens=20)


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_the_model_continues_from_a_recorded_state_and_covers_a_deep_hole(tmp_path, sim):
    design = read_benchmark(BENCHMARKS / "seq_lock")[1]
    deep = "seq_lock.v:51:17:if"  # `if (step == STEP_LAST)`: needs five correct codes first
    alias = f"H{CoverageMap.for_design(design).reachable.index(deep) + 1}"

    def answer(prompt: str, call: int) -> str:
        if call == 1:  # three correct codes: the lock reaches step 3, and the tool records it
            cycles = [{"valid": 1, "code": c} for c in CODES[:3]] + [{"valid": 0}]
        else:  # only the continuation: from step 3, the three remaining codes
            start = re.search(rf"^{alias}:.*?\n\s+runs only.*?\n\s+continue from: after (\d+) cycles: ([^;\n]*)",
                              prompt, re.M)
            assert start is not None, prompt
            assert "step = 3" in start[2]
            cycles = [{"valid": 1, "code": c} for c in CODES[3:]]
        return json.dumps({"sequences": [{"target": alias, "reset": True, "cycles": cycles}]})

    client = PromptReadingClient(answer)
    source = LLMSource(design, client, Prompts(), LLMPolicy(max_calls=2, holes_shown=40, max_cycles=6))
    simulator = make_simulator(sim, design, tmp_path / "work")
    state = run_campaign(design, simulator, source, Budget(cycles=2000))

    assert deep in state.coverage.covered and state.first_hits[deep].strategy == "llm"
    finder = next(e for e in state.corpus if deep in e.new_points)
    # the recorded prefix, the model's cycles, then one cycle that holds them (its state is recorded)
    assert len(finder.sequence.cycles) == 3 + 3 + 1 and finder.sequence.cycles[-1] == {}
    assert [c.get("code") for c in finder.sequence.cycles[:-1]] == list(CODES)
    second = client.prompts[1]
    fixed = [p[: p.index("# Branches not covered yet")] for p in client.prompts]
    assert fixed[0] == fixed[1]  # the part before the holes is byte-identical: the prompt cache reuses it
    assert "step == STEP_LAST never held (closest: step = 2)" in second  # how close call 1 came
    assert not [p for p in state.problems if "deterministic" in p]

    # the corpus keeps the recorded state, reloads, and is an ordinary replayable corpus
    path = tmp_path / "corpus.json"
    save_corpus(path, campaign_corpus(design, state, sim))
    corpus = load_corpus(path)
    traced = [s for s in corpus.sequences if s.trace is not None]
    assert traced and all(len(s.trace.values["step"]) == len(s.cycles) for s in traced)


def test_steps_that_cover_nothing_new_still_move_the_frontier_until_a_deep_hole_falls(tmp_path):
    """fsm32 needs 32 correct inputs in a row; the model writes 6 per call, each from where its
    last attempt got to (those attempts add no branch coverage, so they are not corpus entries)."""
    design = read_benchmark(BENCHMARKS / "fsm32")[1]
    deep = "fsm32.v:45:21:if"  # if (state == S_LAST): after 31 correct inputs
    alias = f"H{CoverageMap.for_design(design).reachable.index(deep) + 1}"

    def wanted(s: int) -> int:
        value = (s * 37 + 11) % 256
        return ~value & 0xFF if s in (8, 16, 24) else value

    def answer(prompt: str, call: int) -> str:
        start = re.search(rf"^{alias}:.*?\n\s+runs only.*?\n\s+continue from: after \d+ cycles: state = (\d+)",
                          prompt, re.M)
        state = int(start[1]) if start else 0
        cycles = [{"valid": 1, "din": wanted(s)} for s in range(state, min(state + 6, 32))]
        return json.dumps({"sequences": [{"target": alias, "reset": True, "cycles": cycles}]})

    client = PromptReadingClient(answer)
    source = LLMSource(design, client, Prompts(), LLMPolicy(max_calls=7, holes_shown=40, plateau_calls=8, max_cycles=6))
    state = run_campaign(design, make_simulator("icarus", design, tmp_path / "work"), source, Budget(cycles=5000))
    assert deep in state.coverage.covered and state.first_hits[deep].strategy == "llm"
    # 32 states at 6 per call: 6 calls, each continuing from the last (7 allowed)


def test_llama_cpp_timings_are_read_from_the_response_when_present():
    """The response body llama.cpp's server sends (its `timings` beside the usual fields), parsed
    by the openai package's own model, as the client receives it."""
    from openai.types.chat import ChatCompletion

    from verilogreader.llm.openai_client import _completion

    body = {
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
        "usage": {"prompt_tokens": 2118, "completion_tokens": 40, "total_tokens": 2158},
        "timings": {"cache_n": 2000, "prompt_n": 118, "prompt_ms": 3105.2, "predicted_n": 40, "predicted_ms": 2500.0},
    }
    completion = _completion(ChatCompletion.model_validate(body), "json_schema", 5.7)
    assert (completion.prompt_seconds, completion.generation_seconds, completion.prompt_cached_tokens) == (3.105, 2.5, 2000)
    del body["timings"]
    plain = _completion(ChatCompletion.model_validate(body), "json_schema", 5.7)
    assert plain.prompt_seconds is None and plain.generation_seconds is None
