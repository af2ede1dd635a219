"""`verilogreader replay` and `verilogreader gate`: replay a corpus, report, and judge it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from verilogreader.design.model import Design
from verilogreader.engine.replay import Replay, replay_corpus
from verilogreader.errors import StoreError, UsageError
from verilogreader.report.annotate import uncovered_excerpts
from verilogreader.coverage.matching import PointShape, match_points
from verilogreader.report.documents import READABLE_VERSIONS, RESULTS_FORMAT, arm_digest, design_identity, results_document
from verilogreader.report.exports import EXPORTS, GateCheck
from verilogreader.report.safe_text import shown
from verilogreader.report.tables import excerpts_as_rich, summary_table, unobserved_text
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
        out.print(f"[yellow]problem:[/] {shown(problem)}", highlight=False)
    unobserved = unobserved_text(design, state.coverage, simulator_name)
    if unobserved is not None:
        out.print(unobserved)
    for lost in replay.lost[:20]:
        out.print(f"[yellow]sequence {lost.sequence} no longer covers:[/] {shown(', '.join(sorted(lost.points)))}", highlight=False)
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
        results["checks"] = [
            {"name": c.name, "passed": c.passed, "message": c.message, **({"details": c.details} if c.details else {})}
            for c in checks
        ]
    write_json(out_dir / "results.json", results)
    for name, render in EXPORTS.items():
        write_text(out_dir / name, render(results, checks))
    return results


def gate_checks(
    replay: Replay, min_reachable: float, baseline_path: Path | None, design: Design | None = None
) -> list[GateCheck]:
    """The verdicts; a baseline needs the design, to find its branches again after edits."""
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
        if design is None:
            raise TypeError("a baseline needs the design")
        checks.append(_regression_check(design, coverage, baseline_path))
    return checks


def _regression_check(design: Design, coverage, path: Path) -> GateCheck:
    """Baseline branches are found again by what they are (coverage/matching.py), not by id."""
    baseline = _load_baseline(path, design)
    points = baseline["points"]
    current = [
        PointShape(p.id, p.module, p.kind.value, p.condition, p.parent, arm_digest(design, p)) for p in design.branch_points
    ]
    found = match_points([_shape(p) for p in points], current)
    reachable = set(coverage.reachable)
    was_covered = [p["id"] for p in points if p.get("covered")]
    compared = [found.pairs[b] for b in was_covered if found.pairs.get(b) in reachable]
    lost = [c for c in compared if c not in coverage.covered]
    unmatched = list(found.unmatched)
    unmatched_covered = [b for b in unmatched if b in set(was_covered)]
    if lost:
        message = f"lost {len(lost)} of the {len(compared)} branch(es) covered in {path}: {_listed(lost)}"
    else:
        message = f"every one of the {len(compared)} branch(es) covered in {path} is still covered"
    if unmatched:
        message += (
            f"; {len(unmatched)} baseline branch(es) could not be found in this design "
            f"({len(unmatched_covered)} of them covered, not compared): {_listed(unmatched)}"
        )
    return GateCheck(
        name="no coverage regression against the baseline",
        passed=not lost,
        message=message,
        details={"baseline": str(path), "compared": len(compared), "lost": lost, "unmatched": unmatched,
                 "unmatched_covered": unmatched_covered},
    )


def _shape(point: dict) -> PointShape:
    return PointShape(point["id"], point["module"], point["kind"], point["condition"], point.get("parent"),
                      point.get("arm_digest"))


def _listed(ids: list[str], most: int = 10) -> str:
    return ", ".join(ids[:most]) + (f" ... and {len(ids) - most} more" if len(ids) > most else "")


def print_gate(out: Console, design: Design, replay: Replay, checks: list[GateCheck]) -> bool:
    passed = all(c.passed for c in checks)
    for check in checks:
        mark = "[green]PASS[/]" if check.passed else "[red]FAIL[/]"
        out.print(f"{mark} {escape(check.name)}: {escape(check.message)}", highlight=False)
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
            f"[yellow]note:[/] the design's {', '.join(what[k] for k in changed)} changed since {shown(path)} was made; "
            "replaying anyway and reporting sequences that lost coverage",
            highlight=False,
        )


def _load_baseline(path: Path, design: Design) -> dict:
    """A results.json of this design (any readable version); another design's is refused."""
    document = read_json(path, "baseline")
    if not isinstance(document, dict) or document.get("format") != RESULTS_FORMAT:
        raise StoreError(f"{path} is not a VerilogReader results.json")
    version = document.get("version")
    if version not in READABLE_VERSIONS:
        readable = " and ".join(map(str, READABLE_VERSIONS))
        raise StoreError(f"{path} is a results.json of version {version!r}; this VerilogReader reads versions {readable}")
    points = document.get("points")
    if not isinstance(points, list) or not all(isinstance(p, dict) and {"id", "module", "kind", "condition"} <= p.keys() for p in points):
        raise StoreError(f"{path}: its 'points' are not the points of a results.json")
    top = (document.get("design") or {}).get("top")
    if top != design.top:
        raise UsageError(f"{path} is a baseline of top module {top!r}, not {design.top!r}: compare a design with its own results")
    modules = {p["module"] for p in points}
    if points and not modules & set(design.modules):
        raise UsageError(f"{path} is a baseline of other modules ({', '.join(sorted(modules))}) than {design.top}'s")
    return document
