"""The whole loop with the REAL embedded model: no scripted answers, a real simulator.

The ALU's operations 0..4 are covered first by a fixed stimulus; the model is then asked about
what is left (shift left, shift right, compare ...) and must cover at least one of those
branches by itself. Needs the [local] extra (the model packages) and takes a minute or two.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.engine.llm_strategy import LLMPolicy, LLMSource
from verilogreader.llm.connect import open_chat_client
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.settings import resolve_settings
from verilogreader.sim import make_simulator
from verilogreader.stimuli.schema import Sequence
from verilogreader.stimuli.sources import ChainedSource, FixedSource
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
pytestmark = [pytest.mark.llm, pytest.mark.sim]


def test_embedded_model_covers_a_branch_it_was_asked_about(tmp_path):
    pytest.importorskip("xllamacpp", reason="the embedded model needs: pip install 'verilogreader[local]'")
    _, alu = read_benchmark(BENCHMARKS / "alu")
    simulator = make_simulator("icarus", alu, tmp_path)
    warmup = FixedSource([Sequence(reset=True, cycles=[{"op": op, "a": 5, "b": 3} for op in range(5)])], name="fixed")
    exchanges: list[dict] = []
    with open_chat_client(resolve_settings("local", environ={}), log_dir=tmp_path) as client:
        llm = LLMSource(alu, client, Prompts(), LLMPolicy(max_calls=3), log=exchanges.append, seed=1)
        state = run_campaign(alu, simulator, ChainedSource(warmup, llm), Budget(cycles=1000))

    assert llm.accounting.calls >= 1 and llm.accounting.completion_tokens > 0
    asked = {alias for record in exchanges for alias in record["holes"]}
    aliases = {f"H{n}": pid for n, pid in enumerate(state.coverage.reachable, 1)}
    found_by_llm = {pid for pid, hit in state.first_hits.items() if hit.strategy == "llm"}
    assert found_by_llm & {aliases[a] for a in asked}, (
        f"the model covered none of the holes it was shown; its answers: "
        f"{[e.get('response', e.get('error')) for r in exchanges for e in r['exchanges']]}"
    )
