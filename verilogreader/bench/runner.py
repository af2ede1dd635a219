"""Running the cells of a bench: each one a campaign of one strategy and seed on one design,
at the bench's cycle budget, on a shared simulator build and a shared LLM client.

Cells run in threads: the work happens in simulator processes and at the LLM endpoint, so
threads are enough and the one embedded LLM server is shared. `stop()` ends running cells at
their next batch; an interrupted cell is not recorded, so a resumed bench reruns it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verilogreader.bench.model import Cell, DesignInfo, LLMTotals, PointHit, TimelinePoint
from verilogreader.design.model import Design
from verilogreader.engine.campaign import Budget, CampaignState, StopReason, run_campaign
from verilogreader.engine.llm_strategy import LLMSource
from verilogreader.engine.strategies import LLMParts, make_source
from verilogreader.errors import SimulationFailed, SimulatorNotFound, VerilogReaderError
from verilogreader.report.documents import campaign_corpus
from verilogreader.sim.interface import Simulator
from verilogreader.sim.registry import make_simulator
from verilogreader.store.corpus import save_corpus
from verilogreader.store.exchange_log import ExchangeLog


@dataclass(frozen=True)
class CellPlan:
    design: str
    strategy: str
    seed: int

    @property
    def folder(self) -> str:
        return f"{self.design}/{self.strategy}-seed{self.seed}"


def design_info(name: str, category: str, design: Design, unobserved: dict[str, str] | None = None) -> DesignInfo:
    """The design's facts; `unobserved` is its simulator's (known once it is built)."""
    unobserved = {b.id: unobserved[b.id] for b in design.branch_points if b.id in (unobserved or {})}
    return DesignInfo(
        name=name,
        category=category,
        top=design.top,
        files=list(design.files),
        points={b.id: f"{Path(b.file).name}:{b.line} {b.kind.value}" for b in design.reachable_points if b.id not in unobserved},
        unreachable={b.id: b.unreachable for b in design.branch_points if b.unreachable},
        unobserved=unobserved,
    )


class BenchRunner:
    def __init__(
        self,
        designs: dict[str, Design],
        simulator: str,
        out_dir: Path,
        budget_cycles: int,
        timeout_s: float,
        llm: LLMParts | None,
    ) -> None:
        self.designs, self.simulator_name, self.out_dir = designs, simulator, out_dir
        self.budget, self.timeout_s, self.llm = Budget(budget_cycles), timeout_s, llm
        self._stop = threading.Event()
        self._builds: dict[str, Simulator] = {}
        self._build_locks = {name: threading.Lock() for name in designs}
        self.build_errors: dict[str, str] = {}  # design -> why its simulator build failed (built once)

    def stop(self) -> None:
        self._stop.set()

    def unobserved(self, name: str) -> dict[str, str] | None:
        """What the design's simulator cannot observe, once it is built (None before)."""
        simulator = self._builds.get(name)
        return None if simulator is None else dict(simulator.unobserved)

    def run(
        self,
        plans: Iterable[CellPlan],
        jobs: int,
        started: Callable[[CellPlan], None],
        finished: Callable[[CellPlan, Cell | None, str | None], None],
    ) -> None:
        """Run the plans, `jobs` at a time; `finished(plan, cell, error)` is called in this
        thread, in completion order (cell None: interrupted or failed, with the error)."""
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="bench")
        futures = {pool.submit(self._run_cell, plan, started): plan for plan in plans}
        try:
            for future in as_completed(futures):
                cell, error = future.result()
                finished(futures[future], cell, error)
        except BaseException:
            # Ctrl-C: do not wait here for running cells (an LLM call may take a minute); they
            # end at their next batch, or sooner when the caller stops the LLM server.
            self.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

    def _simulator(self, name: str) -> Simulator:
        with self._build_locks[name]:  # one build per design, shared by its cells
            if name in self.build_errors:  # its other cells fail at once, without rebuilding
                raise SimulationFailed(self.build_errors[name])
            if name not in self._builds:
                work = self.out_dir / "work" / name
                try:
                    self._builds[name] = make_simulator(self.simulator_name, self.designs[name], work, self.timeout_s)
                except SimulatorNotFound:
                    raise  # no design can run: the bench stops with how to install it
                except VerilogReaderError as error:
                    self.build_errors[name] = str(error)
                    raise
            return self._builds[name]

    def _run_cell(self, plan: CellPlan, started: Callable[[CellPlan], None]) -> tuple[Cell | None, str | None]:
        if self._stop.is_set():
            return None, None
        started(plan)
        design = self.designs[plan.design]
        folder = self.out_dir / "cells" / plan.folder
        try:
            simulator = self._simulator(plan.design)
            log = ExchangeLog(folder / "llm-exchanges.jsonl")
            source, llm_source = make_source(design, plan.strategy, plan.seed, self.llm, log)
            recorder = _Recorder(llm_source)
            state = run_campaign(design, simulator, _Stoppable(source, self._stop), self.budget, recorder)
        except SimulatorNotFound:
            raise
        except VerilogReaderError as error:
            return None, str(error)
        if state.stop_reason is StopReason.INTERRUPTED:
            return None, None
        save_corpus(folder / "corpus.json", campaign_corpus(design, state, self.simulator_name, None))
        return cell_from(plan, state, recorder.snapshots, llm_source), None


