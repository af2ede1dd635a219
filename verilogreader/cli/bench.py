"""`verilogreader bench`: the suite x strategies x seeds comparison, resumable, with reports."""

from __future__ import annotations

import os
import platform
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from verilogreader.bench.model import LLM_FACTS, Bench, BenchSettings, Cell
from verilogreader.bench.runner import BenchRunner, CellPlan, design_info
from verilogreader.bench.suite import read_entry, suite_entries
from verilogreader.engine.strategies import LLM_STRATEGIES, LLMParts, check_strategy, llm_policy
from verilogreader.errors import SimulationFailed, UsageError, VerilogReaderError
from verilogreader.llm.connect import open_chat_client
from verilogreader.llm.cache import responses_folder
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.settings import LLMSettings
from verilogreader.report.safe_text import shown
from verilogreader.store.atomic import write_text
from verilogreader.store.bench_file import load_bench, save_bench


@dataclass(frozen=True)
class BenchRequest:
    suites: list[Path]
    strategies: list[str]
    seeds: int
    budget_cycles: int
    sim: str
    jobs: int
    out_dir: Path
    timeout: float
    llm: LLMSettings
    llm_calls: int
    prompts_dir: Path | None = None
    cache: bool = False
    compare: Path | None = None


def execute_bench(request: BenchRequest, out: Console, err: Console) -> Bench:
    strategies = [check_strategy(s) for s in dict.fromkeys(request.strategies)]
    uses_llm = bool(set(strategies) & set(LLM_STRATEGIES))
    settings = BenchSettings(
        simulator=request.sim,
        budget_cycles=request.budget_cycles,
        llm={k: v for k, v in request.llm.describe().items() if k in LLM_FACTS} if uses_llm else None,
        llm_calls=request.llm_calls if uses_llm else None,
        prompts=str(request.prompts_dir) if uses_llm and request.prompts_dir else None,
    )
    older = load_bench(request.compare) if request.compare else None
    bench_file = request.out_dir / "bench.json"
    bench = _resumed(bench_file, settings) or Bench(settings=settings, strategies=[], seeds=[])
    bench.strategies = list(dict.fromkeys([*bench.strategies, *strategies]))
    seeds = list(range(1, request.seeds + 1))
    bench.seeds = sorted({*bench.seeds, *seeds})
    bench.machine = {"cpus": os.cpu_count() or 0, "platform": platform.platform(), "python": platform.python_version(), "jobs": request.jobs}

    designs = {}
    for entry in suite_entries(request.suites):
        try:
            designs[entry.name] = design = read_entry(entry)
        except VerilogReaderError as error:
            bench.skipped[entry.name] = str(error)
            err.print(f"[yellow]skipped {shown(entry.name)}:[/] {shown(error)}", highlight=False)
            bench.designs.pop(entry.name, None)
            continue
        bench.skipped.pop(entry.name, None)
        known = bench.designs.get(entry.name)  # its unobserved points are known once built: keep them
        bench.designs[entry.name] = design_info(entry.name, entry.category, design, known.unobserved if known else None)
    bench.failed = {cell: why for cell, why in bench.failed.items() if cell.split("/")[0] in designs}
    plans = [
        CellPlan(name, strategy, seed)
        for name in designs
        for strategy in strategies
        for seed in seeds
        if bench.cell(name, strategy, seed) is None
    ]
    done = len(designs) * len(strategies) * len(seeds) - len(plans)
    if done:
        out.print(f"resuming {shown(bench_file)}: {done} cells already done, {len(plans)} to run", highlight=False)

    started = time.monotonic()
    base_seconds = bench.wall_seconds

    def record(plan: CellPlan, cell: Cell | None, error: str | None) -> None:
        bench.failed.pop(plan.folder, None)
        if plan.design in runner.build_errors:  # the design, not the cell, failed: skip it once
            if plan.design not in bench.skipped:
                bench.skipped[plan.design] = f"{request.sim} could not build it: {error}"
                bench.designs.pop(plan.design, None)
                err.print(f"[yellow]skipped {shown(plan.design)}:[/] {shown(bench.skipped[plan.design])}", highlight=False)
        elif error:
            bench.failed[plan.folder] = error
            err.print(f"[yellow]{shown(plan.folder)} failed:[/] {shown(error)}", highlight=False)
        if cell is not None:
            bench.cells.append(cell)
            if (unobserved := runner.unobserved(plan.design)) is not None:
                info = bench.designs[plan.design]
                bench.designs[plan.design] = design_info(info.name, info.category, designs[plan.design], unobserved)
        bench.wall_seconds = round(base_seconds + time.monotonic() - started, 1)
        save_bench(bench_file, bench)

    with ExitStack() as resources:
        llm = None
        if any(p.strategy in LLM_STRATEGIES for p in plans):
            if request.llm.is_local:
                out.print("starting the embedded LLM ...")
            cache_dir = responses_folder() if request.cache else None
            client = resources.enter_context(open_chat_client(request.llm, log_dir=request.out_dir, cache_dir=cache_dir))
            llm = LLMParts(client, Prompts(request.prompts_dir), llm_policy(request.llm, request.llm_calls))
        runner = BenchRunner(designs, request.sim, request.out_dir, request.budget_cycles, request.timeout, llm)
        try:
            _run_with_progress(runner, plans, request.jobs, record, out)
        except KeyboardInterrupt:
            err.print(f"{len(bench.cells)} finished cells are saved in {shown(bench_file)}; run the same command again to continue", highlight=False)
            raise
        finally:
            # cells arrive in completion order; the file keeps design, strategy, seed order
            bench.cells.sort(key=lambda c: (c.design, bench.strategies.index(c.strategy), c.seed))
            save_bench(bench_file, bench)
            write_reports(bench, older, request.out_dir, old_name=str(request.compare))
    if bench.failed:
        err.print(f"[yellow]{len(bench.failed)} cells have no result (rerun the same command to retry them):[/] "
                  + shown(", ".join(bench.failed)), highlight=False)
    if not bench.cells:
        raise SimulationFailed(_nothing_measured(bench, request.out_dir))
    return bench


