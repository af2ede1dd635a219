"""The `verilogreader` command: the only module that prints, reads the terminal or exits.

Exit codes: 0 ok, 1 coverage gate failed, 2 usage or tool error (never a traceback for those),
and 2 when interrupted (Ctrl-C, or SIGTERM from a CI cancel, `timeout` or `docker stop`): an
interrupted run has no verdict, and 1 would read as "gate failed". What was found is saved first.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from verilogreader.errors import SimulationFailed, StimulusError, UsageError, VerilogReaderError
from verilogreader.report.safe_text import shown

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Read a Verilog design, simulate it, measure branch coverage and close the holes.",
)
out = Console()
# Off a terminal (CI logs, pipes) one event stays one line whatever the width: logs are read with
# grep. On a terminal rich may wrap to the window.
out.soft_wrap = not out.is_terminal
err = Console(stderr=True, soft_wrap=True)  # one error, one line: logs and grep stay readable

Files = Annotated[
    list[Path],
    typer.Argument(help="Verilog/SystemVerilog files, or one folder (a benchmark with manifest.toml, or .v/.sv files).", show_default=False),
]
Top = Annotated[Optional[str], typer.Option("--top", help="Top module (needed when there are several).")]
Includes = Annotated[list[Path], typer.Option("-I", "--include", help="Include directory (repeatable).")]
Defines = Annotated[list[str], typer.Option("-D", "--define", help="Preprocessor define NAME or NAME=VALUE.")]
Params = Annotated[list[str], typer.Option("-P", "--param", help="Top parameter override NAME=VALUE.")]
Clock = Annotated[Optional[str], typer.Option("--clock", help="Clock input (found by name/usage if omitted).")]
Reset = Annotated[Optional[str], typer.Option("--reset", help="Reset input (found by name/usage if omitted).")]
ResetLow = Annotated[
    Optional[bool],
    typer.Option("--reset-active-low/--reset-active-high", help="Reset polarity (inferred if omitted)."),
]

LLMEndpoint = Annotated[
    Optional[str], typer.Option("--llm", help="local (default), local:/path/model.gguf, or an OpenAI-compatible base URL.")
]
LLMModel = Annotated[Optional[str], typer.Option("--llm-model", help="Model name at the endpoint.")]
LLMConfig = Annotated[Optional[Path], typer.Option("--llm-config", help="TOML file with an \\[llm] table.")]
PromptsDir = Annotated[Optional[Path], typer.Option("--prompts", help="Folder of prompt templates overriding the built-in ones.")]
Cache = Annotated[bool, typer.Option("--cache", help="Reuse cached LLM responses (reproducible, free reruns).")]
BatchTimeout = Annotated[float, typer.Option("--timeout", min=1, help="Seconds one simulator batch may take.")]

def _pairs(items: list[str], what: str, value_required: bool) -> dict[str, str]:
    result = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not name or (value_required and not sep):
            raise UsageError(f"{what} must look like NAME=VALUE, got {item!r}")
        result[name] = value if sep else "1"
    return result


def _read(files, top, includes, defines, params, clock, reset, reset_low):
    from verilogreader.store.manifest import read_paths

    return read_paths(
        files,
        top=top,
        include_dirs=[str(i) for i in includes],
        defines=_pairs(defines, "-D", value_required=False),
        parameters=_pairs(params, "-P", value_required=True),
        clock=clock,
        reset=reset,
        reset_active_low=reset_low,
    )


@app.command()
def inspect(
    files: Files,
    top: Top = None,
    include: Includes = [],
    define: Defines = [],
    param: Params = [],
    clock: Clock = None,
    reset: Reset = None,
    reset_active_low: ResetLow = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the design model as JSON.")] = False,
) -> None:
    """Show what was read: ports, clock/reset, parameters, branch points, constants."""
    from verilogreader.report.tables import design_tables

    design = _read(files, top, include, define, param, clock, reset, reset_active_low)
    if as_json:
        out.print_json(design.model_dump_json(exclude={"sources", "expanded"}))
        return
    for table in design_tables(design):
        out.print(table)


@app.command()
def run(
    files: Files,
    top: Top = None,
    include: Includes = [],
    define: Defines = [],
    param: Params = [],
    clock: Clock = None,
    reset: Reset = None,
    reset_active_low: ResetLow = None,
    sim: Annotated[str, typer.Option("--sim", help="Simulator: icarus or verilator.")] = "icarus",
    strategy: Annotated[
        str, typer.Option("--strategy", help="random, random-dict, fuzz (coverage-guided), llm or hybrid (fuzz + LLM on what the fuzzer misses).")
    ] = "random",
    budget_cycles: Annotated[int, typer.Option("--budget-cycles", min=1, help="Stimulus cycles to spend.")] = 10_000,
    budget_seconds: Annotated[
        Optional[float], typer.Option("--budget-seconds", min=0, help="Wall-clock limit for the campaign.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    stimuli: Annotated[
        Optional[Path], typer.Option("--stimuli", help="Stimulus (or corpus) JSON file to apply first.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for results.json, corpus.json, logs.")] = Path("vr-out"),
    corpus: Annotated[
        Optional[Path],
        typer.Option("--corpus", help="Corpus file to append to (replayed first, then extended) instead of DIR/corpus.json."),
    ] = None,
    timeout: BatchTimeout = 120.0,
    llm: LLMEndpoint = None,
    llm_model: LLMModel = None,
    llm_config: LLMConfig = None,
    llm_calls: Annotated[int, typer.Option("--llm-calls", min=1, help="Budget of LLM stimulus requests.")] = 20,
    llm_tokens: Annotated[Optional[int], typer.Option("--llm-tokens", min=1, help="Budget of LLM tokens.")] = None,
    prompts: PromptsDir = None,
    cache: Cache = False,
) -> None:
    """Simulate the design with a stimulus strategy and report its branch coverage."""
    from verilogreader.cli.run import RunRequest, execute_run
    from verilogreader.llm.settings import resolve_settings
    from verilogreader.store.out_dir import claimed

    design = _read(files, top, include, define, param, clock, reset, reset_active_low)
    request = RunRequest(
        sim=sim,
        strategy=strategy,
        budget_cycles=budget_cycles,
        budget_seconds=budget_seconds,
        seed=seed,
        stimuli=_load_stimuli(stimuli, design) if stimuli else [],
        out_dir=out_dir,
        timeout=timeout,
        corpus_path=corpus,
        llm=resolve_settings(llm, llm_model, llm_config),
        prompts_dir=prompts,
        cache=cache,
        llm_calls=llm_calls,
        llm_tokens=llm_tokens,
    )
    with claimed(out_dir):
        execute_run(design, request, out)


@app.command()
def bench(
    suites: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Suite folders (each subfolder or loose .v/.sv file in them is a design), benchmark folders or .v/.sv files (default: ./benchmarks).", show_default=False),
    ] = None,
    strategies: Annotated[str, typer.Option("--strategies", help="Comma-separated strategies to compare.")] = "random,random-dict,fuzz,llm,hybrid",
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Seeds 1..N per design and strategy.")] = 3,
    budget_cycles: Annotated[int, typer.Option("--budget-cycles", min=1, help="Stimulus cycles per cell, equal for every strategy.")] = 5_000,
    sim: Annotated[str, typer.Option("--sim", help="Simulator: icarus or verilator.")] = "icarus",
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Cells run in parallel.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for bench.json, report.md, report.html (rerun to resume).")] = Path("vr-bench"),
    compare: Annotated[Optional[Path], typer.Option("--compare", help="An earlier bench.json to show changes against.")] = None,
    timeout: BatchTimeout = 120.0,
    llm: LLMEndpoint = None,
    llm_model: LLMModel = None,
    llm_config: LLMConfig = None,
    llm_calls: Annotated[int, typer.Option("--llm-calls", min=1, help="LLM stimulus requests per cell.")] = 5,
    prompts: PromptsDir = None,
    cache: Cache = False,
) -> None:
    """Compare strategies over a suite at equal budgets: bench.json, report.md, report.html."""
    from verilogreader.cli.bench import BenchRequest, execute_bench
    from verilogreader.llm.settings import resolve_settings
    from verilogreader.report.tables import bench_summary_table, found_by_one_only
    from verilogreader.store.out_dir import claimed

    request = BenchRequest(
        suites=suites or [Path("benchmarks")],
        strategies=[s.strip() for s in strategies.split(",") if s.strip()],
        seeds=seeds,
        budget_cycles=budget_cycles,
        sim=sim,
        jobs=jobs,
        out_dir=out_dir,
        timeout=timeout,
        llm=resolve_settings(llm, llm_model, llm_config),
        llm_calls=llm_calls,
        prompts_dir=prompts,
        cache=cache,
        compare=compare,
    )
    with claimed(out_dir):
        result = execute_bench(request, out, err)
    out.print(bench_summary_table(result))
    for line in found_by_one_only(result):
        out.print(shown(line), highlight=False)
    out.print(f"bench: {shown(out_dir / 'bench.json')}   reports: {shown(out_dir / 'report.md')}, {shown(out_dir / 'report.html')}", highlight=False)


Corpus = Annotated[Path, typer.Argument(help="Corpus JSON file (from `run`).", show_default=False)]
Sim = Annotated[Optional[str], typer.Option("--sim", help="Simulator (default: the one the corpus was made with).")]


@app.command()
def replay(
    corpus: Corpus,
    files: Files,
    top: Top = None,
    include: Includes = [],
    define: Defines = [],
    param: Params = [],
    clock: Clock = None,
    reset: Reset = None,
    reset_active_low: ResetLow = None,
    sim: Sim = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for results.json and the coverage exports.")] = Path("vr-replay"),
    timeout: BatchTimeout = 120.0,
) -> None:
    """Replay a corpus (no LLM) and report its coverage; say what changed if the design did."""
    from verilogreader.cli.gate import execute_replay, write_outputs
    from verilogreader.store.out_dir import claimed

    design = _read(files, top, include, define, param, clock, reset, reset_active_low)
    with claimed(out_dir):
        result = execute_replay(design, corpus, out=out, sim=sim, out_dir=out_dir, timeout=timeout)
        write_outputs(design, result, {"command": "replay", "corpus": str(corpus)}, out_dir, None)
    out.print(f"results and exports: {shown(out_dir)}", highlight=False)
    _stop_if_cut_short(result.state, out_dir)


@app.command()
def gate(
    corpus: Corpus,
    files: Files,
    min_reachable: Annotated[
        float, typer.Option("--min-reachable", min=0, max=100, help="Reachable coverage (%) needed to pass.")
    ] = 100.0,
    baseline: Annotated[
        Optional[Path], typer.Option("--baseline", help="An earlier results.json: fail if a branch it covered is lost.")
    ] = None,
    top: Top = None,
    include: Includes = [],
    define: Defines = [],
    param: Params = [],
    clock: Clock = None,
    reset: Reset = None,
    reset_active_low: ResetLow = None,
    sim: Sim = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for results.json and the coverage exports.")] = Path("vr-gate"),
    timeout: BatchTimeout = 120.0,
) -> None:
    """Replay a corpus and fail (exit 1) below the coverage threshold or on a regression."""
    from verilogreader.cli.gate import execute_replay, gate_checks, print_gate, write_outputs
    from verilogreader.store.out_dir import claimed

    design = _read(files, top, include, define, param, clock, reset, reset_active_low)
    run_info = {
        "command": "gate",
        "corpus": str(corpus),
        "min_reachable": min_reachable,
        "baseline": str(baseline) if baseline else None,
    }
    with claimed(out_dir):
        result = execute_replay(design, corpus, out=out, sim=sim, out_dir=out_dir, timeout=timeout)
        checks = None if _cut_short(result.state) else gate_checks(result, min_reachable, baseline, design)
        write_outputs(design, result, run_info, out_dir, checks)
    _stop_if_cut_short(result.state, out_dir)
    if not print_gate(out, design, result, checks):
        raise typer.Exit(1)


corpus_app = typer.Typer(no_args_is_help=True, help="Work on corpus files.")
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("minimize")
def corpus_minimize(
    corpus: Corpus,
    to: Annotated[Optional[Path], typer.Option("--out", help="Where to write it (default: CORPUS.min.json).")] = None,
) -> None:
    """Keep a smallest set of sequences that covers the same points (greedy set cover)."""
    from verilogreader.engine.minimize import minimize
    from verilogreader.store.corpus import load_corpus, save_corpus

    loaded = load_corpus(corpus)
    smaller = minimize(loaded)
    target = to or corpus.with_suffix(".min.json")
    save_corpus(target, smaller)
    out.print(
        f"{len(loaded.sequences)} -> {len(smaller.sequences)} sequences, "
        f"{loaded.cycles:,} -> {smaller.cycles:,} cycles, covering the same {len(smaller.covered())} points: {shown(target)}",
        highlight=False,
    )


@app.command("export-test")
def export_test(
    corpus: Corpus,
    files: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Design files (default: the files the corpus was recorded on).", show_default=False),
    ] = None,
    top: Top = None,
    include: Includes = [],
    define: Defines = [],
    param: Params = [],
    clock: Clock = None,
    reset: Reset = None,
    reset_active_low: ResetLow = None,
    to: Annotated[Path, typer.Option("--out", help="The cocotb test module to write.")] = Path("test_regression.py"),
) -> None:
    """Write a standalone cocotb test module (no verilogreader needed) that replays the corpus."""
    from verilogreader.design.model import Direction
    from verilogreader.report.regression_test import render_regression_test
    from verilogreader.store.atomic import write_text
    from verilogreader.store.corpus import load_corpus

    loaded = load_corpus(corpus)
    recorded = loaded.design
    if not files:
        files = [Path(f) for f in recorded.get("files", [])]
        top = top or recorded.get("top")
        define = define or [f"{k}={v}" for k, v in recorded.get("defines", {}).items()]
        param = param or [f"{k}={v}" for k, v in recorded.get("parameters", {}).items()]
        clock = clock or recorded.get("clock")
        reset = reset or recorded.get("reset")
        reset_active_low = reset_active_low if reset_active_low is not None else recorded.get("reset_active_low")
    design = _read(files, top, include, define, param, clock, reset, reset_active_low)
    text = render_regression_test(
        loaded,
        clock=design.clock_reset.clock,
        reset=design.clock_reset.reset,
        reset_active_low=design.clock_reset.reset_active_low,
        inputs=[p.name for p in design.driven_inputs],
        outputs=[p.name for p in design.ports if p.direction is Direction.OUTPUT],
        module=to.stem,
    )
    write_text(to, text)
    out.print(f"wrote {shown(to)}: {len(loaded.sequences)} sequences; run it with: python {shown(to)}", highlight=False)


def _cut_short(state) -> bool:
    """Interrupted, or nothing could be simulated: either way there is no verdict."""
    from verilogreader.engine.campaign import StopReason

    return state.stop_reason in (StopReason.INTERRUPTED, StopReason.NOTHING_SIMULATED)


def _stop_if_cut_short(state, out_dir: Path) -> None:
    """The engine ends such a replay normally (so its results are saved); then exit as interrupted,
    or as the tool error it is when every simulator batch failed."""
    from verilogreader.engine.campaign import StopReason

    if state.stop_reason is StopReason.INTERRUPTED:
        raise KeyboardInterrupt
    if state.stop_reason is StopReason.NOTHING_SIMULATED:
        raise SimulationFailed(
            f"{state.stop_reason.value} (last failure: {state.stop_detail or 'not reported'}); "
            f"the replay is recorded in {out_dir / 'results.json'}"
        )


def _load_stimuli(path: Path, design):
    from verilogreader.stimuli.schema import validate_sequences

    from verilogreader.store.atomic import read_json

    document = read_json(path, "stimulus file")
    sequences, issues = validate_sequences(document, design)
    if issues:
        listed = "\n".join(f"  {issue}" for issue in issues[:20])
        more = f"\n  ... and {len(issues) - 20} more" if len(issues) > 20 else ""
        raise StimulusError(f"{path}: {len(issues)} problem(s) in the stimuli:\n{listed}{more}")
    return sequences


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a run as Ctrl-C does: saved, stopped, exit code 2


def _interrupted() -> None:
    from verilogreader.sim.process import stop_all

    stop_all()  # simulators of other threads (bench cells) end now, not at their time limit
    err.print("interrupted")
    sys.exit(EXIT_INTERRUPTED)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        code = app(standalone_mode=False)  # a typer.Exit comes back as its exit code here
    except VerilogReaderError as error:
        err.print("[bold red]error:[/]", shown(error), highlight=False)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        _interrupted()
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:
        # Usage errors of the (vendored) click parser: they know how to show themselves.
        if callable(getattr(error, "show", None)) and hasattr(error, "exit_code"):
            error.show()
            sys.exit(2)
        raise
    if code == TYPER_INTERRUPTED:
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


TYPER_INTERRUPTED = 130  # typer turns Ctrl-C into this exit code; ours is 2, with a message
EXIT_INTERRUPTED = 2
