"""A hostile or broken LLM endpoint, through the real CLI with real Icarus.

The endpoint is tests/fake_llm_server.py (a test fixture, not a model): one mode per fault seen
in the wild. Every case must end as a run that goes on (the call is skipped or re-asked), with
final, parseable results, no traceback, no leaked key, and calls that end by their deadline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_llm_server import FakeLLMServer  # noqa: E402

from verilogreader.errors import LLMCallAbandoned  # noqa: E402
from verilogreader.llm.connect import RestartingClient  # noqa: E402

from test_cli import LOCK  # noqa: E402

VALID = json.dumps({"sequences": [{"cycles": [{"code": 60}, {"code": 165}, {}, {}]}]})
DEEP = "[" * 1000 + "]" * 1000
BIG_INT = '{"sequences": [{"cycles": [{"code": ' + "7" * 5000 + "}]}]}"
KEY = "sk-test-5ecret-0123456789"
FINAL = {"the cycle budget is spent", "the time budget is spent", "every reachable branch is covered",
         "the stimulus source has nothing more to try"}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "VERILOGREADER"))}
    return subprocess.run(
        [sys.executable, "-m", "verilogreader.cli", *args],
        capture_output=True, text=True, env={**environ, **(env or {})}, timeout=600,
    )


def llm_run(tmp_path: Path, url: str, *extra: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    design = tmp_path / "lock.v"
    design.write_text(LOCK)
    out = tmp_path / "out"
    result = cli("run", str(design), "--strategy", "llm", "--llm", url, "--llm-model", "fake",
                 "--budget-cycles", "300", "--out", str(out), *extra, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["stop_reason"] in FINAL
    return result, results


def exchanges(tmp_path: Path) -> list[dict]:
    lines = (tmp_path / "out" / "llm-exchanges.jsonl").read_text().splitlines()
    return [exchange for line in lines for exchange in json.loads(line)["exchanges"]]


@pytest.mark.sim
def test_html_with_http_200_skips_the_call_and_the_run_goes_on(tmp_path):
    with FakeLLMServer(["html", ("answer", VALID)]) as server:
        result, results = llm_run(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    assert results["llm"]["failures"][0].startswith("call 1: the endpoint's answer is not a chat completion")
    assert any(p["first_hit"] and p["first_hit"]["strategy"] == "llm" for p in results["points"]), "call 2 was used"


@pytest.mark.sim
def test_bench_survives_an_endpoint_that_answers_html(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "lock.v").write_text(LOCK)
    with FakeLLMServer(["html"]) as server:
        result = cli("bench", str(suite), "--strategies", "llm", "--seeds", "1", "--budget-cycles", "200",
                     "--llm", server.url, "--llm-model", "fake", "--out", str(tmp_path / "bench"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads((tmp_path / "bench" / "bench.json").read_text())


@pytest.mark.sim
@pytest.mark.parametrize("garbage", [DEEP, BIG_INT], ids=["1000-deep", "5000-digits"])
def test_an_answer_beyond_the_json_readers_limits_is_re_asked(tmp_path, garbage):
    with FakeLLMServer([("answer", garbage), ("answer", VALID)]) as server:
        result, results = llm_run(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    first = exchanges(tmp_path)[0]
    assert first["valid_sequences"] == 0 and "not JSON that can be read" in first["problems"][0]
    assert results["llm"]["reasks"] >= 1 and results["totals"]["reachable_covered"] > 0


@pytest.mark.sim
@pytest.mark.parametrize("garbage", [DEEP, BIG_INT], ids=["1000-deep", "5000-digits"])
def test_a_stimulus_or_corpus_file_beyond_the_limits_is_a_usage_error_naming_it(tmp_path, garbage):
    design = tmp_path / "lock.v"
    design.write_text(LOCK)
    bad = tmp_path / "bad.json"
    bad.write_text(garbage)
    runs = {
        "run --stimuli": ("run", str(design), "--stimuli", str(bad), "--budget-cycles", "10", "--out", str(tmp_path / "a")),
        "run --corpus": ("run", str(design), "--corpus", str(bad), "--budget-cycles", "10", "--out", str(tmp_path / "b")),
        "gate": ("gate", str(bad), str(design), "--out", str(tmp_path / "c")),
        "replay": ("replay", str(bad), str(design), "--out", str(tmp_path / "d")),
    }
    for name, args in runs.items():
        result = cli(*args)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, (name, result.stderr)
        assert "bad.json" in result.stderr and ("nest too deeply" in result.stderr or "digits" in result.stderr), (name, result.stderr)


@pytest.mark.sim
def test_a_context_overflow_fails_the_call_and_keeps_the_schema(tmp_path):
    with FakeLLMServer(["context", ("answer", VALID)]) as server:
        result, results = llm_run(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    assert "does not fit the model's context" in results["llm"]["failures"][0]
    formats = [(body.get("response_format") or {}).get("type") for body in server.requests]
    assert len(formats) >= 2 and set(formats) == {"json_schema"}, formats


@pytest.mark.sim
def test_an_endpoint_without_json_schema_is_asked_for_plain_json(tmp_path):
    with FakeLLMServer([("no-schema", VALID)]) as server:
        result, results = llm_run(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    formats = [(body.get("response_format") or {}).get("type") for body in server.requests]
    assert formats[0] == "json_schema" and set(formats[1:]) == {"json_object"}, formats
    assert not results["llm"]["failures"]


@pytest.mark.sim
def test_re_asks_are_counted_even_when_the_follow_up_fails(tmp_path):
    wrong_port = json.dumps({"sequences": [{"cycles": [{"nope": 1}]}]})
    with FakeLLMServer([("answer", wrong_port), "html"]) as server:
        result, results = llm_run(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    sent = sum(1 for exchange in exchanges(tmp_path) if exchange["attempt"] >= 1)
    assert sent >= 1
    assert results["llm"]["reasks"] == sent == sum(call["reasks"] for call in results["llm"]["per_call"])
    assert f"({sent} re-asks" in result.stdout


@pytest.mark.sim
@pytest.mark.parametrize("in_url", [False, True], ids=["bearer-key", "key-in-url"])
def test_a_key_echoed_by_the_endpoint_is_never_saved_or_printed(tmp_path, in_url):
    with FakeLLMServer(["echo-key"]) as server:
        url = server.url.replace("http://", f"http://user:{KEY}@") if in_url else server.url
        result, results = llm_run(tmp_path, url, env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert "[redacted]" in results["llm"]["failures"][0], "the echo reached the failure text, scrubbed"
    assert results["run"]["llm"]["endpoint"] == server.url
    saved = [path.read_text(errors="replace") for path in (tmp_path / "out").rglob("*") if path.is_file()]
    for text in [*saved, result.stdout, result.stderr]:
        assert KEY not in text
    assert "dXNlcjpzay" not in "".join(saved), "nor the key as a Basic-auth token"


@pytest.mark.sim
def test_the_time_budget_is_a_deadline_for_an_endpoint_that_never_answers(tmp_path):
    with FakeLLMServer(["hang"]) as server:
        result, results = llm_run(tmp_path, server.url, "--budget-seconds", "5")
    assert result.returncode == 0, result.stderr
    assert results["stop_reason"] == "the time budget is spent"
    assert results["wall_seconds"] < 5 + 2, "the call ended with the budget"
    assert len(server.abandoned) == 1 and server.abandoned[0] < 5 + 1, "and its connection was closed"
    assert "the request was abandoned" in results["llm"]["failures"][0]


@pytest.mark.sim
def test_the_llm_timeout_bounds_a_call_whatever_the_server_drips(tmp_path):
    config = tmp_path / "llm.toml"
    config.write_text("[llm]\ntimeout = 2\n")
    with FakeLLMServer(["drip"]) as server:
        result, results = llm_run(tmp_path, server.url, "--llm-config", str(config), "--llm-calls", "2")
    assert result.returncode == 0, result.stderr
    assert len(server.abandoned) == 2 and max(server.abandoned) < 2 + 1.5, server.abandoned
    assert all("no answer within 2.0 s" in failure for failure in results["llm"]["failures"])


class _StandIn:
    """The LocalServer interface over the fake endpoint: counts restarts, serves nothing itself."""

    def __init__(self, url: str) -> None:
        self.base_url, self.model, self.api_key, self.starts = url, "fake", "local-key", 0

    def stop(self) -> None:
        pass

    def start(self) -> None:
        self.starts += 1


def test_the_local_server_is_restarted_after_an_abandoned_call_not_before():
    with FakeLLMServer(["hang", ("answer", VALID), ("answer", VALID)]) as endpoint:
        server = _StandIn(endpoint.url)
        client = RestartingClient(server, timeout=30)
        ask = {"schema": None, "temperature": 0.0, "max_tokens": 64}
        with pytest.raises(LLMCallAbandoned):
            client.complete([{"role": "user", "content": "hi"}], timeout=1, **ask)
        assert server.starts == 0, "no restart until a next call needs the slot"
        assert client.complete([{"role": "user", "content": "hi"}], **ask).text == VALID
        assert server.starts == 1
        client.complete([{"role": "user", "content": "hi"}], **ask)
        assert server.starts == 1, "an answered call leaves the server alone"
