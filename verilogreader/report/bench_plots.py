"""PNG charts of a bench: per design, coverage against cycles and against LLM calls; for the
suite, the median final coverage of every design x strategy.

Each figure gets its own Agg canvas (no pyplot state, safe without a display) and is kept
small, so an HTML report embedding every chart of a 15-design suite stays a few MB.
matplotlib's UserWarnings about a chart's looks (an empty legend, a collapsed axis) are
silenced: they leaked into the bench's output, and a chart with no data is still a chart.
"""

from __future__ import annotations

import functools
import warnings
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from verilogreader.bench import stats
from verilogreader.bench.model import Bench

SIZE = (6.0, 3.5)  # inches
DPI = 90


def _quiet(render):
    @functools.wraps(render)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings():  # reports are drawn in the main thread only
            warnings.simplefilter("ignore", UserWarning)
            return render(*args, **kwargs)

    return quiet


@_quiet
def coverage_vs_cycles(bench: Bench, design: str) -> bytes:
    """Median covered % against cycles with a min-max band over seeds, every strategy; the x axis
    is logarithmic because most points are found early."""
    return _coverage(bench, design, stats.strategies(bench), "cycles", log=True)


@_quiet
def coverage_vs_llm_calls(bench: Bench, design: str) -> bytes | None:
    """The same against LLM calls, for the strategies that call an LLM; None when none ran."""
    names = [s for s in stats.strategies(bench) if s in stats.LLM_STRATEGIES and bench.cells_of(design, s)]
    return _coverage(bench, design, names, "llm_calls", log=False) if names else None


@_quiet
def suite_chart(bench: Bench) -> bytes:
    """Grouped bars: per design, the median final reachable % of each strategy."""
    summary = stats.suite(bench)
    figure = Figure(figsize=(max(SIZE[0], 0.5 * len(summary.designs)), SIZE[1]), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / max(len(summary.strategies), 1)
    colors = _colors(bench)
    for index, strategy in enumerate(summary.strategies):
        values = [summary.final.get((d, strategy), 0.0) for d in summary.designs]
        positions = [d + (index - (len(summary.strategies) - 1) / 2) * width for d in range(len(values))]
        axes.bar(positions, values, width, label=strategy, color=colors[strategy])
    axes.set_xticks(range(len(summary.designs)), summary.designs, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(0, 105)
    axes.set_ylabel("median final % of reachable")
    if summary.strategies:  # an empty bench (nothing measured) has no bars to name
        figure.legend(fontsize=7, ncols=len(summary.strategies), loc="outside upper center")  # bars reach 100%
    return _png(figure)


def _coverage(bench: Bench, design: str, names: list[str], axis: stats.Axis, *, log: bool) -> bytes:
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    colors = _colors(bench)
    for strategy in names:
        if not (cells := bench.cells_of(design, strategy)):
            continue
        curve = stats.curve(cells, axis)
        # a log axis cannot show 0: the start is drawn at 1
        x = [max(v, 1) for v in curve.x] if log else curve.x
        axes.plot(x, curve.median, drawstyle="steps-post", color=colors[strategy], label=strategy)
        axes.fill_between(x, curve.low, curve.high, step="post", color=colors[strategy], alpha=0.2, linewidth=0)
        # where the strategy stopped: an LLM strategy may end long before the cycle budget
        axes.plot(x[-1:], curve.median[-1:], marker="o", markersize=4, color=colors[strategy])
    if axis == "llm_calls":
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        axes.set_xscale("log")
    axes.set_ylim(0, 102)
    axes.set_xlabel("cycles" if axis == "cycles" else "LLM calls")
    axes.set_ylabel("covered % of reachable")
    axes.set_title(design, fontsize=10)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:  # a design whose cells all failed has no curve
        axes.legend(fontsize=7, loc="lower right")
    return _png(figure)


def _colors(bench: Bench) -> dict[str, str]:
    """One color per strategy, the same in every chart of the report."""
    return {s: f"C{i % 10}" for i, s in enumerate(stats.strategies(bench))}


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
