"""`verilogreader replay` and `verilogreader gate`: replay a corpus, report, and judge it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from verilogreader.design.model import Design
from verilogreader.engine.replay import Replay, replay_corpus
from verilogreader.errors import StoreError, UsageError
from verilogreader.report.annotate import uncovered_excerpts
from verilogreader.report.documents import design_identity, results_document
from verilogreader.report.exports import EXPORTS, GateCheck
from verilogreader.report.tables import excerpts_as_rich, summary_table
from verilogreader.store.atomic import read_json, write_json, write_text
from verilogreader.store.corpus import Corpus, load_corpus


def execute_replay(design: Design, corpus_path: Path, *, out: Console, sim: str | None, out_dir: Path, timeout: float) -> Replay:
    """Replay the corpus, print what it covers and what changed, write results and exports."""
    from verilogreader.sim.registry import make_simulator

    corpus = load_corpus(corpus_path)
    _check_same_design(corpus, corpus_path, design, out)
    simulator_name = sim or corpus.simulator
    simulator = make_simulator(simulator_name, design, out_dir / "work", timeout_s=timeout)
    replay = replay_corpus(design, simulator, corpus)
    state = replay.state
    out.print(
        summary_table(
            state.coverage,
            {"sequences": f"{len(corpus.sequences):,}", "cycles": f"{state.cycles:,}", "wall time": f"{state.seconds:.1f} s"},
        )
    )
    for problem in dict.fromkeys(state.problems):
        out.print(f"[yellow]problem:[/] {problem}", highlight=False)
    for lost in replay.lost[:20]:
        out.print(f"[yellow]sequence {lost.sequence} no longer covers:[/] {', '.join(sorted(lost.points))}", highlight=False)
    if len(replay.lost) > 20:
        out.print(f"[yellow]... and {len(replay.lost) - 20} more sequences lost coverage[/]")
    if replay.vanished:
        out.print(f"[yellow]{len(replay.vanished)} recorded points are no longer branch points of the design[/]")
    out.print(f"reachable coverage: {state.coverage.reachable_percent:.1f}%", highlight=False)
    return replay


def write_outputs(design: Design, replay: Replay, run: dict, out_dir: Path, checks: list[GateCheck] | None) -> dict:
    results = results_document(design, replay.state, run)
    results["lost"] = [{"sequence": lost.sequence, "points": sorted(lost.points)} for lost in replay.lost]
    if checks is not None:
        results["checks"] = [{"name": c.name, "passed": c.passed, "message": c.message} for c in checks]
    write_json(out_dir / "results.json", results)
    for name, render in EXPORTS.items():
        write_text(out_dir / name, render(results, checks))
    return results


def gate_checks(replay: Replay, min_reachable: float, baseline_path: Path | None) -> list[GateCheck]:
    coverage = replay.state.coverage
    percent = coverage.reachable_percent
    checks = [
        GateCheck(
            name=f"reachable coverage >= {min_reachable:g}%",
            passed=percent >= min_reachable,
            message=f"reachable coverage is {percent:.1f}% ({coverage.reachable_covered}/{len(coverage.reachable)})",
        )
    ]
    if replay.state.problems:
        checks.append(GateCheck("replay ran cleanly", False, "; ".join(dict.fromkeys(replay.state.problems))))
    if baseline_path is not None:
        baseline = _load_baseline(baseline_path)
        reachable = set(coverage.reachable)
        before = {p["id"] for p in baseline["points"] if p.get("covered")} & reachable
        lost = sorted(before - coverage.covered)
        checks.append(
            GateCheck(
                name="no coverage regression against the baseline",
                passed=not lost,
                message=f"lost {len(lost)} branch(es) covered in {baseline_path}: {', '.join(lost[:10])}"
                + (" ..." if len(lost) > 10 else "")
                if lost
                else f"every branch covered in {baseline_path} is still covered",
            )
        )
    return checks


def print_gate(out: Console, design: Design, replay: Replay, checks: list[GateCheck]) -> bool:
    passed = all(c.passed for c in checks)
    for check in checks:
        mark = "[green]PASS[/]" if check.passed else "[red]FAIL[/]"
        out.print(f"{mark} {check.name}: {check.message}", highlight=False)
    excerpts = uncovered_excerpts(design, replay.state.coverage)
    if excerpts:
        out.print("\n[bold]Uncovered reachable branches[/]")
        out.print(excerpts_as_rich(excerpts))
    out.print("[green]gate passed[/]" if passed else "[red]gate failed[/]")
    return passed


def _check_same_design(corpus: Corpus, path: Path, design: Design, out: Console) -> None:
    recorded = corpus.design
    if recorded.get("top") != design.top:
        raise UsageError(f"{path} is a corpus for top module {recorded.get('top')!r}, not {design.top!r}")
    now = design_identity(design)
    changed = [key for key in ("sha256", "parameters", "defines") if recorded.get(key) != now[key]]
    if changed:
        what = {"sha256": "sources", "parameters": "parameters", "defines": "defines"}
        out.print(
            f"[yellow]note:[/] the design's {', '.join(what[k] for k in changed)} changed since {path} was made; "
            "replaying anyway and reporting sequences that lost coverage",
            highlight=False,
        )


def _load_baseline(path: Path) -> dict:
    document = read_json(path, "baseline")
    if not isinstance(document, dict) or document.get("format") != "verilogreader.results":
        raise StoreError(f"{path} is not a VerilogReader results.json")
    return document
