"""Run folders, tool lookup and subprocesses with a wall-clock limit.

Every simulator process runs in its own session so that a timeout can kill the whole
process group (vvp or the Verilator model plus anything they started), and with stdin
closed so that a `$stop` in the design cannot wait for a terminal.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
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
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode: int | None = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            returncode = None
    seconds = time.monotonic() - started
    return Completed(returncode, seconds, log_path.read_text(errors="replace"))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def new_run_dir(work_dir: Path) -> Path:
    """A fresh folder per run, so that runs of one build can go in parallel."""
    runs = work_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=runs))


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
    env.pop("COCOTB_TEST_FILTER", None)
    env.pop("COCOTB_TESTCASE", None)
    return env


def which(tool: str, extra_path: list[str] | None = None) -> str | None:
    path = os.pathsep.join(list(extra_path or []) + [os.environ.get("PATH", "")])
    return shutil.which(tool, path=path)
