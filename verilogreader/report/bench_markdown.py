"""Markdown report of a bench: the fairness rules, the suite summary, per design the
time-to-coverage table and the first finders, and optionally the changes against an older bench.

The number formatters are shared with the HTML report so both show the same figures.
"""

from __future__ import annotations

import math

from verilogreader.bench import stats
from verilogreader.bench.model import LLM_FACTS, Bench
from verilogreader.report.markdown import code, text

NOT_REACHED = "-"


def fmt_percent(value: float) -> str:
    return f"{value:.1f}"


def fmt_count(value: float | None) -> str:
    """Cycles, calls, tokens: thousands separators; a median of two seeds may end in .5."""
    if value is None or math.isinf(value):
        return NOT_REACHED
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def fmt_seconds(value: float | None) -> str:
    return NOT_REACHED if value is None else f"{value:,.1f} s"


def fmt_duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{seconds:.1f} s"


def fmt_final(row: stats.Row) -> str:
    return f"{fmt_percent(row.final)} ({fmt_percent(row.final_min)}-{fmt_percent(row.final_max)})"


def fmt_reach(reach: stats.Reach) -> str:
    seeds = f"({reach.reached}/{reach.seeds})"
    if not reach.reached:
        return f"{NOT_REACHED} {seeds}"
    costs = [fmt_count(reach.cycles), fmt_count(reach.llm_calls), fmt_count(reach.tokens), fmt_seconds(reach.seconds)]
    return f"{' / '.join(costs)} {seeds}"


def fmt_speed_up(speed: stats.SpeedUp | None) -> str:
    if speed is None:
        return NOT_REACHED
    if speed.median is None:
        return "not reached"
    return f"{speed.median:.2f}x ({speed.reached}/{speed.seeds})"


def fmt_found(finder: stats.FirstFinder) -> str:
    return ", ".join(f"{s} {hit}/{run}" for s, (hit, run) in finder.found.items())


def fmt_seeds(seeds: list[int]) -> str:
    return ", ".join(str(s) for s in seeds)


def fairness_rules(bench: Bench) -> list[tuple[str, str]]:
    """(rule, plain text) pairs; the unreachable points of each design follow the last rule."""
    settings = bench.settings
    llm = [s for s in bench.strategies if s in stats.LLM_STRATEGIES]
    if llm:
        calls = settings.llm_calls
        limit = f"at most {calls:,} LLM calls per cell" if calls is not None else "LLM calls without a limit"
        shown = {k: v for k, v in (settings.llm or {}).items() if k in LLM_FACTS and v is not None}
        model = ", ".join(f"{k}={v}" for k, v in shown.items()) or "model not recorded"
        budget = f"{', '.join(llm)} may make {limit} ({model}); their calls, tokens and wall time are reported."
        if settings.prompts:
            budget += f" Prompt templates from {settings.prompts}."
    else:
        budget = "no strategy calls an LLM."
    return [
        ("Same cycle budget", f"every strategy gets {settings.budget_cycles:,} cycles per cell."),
        ("LLM budget", budget),
        ("Same simulator and seeds", f"{settings.simulator}; seeds {fmt_seeds(bench.seeds)} for every strategy."),
        ("Reachable points only", "points proven unreachable, and points the simulator cannot observe, are "
         "excluded from the denominator:"),
    ]


HOW_TO_READ = [
    ("Final %", "reachable points covered at the end, median over seeds (min-max)."),
    ("To 90% / to 100%", "cycles / LLM calls / tokens / wall seconds until that share of the reachable points "
     f"was covered, median over the seeds that got there (seeds reached); {NOT_REACHED} when no seed did."),
    ("Speed-up vs random", "per seed, the cycles random needed to reach its own final coverage divided by the "
     "cycles this strategy needed to reach the same count; median over the seeds that reached it "
     f"(seeds reached), \"not reached\" when none did, {NOT_REACHED} when the design has no random cell."),
    ("First finder", "the strategy with the smallest median cycles to first cover the point (a seed that never "
     "covered it counts as infinitely late); ties go to the strategy found in more seeds, then to the bench's "
     "strategy order."),
]


def machine(bench: Bench) -> str:
    return ", ".join(f"{k}: {v}" for k, v in bench.machine.items()) or "not recorded"


def bench_markdown(bench: Bench, compare_to: Bench | None = None, *, old_name: str = "the previous bench") -> str:
    """The report; with `compare_to`, a section of changes against it, called `old_name`."""
    parts = [
        [f"# VerilogReader bench: {len(stats.designs(bench))} designs, {len(bench.strategies)} strategies, "
         f"{len(bench.seeds)} seeds"],
        _fairness(bench),
        _how_to_read(),
        _suite(bench),
    ]
    parts += [_design(bench, design) for design in stats.designs(bench)]
    if compare_to is not None:
        parts.append(_changes(stats.compare(compare_to, bench), old_name))
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [f"| {' | '.join(header)} |", f"|{' --- |' * len(header)}", *(f"| {' | '.join(r)} |" for r in rows)]


