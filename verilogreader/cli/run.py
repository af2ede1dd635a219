"""`verilogreader run`: build the adapters, run the campaign, show it live, save it."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from verilogreader.design.model import Design
from verilogreader.engine.campaign import Budget, CampaignState, run_campaign
from verilogreader.errors import UsageError
from verilogreader.report.annotate import uncovered_excerpts
from verilogreader.report.documents import REPLAY_STRATEGY, campaign_corpus, results_document
from verilogreader.report.tables import excerpts_as_rich, summary_table
from verilogreader.stimuli.random import GENERATORS
from verilogreader.stimuli.schema import Sequence
from verilogreader.stimuli.sources import ChainedSource, FixedSource
from verilogreader.store.atomic import write_json
from verilogreader.store.corpus import Corpus, load_corpus, save_corpus


def execute_run(
    design: Design,
    *,
    out: Console,
    sim: str,
    strategy: str,
    budget_cycles: int,
    budget_seconds: float | None,
    seed: int,
    stimuli: list[Sequence],
    out_dir: Path,
    timeout: float,
    corpus_path: Path | None = None,
) -> None:
    from verilogreader.sim.registry import make_simulator

    if strategy not in GENERATORS:
        raise UsageError(f"unknown strategy {strategy!r}; choose one of: {', '.join(GENERATORS)}")
    if not design.inputs:
        raise UsageError(f"design {design.top} has no inputs: there is nothing to drive")
    if not design.branch_points:
        out.print(f"[yellow]note:[/] design {design.top} has no branch points; coverage is trivially complete")

    out.print(f"building {design.top} for {sim} ...")
    simulator = make_simulator(sim, design, out_dir / "work", timeout_s=timeout)
    earlier = _earlier_corpus(corpus_path, design)
    source = GENERATORS[strategy](design, seed)
    if stimuli:
        source = ChainedSource(FixedSource(stimuli), source)
    replay_cycles = 0
    if earlier is not None and earlier.sequences:
        # Replay what the corpus already covers first, so new entries add to it; not charged.
        replay = [s.as_sequence() for s in earlier.sequences]
        replay_cycles = sum(s.cycle_count for s in replay)
        source = ChainedSource(FixedSource(replay, name=REPLAY_STRATEGY), source)
    settings = {
        "simulator": sim,
        "strategy": strategy,
        "seed": seed,
        "budget_cycles": budget_cycles,
        "budget_seconds": budget_seconds,
        "stimuli_file_sequences": len(stimuli),
    }
    corpus_file = corpus_path or out_dir / "corpus.json"
    saver = _Checkpoint(design, out_dir, settings, sim, corpus_file, earlier)
    budget = Budget(budget_cycles + replay_cycles, budget_seconds)
    if out.is_terminal:
        with Live(console=out, refresh_per_second=4, transient=True) as live:
            observer = _LivePanel(live, design, saver)
            state = run_campaign(design, simulator, source, budget, observer)
    else:
        state = run_campaign(design, simulator, source, budget, _Lines(out, saver))
    saver.update(state)
    _final_report(out, design, state, out_dir / "results.json", corpus_file)


def _earlier_corpus(path: Path | None, design: Design) -> Corpus | None:
    """The corpus to append to; one made for another top module is refused."""
    if path is None or not path.exists():
        return None
    corpus = load_corpus(path)
    if corpus.design.get("top") != design.top:
        raise UsageError(f"{path} is a corpus for top module {corpus.design.get('top')!r}, not {design.top!r}")
    return corpus


class _Checkpoint:
    """Writes results.json and corpus.json after every batch, so nothing found is lost."""

    def __init__(
        self, design: Design, out_dir: Path, settings: dict, simulator: str, corpus_file: Path, earlier: Corpus | None
    ) -> None:
        self.design, self.out_dir, self.settings, self.simulator = design, out_dir, settings, simulator
        self.corpus_file, self.earlier = corpus_file, earlier
        self._saved_corpus = -1

    def update(self, state: CampaignState) -> None:
        write_json(self.out_dir / "results.json", results_document(self.design, state, self.settings))
        if len(state.corpus) != self._saved_corpus:
            save_corpus(self.corpus_file, campaign_corpus(self.design, state, self.simulator, self.earlier))
            self._saved_corpus = len(state.corpus)


def _status(state: CampaignState, now: float) -> dict[str, str]:
    cov = state.coverage
    elapsed = max(now - state.started, 1e-9)
    return {
        "covered (reachable)": f"{cov.reachable_covered}/{len(cov.reachable)} ({cov.reachable_percent:.1f}%)",
        "cycles": f"{state.cycles:,}",
        "cycles/s": f"{state.cycles / elapsed:,.0f}",
        "since last new point": f"{now - state.started - state.last_new_at:.1f} s",
        "corpus": f"{len(state.corpus)} sequences",
        "now": state.doing,
    }


class _LivePanel:
    """AFL-style status: coverage, speed, time since the last find, what it is doing."""

    def __init__(self, live: Live, design: Design, saver: _Checkpoint) -> None:
        self.live, self.design, self.saver = live, design, saver

    def update(self, state: CampaignState) -> None:
        table = Table(title=f"verilogreader run: {self.design.top}", show_header=False)
        for key, value in _status(state, time.monotonic()).items():
            table.add_row(key, value)
        for problem in state.problems[-3:]:
            table.add_row("[yellow]problem[/]", problem)
        self.live.update(table)
        self.saver.update(state)


class _Lines:
    """One line per batch, for CI logs and pipes."""

    def __init__(self, out: Console, saver: _Checkpoint) -> None:
        self.out, self.saver = out, saver
        self._cycles, self._problems = -1, 0

    def update(self, state: CampaignState) -> None:
        if state.cycles != self._cycles:
            self._cycles = state.cycles
            status = _status(state, time.monotonic())
            self.out.print(" | ".join(f"{k}: {v}" for k, v in status.items() if k != "now"), highlight=False)
        for problem in state.problems[self._problems :]:
            self.out.print(f"problem: {problem}", highlight=False)
        self._problems = len(state.problems)
        self.saver.update(state)


def _final_report(out: Console, design: Design, state: CampaignState, results: Path, corpus: Path) -> None:
    rows = {
        "stopped because": state.stop_reason.value if state.stop_reason else "?",
        "cycles": f"{state.cycles:,}",
        "sequences": f"{state.sequences:,}",
        "wall time": f"{state.seconds:.1f} s",
        "corpus": f"{len(state.corpus)} sequences",
    }
    out.print(summary_table(state.coverage, rows))
    for problem in dict.fromkeys(state.problems):
        out.print(f"[yellow]problem:[/] {problem}", highlight=False)
    wrong = state.coverage.unreachable_hit
    if wrong:
        out.print(f"[yellow]note:[/] judged unreachable but hit: {', '.join(sorted(wrong))}")
    excerpts = uncovered_excerpts(design, state.coverage)
    if excerpts:
        out.print("\n[bold]Uncovered reachable branches[/]")
        out.print(excerpts_as_rich(excerpts))
    out.print(f"results: {results}   corpus: {corpus}", highlight=False)
