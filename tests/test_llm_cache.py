"""`--cache` keeps LLM responses where the README says: ~/.cache/verilogreader/llm-responses
(it once wrote them into the embedded model's folder, ~/.cache/verilogreader/models/...)."""

from __future__ import annotations

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