class _Stoppable:
    """A stimulus source that ends the campaign (as interrupted) once the bench is stopped."""

    def __init__(self, source, stop: threading.Event) -> None:
        self._source, self._stop = source, stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def next_batch(self, cycles: int, state: CampaignState):
        if self._stop.is_set():
            raise KeyboardInterrupt
        return self._source.next_batch(cycles, state)


class _Recorder:
    """After every batch: (cycles, LLM calls, LLM tokens), to put LLM cost on the timeline."""

    def __init__(self, llm: LLMSource | None) -> None:
        self.llm = llm
        self.snapshots: list[tuple[int, int, int]] = []

    def update(self, state: CampaignState) -> None:
        acc = self.llm.accounting if self.llm else None
        calls = acc.calls if acc else 0
        tokens = acc.prompt_tokens + acc.completion_tokens if acc else 0
        self.snapshots.append((state.cycles, calls, tokens))


def cell_from(plan: CellPlan, state: CampaignState, snapshots: list[tuple[int, int, int]], llm: LLMSource | None) -> Cell:
    """A finished campaign as a bench cell (pure)."""

    def llm_at(cycles: int) -> tuple[int, int]:
        # LLM spending that produced the batch ending at or after these cycles
        return next(((c, t) for at, c, t in snapshots if at >= cycles), snapshots[-1][1:] if snapshots else (0, 0))

    timeline = [
        TimelinePoint(cycles=e.cycles, seconds=e.seconds, covered=e.reachable_covered, llm_calls=(at := llm_at(e.cycles))[0], llm_tokens=at[1])
        for e in state.timeline
    ]
    seconds_at = {e.cycles: e.seconds for e in state.timeline}
    reachable = set(state.coverage.reachable)
    hits = {
        point: PointHit(cycles=hit.cycles, seconds=seconds_at.get(hit.cycles, state.seconds), llm_calls=llm_at(hit.cycles)[0], by=hit.strategy)
        for point, hit in sorted(state.first_hits.items())
        if point in reachable
    }
    totals = None
    if llm is not None:
        acc = llm.accounting
        totals = LLMTotals(
            calls=acc.calls,
            prompt_tokens=acc.prompt_tokens,
            completion_tokens=acc.completion_tokens,
            seconds=round(acc.seconds, 3),
            reasks=acc.reasks,
            failures=len(acc.failures),
        )
    reason = state.stop_reason.value if state.stop_reason else ""
    return Cell(
        design=plan.design,
        strategy=plan.strategy,
        seed=plan.seed,
        reachable=len(state.coverage.reachable),
        covered=state.coverage.reachable_covered,
        cycles=state.cycles,
        sequences=state.sequences,
        seconds=round(state.seconds, 3),
        stop_reason=f"{reason} ({state.stop_detail})" if state.stop_detail else reason,
        llm=totals,
        timeline=timeline,
        first_hits=hits,
        problems=list(dict.fromkeys(state.problems))[:20],
    )
