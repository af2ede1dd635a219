"""`--cache` keeps LLM responses where the README says: ~/.cache/verilogreader/llm-responses
(it once wrote them into the embedded model's folder, ~/.cache/verilogreader/models/...)."""

from __future__ import annotations

import json
import os

import pytest

from fake_llm_server import FakeLLMServer
from test_cli import LOCK, cli, write
from test_llm_loop import ScriptedChatClient
from verilogreader.llm import local
from verilogreader.llm.cache import CachedChatClient, responses_folder


def test_responses_are_cached_under_home_cache_llm_responses(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert responses_folder() == tmp_path / ".cache" / "verilogreader" / "llm-responses"
    assert local.cache_root() == tmp_path / ".cache" / "verilogreader" / "models"

    inner = ScriptedChatClient(['{"sequences": [{"cycles": [{"a": 1}]}]}'])
    client = CachedChatClient(inner, responses_folder())
    messages = [{"role": "user", "content": "cover H1"}]
    first = client.complete(messages, schema=None, temperature=0.2, max_tokens=64)
    again = client.complete(messages, schema=None, temperature=0.2, max_tokens=64)
    assert len(inner.requests) == 1 and again.cached and again.text == first.text
    assert [p.parent for p in (tmp_path / ".cache").rglob("*.json")] == [responses_folder()]


def test_the_response_cache_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert responses_folder() == tmp_path / "xdg" / "verilogreader" / "llm-responses"


@pytest.mark.sim
def test_run_with_cache_writes_under_home_and_a_rerun_asks_nothing(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"} | {"HOME": str(home), "OPENAI_API_KEY": "test-key"}
    answer = json.dumps({"sequences": [{"reset": True, "cycles": [{"code": 0x3C}, {"code": 0xA5}, {}]}]})
    design = write(tmp_path, "lock.v", LOCK)
    args = ["run", str(design), "--strategy", "llm", "--llm-model", "fake", "--llm-calls", "2",
            "--budget-cycles", "300", "--cache"]
    with FakeLLMServer([("answer", answer)]) as server:
        first = cli(*args, "--llm", server.url, "--out", str(tmp_path / "one"), env=env)
        asked = len(server.requests)
        again = cli(*args, "--llm", server.url, "--out", str(tmp_path / "two"), env=env)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    cached = sorted((home / ".cache").rglob("*.json"))
    assert asked >= 1 and cached and {p.parent for p in cached} == {home / ".cache" / "verilogreader" / "llm-responses"}
    assert len(server.requests) == asked, "the rerun is answered from the cache"