def _fairness(bench: Bench) -> list[str]:
    lines = ["## Fairness rules", "", *(f"- **{rule}**: {text(body)}" for rule, body in fairness_rules(bench))]
    for design in stats.designs(bench):
        info = bench.designs.get(design)
        excluded = excluded_points(info)
        lines.append(f"  - {text(design)}:" + ("" if excluded else " none"))
        lines += [f"    - {code(point)}: {text(reason)}" for point, reason in excluded.items()]
    return lines


def excluded_points(info) -> dict[str, str]:
    """Point -> why it is not in the design's denominator: unreachable, or unobserved."""
    if info is None:
        return {}
    unobserved = {p: f"unobserved: {why}" for p, why in info.unobserved.items() if p not in info.unreachable}
    return {**info.unreachable, **unobserved}


def _how_to_read() -> list[str]:
    return ["## How to read", "", *(f"- **{term}**: {text(body)}" for term, body in HOW_TO_READ)]


def _suite(bench: Bench) -> list[str]:
    summary = stats.suite(bench)
    rows = []
    for design in summary.designs:
        best = summary.best(design)
        cells = []
        for s in summary.strategies:
            value = summary.final.get((design, s))
            shown = NOT_REACHED if value is None else fmt_percent(value)
            cells.append(f"**{shown}**" if s in best else shown)
        rows.append([text(design), *cells])
    rows.append(["**mean**", *(fmt_percent(summary.mean[s]) for s in summary.strategies)])
    rows.append(["**designs best on**", *(str(summary.wins[s]) for s in summary.strategies)])
    return [
        "## Suite summary", "",
        "Median final reachable coverage (%); the best of each design in bold.", "",
        *_table(["design", *(text(s) for s in summary.strategies)], rows), "",
        f"Bench wall time: {fmt_duration(bench.wall_seconds)}. Machine: {text(machine(bench))}.",
        *(["", "Not benched (the design could not be read or built):", ""] if bench.skipped else []),
        *(f"- {text(name)}: {text(reason)}" for name, reason in bench.skipped.items()),
        *(["", "Cells without a result (rerun the same command to retry them):", ""] if bench.failed else []),
        *(f"- {text(cell)}: {text(reason)}" for cell, reason in bench.failed.items()),
    ]


def _design(bench: Bench, design: str) -> list[str]:
    info = bench.designs.get(design)
    rows = [
        [text(r.strategy), fmt_final(r), *(fmt_reach(x) for x in r.reach), fmt_speed_up(r.speed_up)]
        for r in stats.design_rows(bench, design)
    ]
    reach_headers = [f"to {level}%: cycles / LLM calls / tokens / wall s (seeds reached)" for level in stats.LEVELS]
    facts = (
        f"{len(info.points)} reachable points, {len(info.unreachable)} unreachable, {len(info.unobserved)} unobserved."
        if info
        else "Design facts not recorded."
    )
    lines = [
        f"## Design {text(design)}", "", facts, "",
        *_table(["strategy", "final % median (min-max)", *reach_headers, "speed-up vs random"], rows),
    ]
    finders = stats.first_finders(bench, design)
    if finders:
        lines += ["", "### First finders", "", *_table(
            ["point", "first found by", "median cycles", "found by (seeds)"],
            [[code(f.label), text(f.strategy), fmt_count(f.cycles), text(fmt_found(f))] for f in finders],
        )]
    return lines


def _changes(comparison: stats.Comparison, old_name: str) -> list[str]:
    rows = [
        [text(c.design), text(c.strategy), fmt_percent(c.old_final), fmt_percent(c.new_final), f"{c.delta:+.1f}",
         fmt_count(c.old_cycles), fmt_count(c.new_cycles), "**REGRESSION**" if c.regression else ""]
        for c in comparison.changes
    ]
    lines = [
        f"## Changes against {text(old_name)}", "",
        *_table(["design", "strategy", "old final %", "new final %", "delta", "old cycles to 100%",
                 "new cycles to 100%", ""], rows),
    ]
    for title, only in (("Only in the old bench", comparison.only_old), ("Only in the new bench", comparison.only_new)):
        if only:
            lines += ["", f"{title}:", ""]
            lines += [f"- {text(d)} / {text(s)}: seeds {fmt_seeds(seeds)}" for (d, s), seeds in only.items()]
    return lines
