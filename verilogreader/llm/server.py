"""The embedded llama.cpp server (xllamacpp) that serves the local model on 127.0.0.1.

It runs in a child process (`python -m verilogreader.llm.server`), not in a thread of ours:
- llama.cpp logs to the process's stderr; in a child that goes to a log file, not our terminal;
- loading a model blocks inside C++ where Ctrl-C cannot reach Python; the parent only waits;
- a native abort (GGML_ASSERT on a bad model) kills the child, not the tool;
- ending the child surely frees the port, the threads and the ~2 GB of model memory.
The child reads its config on stdin, binds port 0 (no race for a free port) and reports its
address on stdout. It exits when its stdin closes, so it cannot outlive a killed parent.
Requests need a random API key, so other local users cannot use the server.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from typing import IO

from verilogreader.errors import LLMUnavailable

DEFAULT_THREADS = 2
DEFAULT_CTX = 8192  # a prompt with a design listing is 2-3k tokens, plus up to ~1-2k of answer
_LIVE: weakref.WeakSet[LocalServer] = weakref.WeakSet()


class LocalServer:
    """`with LocalServer(path) as server:` then use `server.base_url`, `server.model`, `server.api_key`."""

    def __init__(
        self,
        model_path: Path,
        *,
        model_name: str | None = None,
        threads: int = DEFAULT_THREADS,
        ctx_size: int = DEFAULT_CTX,
        log_dir: Path | None = None,
        start_timeout: float = 300.0,
    ):
        self.model_path = Path(model_path)
        self.model = model_name or _model_name(self.model_path)
        self.threads = threads
        self.ctx_size = ctx_size
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.start_timeout = start_timeout
        self.api_key = secrets.token_urlsafe(24)
        self.base_url = ""
        self.load_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def port(self) -> int | None:
        return int(self.base_url.rsplit(":", 1)[1].split("/")[0]) if self.base_url else None

    def start(self) -> None:
        """Start the child and wait until it answers; LLMUnavailable carries llama.cpp's own error."""
        if self._process is not None:
            return
        if importlib.util.find_spec("xllamacpp") is None:
            raise LLMUnavailable("the local LLM server is not installed: run pip install 'verilogreader[local]'")
        started = time.monotonic()
        self._log = self._open_log()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "verilogreader.llm.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=_child_env(),
            start_new_session=True,  # a terminal Ctrl-C reaches us; we decide when the child ends
        )
        _LIVE.add(self)
        try:
            self._send_config()
            address = self._wait_for_address(started + self.start_timeout)
            self.base_url = address + "/v1"
            self._wait_healthy(address, started + self.start_timeout)
        except BaseException:  # KeyboardInterrupt too: never leave a loading child behind
            self.stop()
            raise
        self.load_seconds = time.monotonic() - started

    def stop(self) -> None:
        """End the child: close its stdin (it shuts down cleanly), then SIGTERM, then SIGKILL."""
        process, self._process = self._process, None
        self.base_url = ""
        if process is not None:
            _LIVE.discard(self)
            for step in (_close_stdin, _terminate, _kill):
                step(process)
                try:
                    process.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            if process.stdout:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def peak_rss_bytes(self) -> int | None:
        """The child's peak resident memory so far (Linux only)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def _send_config(self) -> None:
        """By pipe, not argv: argv would show the API key to every local user in `ps`."""
        config = {
            "model": str(self.model_path),
            "alias": self.model,
            "threads": self.threads,
            "ctx": self.ctx_size,
            "api_key": self.api_key,
        }
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(config).encode() + b"\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # the child already died: waiting for its address reports why

    def _open_log(self) -> IO[bytes]:
        if self.log_dir is None:
            return tempfile.TemporaryFile()  # kept only to quote llama.cpp's error if loading fails
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return (self.log_dir / "llama-server.log").open("w+b")

    def _wait_for_address(self, deadline: float) -> str:
        assert self._process is not None and self._process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self._process.stdout, selectors.EVENT_READ)
        try:
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = self._process.stdout.readline()
                    report = json.loads(line) if line.strip() else {}
                    if "address" in report:
                        return str(report["address"])
                    raise LLMUnavailable(self._failure(report.get("error", "it exited during start-up")))
                if self._process.poll() is not None:
                    raise LLMUnavailable(self._failure(f"it exited with code {self._process.returncode}"))
        finally:
            selector.close()
        raise LLMUnavailable(f"the local LLM server did not load {self.model_path} within {self.start_timeout:.0f} s")

    def _wait_healthy(self, address: str, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(address + "/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise LLMUnavailable(f"the local LLM server at {address} did not become healthy")
            time.sleep(0.1)

    def _failure(self, reason: str) -> str:
        errors = _error_lines(self._log)
        detail = "; ".join(errors) if errors else reason
        return f"the local LLM server could not load {self.model_path}: {detail}"


def _model_name(path: Path) -> str:
    """A bundled model is named by its spec (its cache file is named by its hash), others by file name."""
    from verilogreader.llm.local import DEFAULT_MODEL, SMALL_TEST_MODEL

    named = {spec.sha256: spec.name for spec in (DEFAULT_MODEL, SMALL_TEST_MODEL)}
    return named.get(path.stem, path.stem)


def _error_lines(log: IO[bytes] | None, limit: int = 3) -> list[str]:
    """llama.cpp's error lines look like `0.00.003.669 E gguf_init_from_reader: failed to read header`."""
    if log is None:
        return []
    try:
        log.flush()
        log.seek(max(0, log.seek(0, os.SEEK_END) - 65536))
        text = log.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return []
    found: list[str] = []
    for line in text.splitlines():
        _, marker, message = line.partition(" E ")
        message = message.strip()
        if marker and message and message not in found:
            found.append(message)
    return found[:limit]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # llama.cpp's OpenMP threads spin while they wait. With 2 threads on 2 cores and one core
    # busy (a simulation, a compile), generation fell from ~34 to ~3 tok/s (1.5B model);
    # sleeping waits keep ~13-23 tok/s whatever the load. A user's own setting wins.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    root = str(Path(__file__).resolve().parents[2])  # so the child imports this very package
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _close_stdin(process: subprocess.Popen[bytes]) -> None:
    if process.stdin and not process.stdin.closed:
        try:
            process.stdin.close()
        except OSError:
            pass


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        server.stop()