def _nothing_measured(bench: Bench, out_dir: Path) -> str:
    """Why a bench has no result at all: it must not pass as an empty, successful report."""
    why = []
    if bench.failed:
        first = next(iter(bench.failed.values())).splitlines()[0]
        why.append(f"every cell failed ({len(bench.failed)}; the first: {first})")
    if bench.skipped:
        why.append(f"designs skipped: {', '.join(bench.skipped)}")
    return f"the bench measured nothing: {'; '.join(why) or 'no cell ran'}; see {out_dir / 'report.md'}"


def write_reports(bench: Bench, older: Bench | None, out_dir: Path, old_name: str = "") -> None:
    from verilogreader.report.bench_html import bench_html
    from verilogreader.report.bench_markdown import bench_markdown

    write_text(out_dir / "report.md", bench_markdown(bench, older, old_name=old_name))
    write_text(out_dir / "report.html", bench_html(bench, older, old_name=old_name))


def _resumed(path: Path, settings: BenchSettings) -> Bench | None:
    if not path.exists():
        return None
    bench = load_bench(path)
    if bench.settings != settings:
        differ = [k for k in BenchSettings.model_fields if getattr(bench.settings, k) != getattr(settings, k)]
        raise UsageError(
            f"{path} was measured with other settings ({', '.join(differ)} differ): "
            "give the same options to resume it, or another --out"
        )
    return bench


def _cell_line(cell: Cell) -> str:
    llm = f", {cell.llm.calls} LLM calls, {cell.llm.tokens:,} tokens" if cell.llm else ""
    return f"{cell.design} {cell.strategy} seed {cell.seed}: {cell.percent:.1f}% in {cell.cycles:,} cycles{llm}, {cell.seconds:.0f} s"


def _run_with_progress(runner: BenchRunner, plans: list[CellPlan], jobs: int, record, out: Console) -> None:
    running: set[str] = set()

    if not out.is_terminal:  # CI logs: one line per finished cell
        count = iter(range(1, len(plans) + 1))

        def finished_line(plan: CellPlan, cell: Cell | None, error: str | None) -> None:
            record(plan, cell, error)
            if cell is not None or error:
                line = _cell_line(cell) if cell else f"{plan.design} {plan.strategy} seed {plan.seed}: no result"
                out.print(f"[{next(count)}/{len(plans)}] {shown(line)}", highlight=False)

        runner.run(plans, jobs, lambda plan: None, finished_line)
        return

    columns = (TextColumn("bench"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=out) as progress:
        task = progress.add_task("", total=len(plans))

        def started(plan: CellPlan) -> None:
            running.add(plan.folder)
            progress.update(task, description=_running(running))

        def finished(plan: CellPlan, cell: Cell | None, error: str | None) -> None:
            record(plan, cell, error)
            running.discard(plan.folder)
            progress.update(task, advance=1, description=_running(running))
            if cell is not None:
                progress.console.print(shown(_cell_line(cell)), highlight=False)

        runner.run(plans, jobs, started, finished)


def _running(cells: set[str]) -> str:
    return shown(f"running {', '.join(sorted(cells))}") if cells else ""  # TextColumn reads markup
