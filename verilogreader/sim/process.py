"""Run folders, tool lookup and subprocesses with a wall-clock limit.

Every simulator process runs in its own session so that a timeout can kill the whole
process group (vvp or the Verilator model plus anything they started), and with stdin
closed so that a `$stop` in the design cannot wait for a terminal. The group is killed on
every way out of `run_logged` (timeout, Ctrl-C, SIGTERM turned into KeyboardInterrupt, an
error); for a SIGKILL of the tool, which runs no code, the child is started through
`setpriv --pdeathsig KILL` (util-linux), so the kernel kills it when its parent goes. The
death signal fires when the *thread* that started the child ends: bench cells run in threads
that wait for their child, so the child never outlives the thread that needs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HARNESS_MODULE = "verilogreader.sim.harness"
PLAN_ENV = "VERILOGREADER_PLAN"


@dataclass(frozen=True)
class Completed:
    returncode: int | None  # None when the time limit stopped it
    seconds: float
    log: str


def run_logged(cmd: list[str], cwd: Path, env: dict[str, str], timeout_s: float, log_path: Path) -> Completed:
    """Run `cmd` with stdout+stderr into `log_path`; kill its process group after `timeout_s`."""
    started = time.monotonic()
    with open(log_path, "wb") as log:
        with _LOCK:
            if _STOPPING.is_set():  # the tool is ending: start nothing new
                raise KeyboardInterrupt
            proc = subprocess.Popen(_DIES_WITH_PARENT + cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            _RUNNING.add(proc)
        # A timer kills at the limit while we block in wait(): Popen.wait(timeout) polls with
        # sleeps of up to 50 ms, which a batch of small runs would pay at every end.
        expired = threading.Event()
        timer = threading.Timer(timeout_s, _expire, (proc, expired))
        timer.daemon = True
        timer.start()
        try:
            returncode: int | None = proc.wait()
        except BaseException:  # Ctrl-C, SIGTERM: a hanging vvp must not spin on, re-parented to PID 1
            _kill_group(proc)
            raise
        finally:
            timer.cancel()
            with _LOCK:
                _RUNNING.discard(proc)
        if expired.is_set():
            _kill_group(proc)  # whatever of the group is left
            returncode = None
    seconds = time.monotonic() - started
    return Completed(returncode, seconds, log_path.read_text(errors="replace"))


# setpriv sets the parent-death signal and execs the command (no Python code runs in the child,
# which stays safe with bench's threads); without it a SIGKILLed tool may leave its child behind.
_SETPRIV = shutil.which("setpriv")
_DIES_WITH_PARENT = [_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV and sys.platform == "linux" else []


def _expire(proc: subprocess.Popen[bytes], expired: threading.Event) -> None:
    expired.set()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


_LOCK = threading.Lock()
_RUNNING: set[subprocess.Popen[bytes]] = set()
_STOPPING = threading.Event()


def stop_all() -> None:
    """Kill every running simulator group and refuse new ones: for an interrupted tool whose
    simulators run in other threads (bench cells), which would otherwise wait for them."""
    with _LOCK:
        _STOPPING.set()
        for proc in _RUNNING:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def new_run_dir(work_dir: Path) -> Path:
    """A fresh folder per run, so that runs of one build can go in parallel."""
    runs = work_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=runs))


KEPT_FAILED_RUNS = 5
STOPPED = "STOPPED"  # in a kept run folder: why its batch stopped


def keep_failed_run(run_dir: Path, why: str, keep: int = KEPT_FAILED_RUNS) -> None:
    """Keep a failed batch's folder for its log, with why it stopped; only the newest `keep`
    such folders stay (the others' batches, maybe still running in bench threads, are untouched)."""
    (run_dir / STOPPED).write_text(why + "\n")
    kept = []
    for marker in (run_dir.parent).glob(f"run-*/{STOPPED}"):
        try:
            kept.append((marker.stat().st_mtime, marker.parent))
        except FileNotFoundError:  # pruned by another thread meanwhile
            pass
    for _, old in sorted(kept)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def cocotb_env(toplevel: str, extra_path: list[str] | None = None) -> dict[str, str]:
    """The environment cocotb's runner would give the simulator, pointed at our harness."""
    import cocotb_tools.config as config
    import find_libpython

    env = dict(os.environ)
    path = list(extra_path or []) + [env.get("PATH", "")] + [str(config.libs_dir)]
    env["PATH"] = os.pathsep.join(p for p in path if p)
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [package_root] + [os.path.abspath(p) for p in sys.path]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYGPI_PYTHON_BIN"] = sys.executable
    libpython = env.get("LIBPYTHON_LOC") or find_libpython.find_libpython()
    env.setdefault("GPI_USERS", f"{libpython};{config.pygpi_entry_point()}")
    env["COCOTB_TOPLEVEL"] = toplevel
    env["COCOTB_TEST_MODULES"] = HARNESS_MODULE
    env["TOPLEVEL_LANG"] = "verilog"
    # cocotb's default installs pytest's assertion rewriting for every module the harness imports:
    # about 0.4 s of each batch's start-up, for messages of asserts the harness does not make
    env["COCOTB_REWRITE_ASSERTION_FILES"] = ""
    env.pop("COCOTB_TEST_FILTER", None)
    env.pop("COCOTB_TESTCASE", None)
    return env


def which(tool: str, extra_path: list[str] | None = None) -> str | None:
    path = os.pathsep.join(list(extra_path or []) + [os.environ.get("PATH", "")])
    return shutil.which(tool, path=path)
