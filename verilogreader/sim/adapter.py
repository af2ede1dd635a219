"""What both simulator adapters share: a cached build, the plan file, one process per batch.

A backend says how to prepare the sources and build (once, cached under work_dir by a hash of
everything that shapes the build) and how to start the simulator; this class writes the plan,
runs the process under the time limit, reads back the per-sequence records and says why a
batch stopped early.

When the design ends the simulation itself (`$finish`), the sequence it ended in is still
reported, as the last outcome, with the cycles applied and the points hit up to the
`$finish` (Icarus: the markers read at the end; Verilator: the counts in the final
coverage.dat), and `stopped` says so: otherwise a design whose `$finish` is easy to reach
would report nothing at all.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import shutil
import time
from abc import ABC, abstractmethod
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

from verilogreader.coverage.state import StateTrace, decision_signals
from verilogreader.design.model import Design
from verilogreader.errors import SimulationFailed
from verilogreader.sim.interface import BatchResult, SequenceOutcome
from verilogreader.sim.player import RESULTS, TRACE, TRACE_PLUSARG, CoverageControl, RowWriter, player_source
from verilogreader.sim.player import traces as player_traces
from verilogreader.sim.process import PLAN_ENV, Completed, keep_failed_run, new_run_dir, run_logged
from verilogreader.stimuli.schema import Sequence

CLOCK_PERIOD_NS = 10
SETTLE_NS = 1
BUILD_TIMEOUT_S = 600.0


# Every module that can shape a build or what is read back from it: all of sim/ (instrumentation,
# coverage maps, the harness) and design/ (the model the build is made from). Whole folders, not
# a hand-kept list of names, so a new module is covered the day it is added.
CODE_FOLDERS = (Path(__file__).parent, Path(__file__).parent.parent / "design")


def code_hash(folders=CODE_FOLDERS) -> str:
    """A hash of the names and bytes of every .py under the folders, so changed code rebuilds."""
    digest = hashlib.sha256()
    for folder in map(Path, folders):
        for path in sorted(folder.rglob("*.py")):
            digest.update(f"{folder.name}/{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class CocotbSimulator(ABC):
    name: str = ""
    hdl_trace = True  # whether the player may record traced signals itself (see _build_with_player)

    def __init__(self, design: Design, work_dir: Path, timeout_s: float = 60.0) -> None:
        self.design = design
        self.work_dir = Path(work_dir).resolve()
        self.timeout_s = timeout_s
        self.unobserved: dict[str, str] = {}  # point id -> why this backend cannot see it
        self.build_dir = self._build_cached()

    # --- what a backend provides -------------------------------------------------------
    @abstractmethod
    def _build(self, build_dir: Path) -> None:
        """Prepare sources and compile into build_dir; raise SimulationFailed with the message."""

    @abstractmethod
    def _command(self, run_dir: Path) -> tuple[list[str], dict[str, str]]:
        """The simulator command line and environment for one run."""

    @abstractmethod
    def _probe(self) -> dict[str, Any]:
        """Probe info for the harness (how coverage is started and read)."""

    @abstractmethod
    def _covered(self, record: dict[str, Any], run_dir: Path) -> frozenset[str]:
        """The point ids of one sequence record."""

    def _finish_evidence(self, log: str) -> bool:
        """The simulation ended normally but before the harness did: a `$finish` in the design.

        Verilator names the `$finish`; Icarus says nothing, cocotb then reports that the
        simulation "ended prematurely" (the same words cover `$stop` and running out of events).
        """
        return "$finish" in log or "ended prematurely" in log

    # --- build cache ----------------------------------------------------------------------
    def _build_key(self) -> str:
        d = self.design
        facts = {"sim": self.name, "top": d.top, "files": d.files,
                 "sources": d.sources, "defines": d.defines, "params": d.parameter_overrides,
                 "includes": d.include_dirs, "points": [p.model_dump(mode="json") for p in d.branch_points],
                 "code": code_hash()}
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]

    def _build_cached(self) -> Path:
        """Build into work_dir/build-<sim>-<hash> once; a lock makes parallel callers wait and reuse."""
        final = self.work_dir / f"build-{self.name}-{self._build_key()}"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with open(self.work_dir / f"{final.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (final / "BUILD_OK").exists():
                shutil.rmtree(final, ignore_errors=True)  # a build that failed or was cut short
                final.mkdir()
                self._build(final)
                (final / "BUILD_OK").write_text("ok\n")
        self.build_dir = final
        self._load_build_info(final)
        traced = final / "traced.json"
        self._traced: list[str] = json.loads(traced.read_text()) if traced.exists() else []
        return final

    def _build_with_player(self, build_dir: Path, coverage: CoverageControl, compile_with: Callable[[Path], None]) -> None:
        """Write the player top (player.py) and compile with it, the player tracing the design's
        decision signals itself; when some cannot be referenced from HDL, again without them
        (batches that trace then sample from Python, in the harness)."""
        player = build_dir / "player.v"  # outside src/: the sources stay the design's own
        signals = decision_signals(self.design) if self.hdl_trace else []
        for traced in ([signals] if signals else []) + [[]]:
            player.write_text(player_source(self.design, coverage, CLOCK_PERIOD_NS, SETTLE_NS, traced))
            try:
                compile_with(player)
            except SimulationFailed:
                if not traced:
                    raise
                continue
            self._traced = traced
            (build_dir / "traced.json").write_text(json.dumps(traced))
            return

    def _load_build_info(self, build_dir: Path) -> None:
        info = build_dir / "build_info.json"
        if info.exists():
            self.unobserved = json.loads(info.read_text()).get("unobserved", {})

    def _save_build_info(self, build_dir: Path, info: dict[str, Any]) -> None:
        (build_dir / "build_info.json").write_text(json.dumps(info, indent=1, sort_keys=True))

    def _compile(self, cmd: list[str], cwd: Path, env: dict[str, str], what: str,
                 user_paths: dict[str, str] | None = None) -> None:
        """Run one build step; its error names the user's files (copies keep their lines)."""
        done = run_logged(cmd, cwd, env, BUILD_TIMEOUT_S, cwd / f"{what}.log")
        if done.returncode != 0:
            status = "timed out" if done.returncode is None else f"exit code {done.returncode}"
            log = done.log.strip()
            for copy, user in (user_paths or {}).items():
                log = log.replace(copy, user)
            raise SimulationFailed(f"{self.name} {what} of {self.design.top} failed ({status}):\n{log[-4000:]}")

    # --- one batch --------------------------------------------------------------------------
    def run(self, sequences: list[Sequence], timeout_s: float | None = None, trace: Iterable[str] = ()) -> BatchResult:
        run_dir = new_run_dir(self.work_dir)
        try:
            result = self._run_in(run_dir, sequences, timeout_s, list(trace))
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        if result.stopped is None:  # read back: 3.3M cycles once left 243 MB of run folders
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            keep_failed_run(run_dir, result.stopped)  # its log says why; the last few are kept
        return result

    def _run_in(self, run_dir: Path, sequences: list[Sequence], timeout_s: float | None = None,
                trace: list[str] | None = None) -> BatchResult:
        started = time.monotonic()
        limit = self.timeout_s if timeout_s is None else max(min(self.timeout_s, timeout_s), 0.1)
        results = run_dir / RESULTS
        results.touch()
        plan = self._plan(results)
        writer = RowWriter(self.design, sequences, run_dir)
        plan["ticks"] = writer.ticks
        # the state probe (coverage/state.py): the player records the signals it was built with,
        # the harness (a Python wake per cycle) any others
        in_hdl = bool(trace) and set(trace) <= set(self._traced)
        plan["trace"] = [] if in_hdl else trace or []
        plan_path = run_dir / "plan.json"
        plan_path.write_text(json.dumps(plan))
        cmd, env = self._command(run_dir)
        if in_hdl:
            cmd.append(TRACE_PLUSARG)
        env[PLAN_ENV] = str(plan_path)
        try:
            done = run_logged(cmd, run_dir, env, limit, run_dir / "sim.log")
        finally:
            writer.close()
        outcomes, finished, error, partial = self._read(results, run_dir, trace if in_hdl else None)
        if plan["reset"] is not None:
            outcomes = _credit_reset(self.design, sequences, outcomes)
        stopped = None
        if not finished:
            stopped = self._why_stopped(done, len(outcomes), error, partial, limit)
        return BatchResult(outcomes=outcomes, stopped=stopped, wall_seconds=time.monotonic() - started, log=done.log)

    def _plan(self, results: Path) -> dict[str, Any]:
        """What the harness needs besides the rows (player.py), which carry the sequences."""
        d = self.design
        reset = d.clock_reset.reset if d.clock_reset.reset in (p.name for p in d.driven_inputs) else None
        return {"reset": reset, "probe": self._probe(), "results": str(results)}

    def _read(self, results: Path, run_dir: Path,
              player_traced: list[str] | None = None) -> tuple[list[SequenceOutcome], bool, str | None, bool]:
        """The outcomes, whether the harness finished, its error, and whether the last outcome is
        a sequence cut short by `$finish` (returned, not kept on self: bench threads share a simulator).
        `player_traced`: the signals the player traced into its own file."""
        outcomes: list[SequenceOutcome] = []
        finished, error, partial = False, None, False
        records: list[dict[str, Any]] = []
        traces: dict[int, dict[str, Any]] = {}
        if player_traced is not None:
            traces = {n: {"values": v, "unavailable": []}
                      for n, v in player_traces(run_dir / TRACE, self._traced, player_traced).items()}
        for line in results.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a kill
                break
            if "trace_of" in records[-1]:  # the harness's, for the player's record of that sequence
                found = records.pop()
                traces[found["trace_of"]] = found
        for record in records:
            if record.get("done"):
                finished = True
            elif "error" in record:
                error = record["error"]
            elif record.get("partial"):  # the sequence the design's $finish cut short
                try:
                    outcomes.append(SequenceOutcome(covered=self._covered(record, run_dir), cycles=record["cycles"]))
                    partial = True
                except (OSError, SimulationFailed):
                    pass
            else:
                outcomes.append(SequenceOutcome(covered=self._covered(record, run_dir), cycles=record["cycles"],
                                                trace=_trace(record["cycles"], traces.get(record["sequence"]))))
        return outcomes, finished, error, partial

    def _why_stopped(self, done: Completed, completed: int, error: str | None, partial: bool, limit: float) -> str:
        where = f"during sequence {completed}"
        if partial:
            where = f"during sequence {completed - 1} (its outcome covers the cycles up to the $finish)"
        if done.returncode is None:
            budget = " (what was left of the time budget)" if limit < self.timeout_s else ""
            return f"timed out after {limit:.3g} s{budget} {where}"
        if error:
            return f"harness error {where}: {error}"
        if done.returncode >= 0 and self._finish_evidence(done.log):
            return f"the design called $finish {where}"
        tail = " | ".join(line.strip() for line in done.log.strip().splitlines()[-3:])
        return f"simulator crashed {where} (exit code {done.returncode}): {tail}"


def _trace(cycles: int, found: dict[str, Any] | None) -> StateTrace | None:
    """The state probe's values of a sequence (when the plan asked for them)."""
    if found is None:
        return None
    return StateTrace(cycles=cycles, values=found.get("values", {}), unavailable=found.get("unavailable", []))


def _credit_reset(design: Design, sequences: list[Sequence],
                  outcomes: list[SequenceOutcome]) -> list[SequenceOutcome]:
    """The reset arms run while the player holds reset, where hits do not count (harness.py):
    each sequence whose reset was applied is credited with them, alike on every backend."""
    arms = frozenset(p.id for p in design.branch_points if p.runs_on_reset)
    if not arms:
        return outcomes
    return [dataclasses.replace(o, covered=o.covered | arms) if s.reset else o
            for s, o in zip(sequences, outcomes)]
