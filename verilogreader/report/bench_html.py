"""HTML report of a bench: one self-contained file (inline CSS, charts embedded as data: URIs,
no scripts, no external URL) with the content of the Markdown report plus its charts.

Figures are computed by bench.stats and formatted with the Markdown report's formatters, so
both reports always show the same numbers; the template only lays them out.
"""

from __future__ import annotations

import base64
from importlib import resources
from typing import Any

import jinja2

from verilogreader.bench import stats
from verilogreader.bench.model import Bench
from verilogreader.report import bench_markdown as fmt
from verilogreader.report import bench_plots

TEMPLATE = "bench_report.html.j2"


def bench_html(bench: Bench, compare_to: Bench | None = None, *, old_name: str = "the previous bench") -> str:
    """The report; with `compare_to`, a section of changes against it, called `old_name`."""
    summary = stats.suite(bench)
    facts: dict[str, Any] = {
        "bench": bench,
        "designs": stats.designs(bench),
        "fairness": fmt.fairness_rules(bench),
        "how_to_read": fmt.HOW_TO_READ,
        "levels": stats.LEVELS,
        "summary": summary,
        "summary_rows": [_summary_row(summary, d) for d in summary.designs],
        "summary_png": _data_uri(bench_plots.suite_chart(bench)),
        "wall_time": fmt.fmt_duration(bench.wall_seconds),
        "machine": fmt.machine(bench),
        "sections": [_section(bench, d) for d in stats.designs(bench)],
        "comparison": stats.compare(compare_to, bench) if compare_to is not None else None,
        "old_name": old_name,
        "fmt": fmt,
    }
    return _template().render(**facts)


def _summary_row(summary: stats.Suite, design: str) -> dict[str, Any]:
    best = summary.best(design)
    cells = [
        (fmt.NOT_REACHED if (value := summary.final.get((design, s))) is None else fmt.fmt_percent(value), s in best)
        for s in summary.strategies
    ]
    return {"design": design, "cells": cells}


def _section(bench: Bench, design: str) -> dict[str, Any]:
    llm_png = bench_plots.coverage_vs_llm_calls(bench, design)
    return {
        "name": design,
        "info": bench.designs.get(design),
        "rows": stats.design_rows(bench, design),
        "finders": stats.first_finders(bench, design),
        "cycles_png": _data_uri(bench_plots.coverage_vs_cycles(bench, design)),
        "llm_png": _data_uri(llm_png) if llm_png else None,
    }


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _template() -> jinja2.Template:
    text = resources.files("verilogreader.report").joinpath(TEMPLATE).read_text()
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(text)
