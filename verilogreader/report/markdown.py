"""Markdown summary (`summary.md`) of a results document, for a CI job page (GitHub's
`$GITHUB_STEP_SUMMARY`, GitLab/Gitea comments): totals, gate checks, uncovered branches and
the branches the simulator cannot observe (never counted as uncovered)."""

from __future__ import annotations

import re
from typing import Any

from verilogreader.report.cobertura import source_root
from verilogreader.report.junit import GateCheck, clean
from verilogreader.report.lcov import counted


def _one_line(value: object) -> str:
    return clean(" ".join(str(value).split()))


def text(value: object) -> str:
    """Plain table-cell text: Markdown punctuation backslash-escaped, one line."""
    return re.sub(r"([\\`*_\[\]<>|#!~&])", r"\\\1", _one_line(value))


def code(value: object) -> str:
    """A code span safe in a table cell: a backtick fence longer than any run inside it, and
    `|` escaped (GitHub splits cells before reading code spans)."""
    body = _one_line(value).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", body)), default=0) + 1)
    pad = " " if "`" in body else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _fraction(hit: int, total: int) -> str:
    return f"{hit} / {total} ({100 * hit / total:.1f}%)" if total else "0 / 0"


def _title(results: dict[str, Any], checks: list[GateCheck] | None) -> str:
    title = f"VerilogReader branch coverage: {text(results['design']['top'])}"
    if checks:
        title = ("✅ " if all(c.passed for c in checks) else "❌ ") + title
    return f"## {title}"


def _totals(results: dict[str, Any]) -> list[str]:
    totals, run = results["totals"], results.get("run", {})
    rows = [
        ("reachable branches covered", _fraction(totals["reachable_covered"], totals["reachable"])),
        # raw is over the observed points, as raw_percent: an unobserved point is no hole
        ("all branches covered (raw)", _fraction(totals["covered"], totals["points"] - totals.get("unobserved", 0))),
        ("unreachable branches", totals["unreachable"]),
        ("unobserved branches (not counted)", totals.get("unobserved", 0)),
        ("cycles", results["cycles"]),
        ("sequences", results["sequences"]),
        ("simulator", run.get("simulator", "?")),
        ("strategy", run.get("strategy", "?")),
        ("stopped because", results.get("stop_reason", "?")),
    ]
    return ["| | |", "| --- | --- |", *(f"| {text(k)} | {text(v)} |" for k, v in rows)]


def _checks(checks: list[GateCheck]) -> list[str]:
    rows = [f"| {text(c.name)} | {'✅ pass' if c.passed else '❌ fail'} | {text(c.message)} |" for c in checks]
    return ["### Gate checks", "", "| check | result | details |", "| --- | --- | --- |", *rows]


def _location(point: dict[str, Any], names: dict[str, str]) -> str:
    return f"{names[point['file']]}:{point['line']}:{point['column']}"


def _uncovered(results: dict[str, Any], max_uncovered: int) -> list[str]:
    missing = [p for p in results["points"] if counted(p) and not p["hits"]]
    if not missing:
        return ["All reachable branches are covered."]
    _, names = source_root(sorted({p["file"] for p in results["points"]}))
    rows = [
        f"| {code(p['id'])} | {text(p['kind'])} | {code(_location(p, names))} | {code(p['condition'])} |"
        for p in missing[:max_uncovered]
    ]
    out = [f"### Uncovered reachable branches ({len(missing)})", "",
           "| id | kind | location | condition |", "| --- | --- | --- | --- |", *rows]
    if len(missing) > max_uncovered:
        out += ["", f"... and {len(missing) - max_uncovered} more"]
    return out


def _unobserved(results: dict[str, Any]) -> list[str]:
    points = [p for p in results["points"] if p.get("unobserved") is not None]
    if not points:
        return []
    simulator = results.get("run", {}).get("simulator") or "the simulator"
    rows = [f"| {code(p['id'])} | {code(p['condition'])} | {text(p['unobserved'])} |" for p in points]
    return [f"### Branches {text(simulator)} cannot observe ({len(points)}, not counted)", "",
            "| id | condition | why |", "| --- | --- | --- |", *rows]


def to_markdown(results: dict[str, Any], checks: list[GateCheck] | None = None, *, max_uncovered: int = 50) -> str:
    """The summary: title (with ✅/❌ when gate checks are given), totals, checks, and the
    uncovered reachable branches, at most `max_uncovered` of them listed."""
    parts = [[_title(results, checks)], _totals(results)]
    if checks:
        parts.append(_checks(checks))
    parts.append(_uncovered(results, max_uncovered))
    if unobserved := _unobserved(results):
        parts.append(unobserved)
    return "\n\n".join("\n".join(p) for p in parts) + "\n"