def _serve() -> int:
    """The child: read its config line, load the model, report the address, serve until stdin closes."""
    config = json.loads(sys.stdin.buffer.readline() or b"{}")
    report = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything native code prints goes to the log, never into the report pipe
    signal.signal(signal.SIGTERM, lambda *_: _end_now())
    try:
        import xllamacpp as xlc
    except ImportError as error:
        report.write(json.dumps({"error": f"cannot import xllamacpp: {error}"}) + "\n")
        return 1
    params = xlc.CommonParams()
    params.model.path = config["model"]
    params.model_alias = {config["alias"]}
    params.api_keys = [config["api_key"]]
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port
    params.n_ctx = config["ctx"]
    params.n_parallel = 1  # one request at a time gets the whole context
    params.cpuparams.n_threads = config["threads"]
    params.cpuparams_batch.n_threads = config["threads"]
    try:
        server = xlc.Server(params)
    except Exception as error:  # llama.cpp's reason is in the log; the parent quotes it
        report.write(json.dumps({"error": str(error)}) + "\n")
        return 1
    report.write(json.dumps({"address": server.listening_address}) + "\n")
    report.flush()
    sys.stdin.buffer.read()  # returns when the parent closes our stdin or dies
    _end_now()
    return 0


def _end_now() -> None:
    """Exit without stopping the server politely: that waits for a request in flight (the server
    outlived a SIGTERMed run by ~25 s), and nobody is left to read its answer. The OS frees the rest."""
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(_serve())
