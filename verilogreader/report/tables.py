"""Rich tables (renderables, no printing) for `inspect` and the end of `run`."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from verilogreader.coverage.model import CoverageMap
from verilogreader.design.model import Design
from verilogreader.report.annotate import Excerpt, describe
from verilogreader.report.safe_text import cell, printable


def _add(table: Table, *values: str) -> None:
    """A row of design or run text (names, conditions, reasons): shown as written, never as markup."""
    table.add_row(*map(cell, values))


def design_tables(design: Design) -> list[Table]:
    cr = design.clock_reset
    summary = Table(title=cell(f"Design {design.top}"), show_header=False)
    _add(summary, "files", ", ".join(design.files))
    _add(summary, "modules", ", ".join(design.modules))
    _add(summary, "clock", cr.clock or "none (combinational)")
    polarity = "active-low" if cr.reset_active_low else "active-high"
    _add(summary, "reset", f"{cr.reset} ({polarity})" if cr.reset else "none")
    reachable = len(design.reachable_points)
    _add(summary, "branch points", f"{len(design.branch_points)} ({reachable} reachable)")

    ports = Table(title="Ports")
    for column in ("name", "direction", "width", "signed"):
        ports.add_column(column)
    for port in design.ports:
        _add(ports, port.name, port.direction.value, str(port.width), "yes" if port.signed else "")

    tables = [summary, ports]
    if design.parameters:
        params = Table(title="Parameters")
        for column in ("name", "value", "local"):
            params.add_column(column)
        for p in design.parameters:
            _add(params, p.name, p.text, "yes" if p.local else "")
        tables.append(params)
    if len(design.instances) > 1:
        instances = Table(title="Instances")
        instances.add_column("path")
        instances.add_column("module")
        for inst in design.instances:
            _add(instances, inst.path or "(top)", inst.module)
        tables.append(instances)

    points = Table(title="Branch points")
    points.add_column("id", no_wrap=True)
    for column in ("kind", "condition", "unreachable"):
        points.add_column(column, overflow="fold")
    for b in design.branch_points:
        _add(points, b.id, b.kind.value, b.condition, b.unreachable or "")
    tables.append(points)

    if design.constants:
        constants = Table(title="Constants dictionary")
        for column in ("value", "width", "as written", "compared with", "line"):
            constants.add_column(column)
        for c in design.constants:
            _add(constants, str(c.value), str(c.width or ""), c.text, c.signal or "", str(c.line or ""))
        tables.append(constants)
    return tables


def summary_table(coverage: CoverageMap, rows: dict[str, str]) -> Table:
    table = Table(title="Coverage", show_header=False)
    _add(table, "reachable", f"{coverage.reachable_covered}/{len(coverage.reachable)} ({coverage.reachable_percent:.1f}%)")
    _add(table, "raw", f"{len(coverage.covered)}/{len(coverage.observed)} ({coverage.raw_percent:.1f}%)")
    _add(table, "unreachable", str(len(coverage.unreachable)))
    _add(table, "unobserved", f"{len(coverage.unobserved)} (the simulator cannot see them; not counted)")
    for key, value in rows.items():
        _add(table, key, value)
    return table


def unobserved_text(design: Design, coverage: CoverageMap, simulator: str) -> Text | None:
    """The points the simulator cannot observe, each with its reason (plain Text: a condition
    such as `a[3]` must not be read as markup)."""
    if not coverage.unobserved:
        return None
    text = Text(f"Not observable on {simulator} ({len(coverage.unobserved)}; not counted as holes)\n", style="bold yellow")
    for point in design.branch_points:
        if point.id in coverage.unobserved:
            text.append(printable(f"  {point.id} when {point.condition}: {coverage.unobserved[point.id]}") + "\n")
    return text


def excerpts_as_rich(excerpts: list[Excerpt]) -> Text:
    text = Text()
    for excerpt in excerpts:
        text.append(f"{printable(excerpt.file)}\n", style="bold")
        for line in excerpt.lines:
            if line is None:
                text.append("      ...\n", style="dim")
                continue
            style = "red" if line.marks else "dim"
            text.append(f"{line.number:5d} │ ", style=style)
            text.append(f"{printable(line.text)}\n", style="bold" if line.marks else "")  # an ESC in a comment stays out
            for point in line.marks:
                text.append(f"      │ {' ' * max(point.column - 1, 0)}^ {printable(describe(point))}\n", style="red")
    return text


def bench_summary_table(bench) -> Table:
    """The suite summary: median final reachable coverage per design and strategy."""
    from verilogreader.bench import stats

    summary = stats.suite(bench)
    table = Table(title=f"Bench: median reachable coverage (%) over seeds {bench.seeds}, {bench.wall_seconds:,.0f} s")
    table.add_column("design")
    for strategy in summary.strategies:
        table.add_column(strategy, justify="right")
    for design in summary.designs:
        best = summary.best(design)
        cells = [summary.final.get((design, s)) for s in summary.strategies]
        table.add_row(
            cell(design),
            *("-" if v is None else f"[bold]{v:.1f}[/]" if s in best else f"{v:.1f}" for s, v in zip(summary.strategies, cells)),
        )
    table.add_row("[bold]mean[/]", *(f"{summary.mean[s]:.1f}" for s in summary.strategies))
    return table


def found_by_one_only(bench) -> list[str]:
    """Per design, the points one strategy covered and no other did in any seed: what a
    strategy adds, e.g. `seq_lock: only llm covered seq_lock.v:35 case-item (3/3 seeds)`."""
    from verilogreader.bench import stats

    lines = []
    for design in stats.suite(bench).designs:
        alone: dict[str, list[str]] = {}
        for finder in stats.first_finders(bench, design):
            by = [s for s, (hits, _) in finder.found.items() if hits]
            if len(finder.found) > 1 and len(by) == 1:
                hits, runs = finder.found[by[0]]
                alone.setdefault(by[0], []).append(f"{finder.label} ({hits}/{runs} seeds)")
        lines += [f"{design}: only {strategy} covered {', '.join(points)}" for strategy, points in alone.items()]
    return lines
