"""`verilogreader run`: build the adapters, run the campaign, show it live, save it."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from verilogreader.design.model import Design
from verilogreader.engine.campaign import Budget, CampaignState, StopReason, run_campaign
from verilogreader.errors import SimulationFailed, UsageError
from verilogreader.report.annotate import uncovered_excerpts
from verilogreader.report.documents import REPLAY_STRATEGY, campaign_corpus, results_document
from verilogreader.report.safe_text import cell, shown
from verilogreader.report.tables import excerpts_as_rich, summary_table, unobserved_text
from verilogreader.engine.llm_strategy import LLMSource
from verilogreader.engine.strategies import LLM_STRATEGIES, LLMParts, check_strategy, llm_policy, make_source
from verilogreader.llm.connect import open_chat_client
from verilogreader.llm.cache import responses_folder
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.settings import LLMSettings, resolve_settings
from verilogreader.stimuli.schema import Sequence
from verilogreader.stimuli.sources import ChainedSource, FixedSource
from verilogreader.store.atomic import write_json
from verilogreader.store.corpus import Corpus, load_corpus, save_corpus
from verilogreader.store.exchange_log import ExchangeLog


@dataclass(frozen=True)
class RunRequest:
    sim: str
    strategy: str
    budget_cycles: int
    budget_seconds: float | None
    seed: int
    stimuli: list[Sequence]
    out_dir: Path
    timeout: float
    corpus_path: Path | None = None
    llm: LLMSettings | None = None  # for the llm and hybrid strategies
    prompts_dir: Path | None = None
    cache: bool = False
    llm_calls: int = 20
    llm_tokens: int | None = None


def execute_run(design: Design, request: RunRequest, out: Console) -> None:
    from verilogreader.sim.registry import make_simulator

    check_strategy(request.strategy)
    if not design.inputs:
        raise UsageError(f"design {design.top} has no inputs: there is nothing to drive")
    if not design.branch_points:
        out.print(f"[yellow]note:[/] design {shown(design.top)} has no branch points; coverage is trivially complete")

    out_dir = request.out_dir
    if request.corpus_path is None and (out_dir / "corpus.json").exists():
        # a new run would replace it: a 6-sequence corpus became 1 this way, silently
        raise UsageError(
            f"{out_dir / 'corpus.json'} is there from an earlier run: add --corpus {out_dir / 'corpus.json'} "
            "to extend it, or give another --out"
        )
    earlier = _earlier_corpus(request.corpus_path, design)
    out.print(f"building {shown(design.top)} for {shown(request.sim)} ...")
    simulator = make_simulator(request.sim, design, out_dir / "work", timeout_s=request.timeout)
    with ExitStack() as resources:
        source, llm_source = _strategy_source(design, request, resources, out)
        if request.stimuli:
            source = ChainedSource(FixedSource(request.stimuli), source)
        replay_cycles = 0
        if earlier is not None and earlier.sequences:
            # Replay what the corpus already covers first, so new entries add to it; not charged.
            replay = [s.as_sequence() for s in earlier.sequences]
            replay_cycles = sum(s.cycle_count for s in replay)
            source = ChainedSource(FixedSource(replay, name=REPLAY_STRATEGY), source)
        settings = {
            "simulator": request.sim,
            "strategy": request.strategy,
            "seed": request.seed,
            "budget_cycles": request.budget_cycles,
            "budget_seconds": request.budget_seconds,
            "stimuli_file_sequences": len(request.stimuli),
        }
        if llm_source is not None:
            settings["llm"] = {**request.llm.describe(), "max_calls": request.llm_calls, "max_tokens_total": request.llm_tokens}
        corpus_file = request.corpus_path or out_dir / "corpus.json"
        saver = _Checkpoint(design, out_dir, settings, request.sim, corpus_file, earlier, llm_source)
        budget = Budget(request.budget_cycles + replay_cycles, request.budget_seconds)
        if out.is_terminal:
            with Live(console=out, refresh_per_second=4, transient=True) as live:
                state = run_campaign(design, simulator, source, budget, _LivePanel(live, design, saver))
        else:
            state = run_campaign(design, simulator, source, budget, _Lines(out, saver))
        saver.update(state)
    _final_report(out, design, state, out_dir / "results.json", corpus_file, llm_source, request.sim)
    if state.stop_reason is StopReason.INTERRUPTED:
        raise KeyboardInterrupt  # saved and reported: now exit as interrupted
    if state.stop_reason is StopReason.NOTHING_SIMULATED:
        # A tool failure, not a coverage result: results.json says the same.
        raise SimulationFailed(
            f"{state.stop_reason.value} (last failure: {state.stop_detail or 'not reported'}); "
            f"the run is recorded in {out_dir / 'results.json'}"
        )


def _strategy_source(design: Design, request: RunRequest, resources: ExitStack, out: Console):
    """The stimulus source for the strategy, and the LLM source inside it (or None)."""
    llm = None
    if request.strategy in LLM_STRATEGIES:
        settings = request.llm or resolve_settings()
        if settings.is_local:
            out.print("starting the embedded LLM (first start assembles and checks the model file) ...")
        cache_dir = responses_folder() if request.cache else None
        client = resources.enter_context(open_chat_client(settings, log_dir=request.out_dir, cache_dir=cache_dir))
        llm = LLMParts(client, Prompts(request.prompts_dir), llm_policy(settings, request.llm_calls, request.llm_tokens, request.budget_seconds))
    log = ExchangeLog(request.out_dir / "llm-exchanges.jsonl")
    return make_source(design, request.strategy, request.seed, llm, log)


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
        self,
        design: Design,
        out_dir: Path,
        settings: dict,
        simulator: str,
        corpus_file: Path,
        earlier: Corpus | None,
        llm_source: LLMSource | None,
    ) -> None:
        self.design, self.out_dir, self.settings, self.simulator = design, out_dir, settings, simulator
        self.corpus_file, self.earlier, self.llm_source = corpus_file, earlier, llm_source
        self._saved_corpus = -1

    def update(self, state: CampaignState) -> None:
        results = results_document(self.design, state, self.settings)
        if self.llm_source is not None:
            results["llm"] = self.llm_source.accounting.as_dict()
        write_json(self.out_dir / "results.json", results)
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
        table = Table(title=cell(f"verilogreader run: {self.design.top}"), show_header=False)
        for key, value in _status(state, time.monotonic()).items():
            table.add_row(key, cell(value))
        for problem in state.problems[-3:]:
            table.add_row("[yellow]problem[/]", cell(problem))
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
            self.out.print(shown(" | ".join(f"{k}: {v}" for k, v in status.items() if k != "now")), highlight=False)
        for problem in state.problems[self._problems :]:
            self.out.print(f"problem: {shown(problem)}", highlight=False)
        self._problems = len(state.problems)
        self.saver.update(state)


def _final_report(
    out: Console,
    design: Design,
    state: CampaignState,
    results: Path,
    corpus: Path,
    llm_source: LLMSource | None,
    simulator: str,
) -> None:
    reason = state.stop_reason.value if state.stop_reason else "?"
    rows = {
        "stopped because": f"{reason} ({state.stop_detail})" if state.stop_detail else reason,
        "cycles": f"{state.cycles:,}"
        + (f" simulated ({state.charged_cycles:,} charged: failed batches)" if state.charged_cycles != state.cycles else ""),
        "sequences": f"{state.sequences:,}",
        "wall time": f"{state.seconds:.1f} s",
        "corpus": f"{len(state.corpus)} sequences",
    }
    if llm_source is not None:
        acc = llm_source.accounting
        rows["LLM calls"] = f"{acc.calls} ({acc.reasks} re-asks, {len(acc.failures)} failed)"
        rows["LLM tokens"] = f"{acc.prompt_tokens:,} prompt + {acc.completion_tokens:,} completion"
        rows["LLM time"] = f"{acc.seconds:.1f} s"
        found = {}
        for hit in state.first_hits.values():
            found[hit.strategy] = found.get(hit.strategy, 0) + 1
        rows["points found by"] = ", ".join(f"{k}: {v}" for k, v in sorted(found.items()))
    out.print(summary_table(state.coverage, rows))
    if llm_source is not None:
        for claim in llm_source.accounting.claims:
            # the model's words: never markup (a "[/x]" raised MarkupError), never terminal control
            out.print(f"[yellow]LLM claims {shown(claim['hole'])} unreachable (not trusted):[/] {shown(claim['reason'])}", highlight=False)
    for problem in dict.fromkeys(state.problems):
        out.print(f"[yellow]problem:[/] {shown(problem)}", highlight=False)
    wrong = state.coverage.unreachable_hit
    if wrong:
        out.print(f"[yellow]note:[/] judged unreachable but hit: {shown(', '.join(sorted(wrong)))}", highlight=False)
    unobserved = unobserved_text(design, state.coverage, simulator)
    if unobserved is not None:
        out.print(unobserved)
    excerpts = uncovered_excerpts(design, state.coverage)
    if excerpts:
        out.print("\n[bold]Uncovered reachable branches[/]")
        out.print(excerpts_as_rich(excerpts))
    out.print(f"results: {shown(results)}   corpus: {shown(corpus)}", highlight=False)
