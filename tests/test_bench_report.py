"""Bench figures and reports, from hand-made benches.

The `lock` design has 10 reachable points p0..p9; random and llm ran seeds 1-3:
  random: s1 -> 8 points (80%), s2 -> 8, s3 -> 9        llm: s1 -> 10, s2 -> 10, s3 -> 5
so every figure below can be checked by hand.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

from verilogreader.bench import stats
from verilogreader.bench.model import Bench, BenchSettings, Cell, DesignInfo, LLMTotals, PointHit, TimelinePoint
from verilogreader.report import bench_plots
from verilogreader.report.bench_html import bench_html
from verilogreader.report.bench_markdown import bench_markdown
from verilogreader.report.tables import found_by_one_only

BUDGET = 10_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_cell(design: str, strategy: str, seed: int, steps: list[tuple[int, int]], *,
              reachable: int = 10, order: list[str] | None = None) -> Cell:
    """A cell whose timeline is (0, 0) then `steps` of (cycles, covered); the points are found in
    `order` (default p0, p1, ...). LLM strategies make one call (100 tokens) per step, and a step
    takes cycles / 100 wall seconds."""
    order = order or [f"p{i}" for i in range(reachable)]
    llm = strategy in stats.LLM_STRATEGIES
    timeline = [TimelinePoint(cycles=0, seconds=0.0, covered=0)]
    hits: dict[str, PointHit] = {}
    for calls, (cycles, covered) in enumerate(steps, start=1):
        for point in order[timeline[-1].covered:covered]:
            hits[point] = PointHit(cycles=cycles, seconds=cycles / 100, llm_calls=calls if llm else 0, by=strategy)
        timeline.append(TimelinePoint(cycles=cycles, seconds=cycles / 100, covered=covered,
                                      llm_calls=calls if llm else 0, llm_tokens=100 * calls if llm else 0))
    totals = LLMTotals(calls=len(steps), prompt_tokens=80 * len(steps), completion_tokens=20 * len(steps), seconds=1.0)
    return Cell(design=design, strategy=strategy, seed=seed, reachable=reachable, covered=timeline[-1].covered,
                cycles=BUDGET, sequences=10, seconds=BUDGET / 100, stop_reason="budget",
                llm=totals if llm else None, timeline=timeline, first_hits=hits)


def make_bench(cells: list[Cell], designs: dict[str, DesignInfo]) -> Bench:
    return Bench(
        settings=BenchSettings(simulator="icarus", budget_cycles=BUDGET, llm={"model": "qwen-coder"}, llm_calls=20),
        strategies=["random", "llm"], seeds=[1, 2, 3], machine={"cpus": 2}, wall_seconds=3725.0,
        designs=designs, cells=cells,
    )


LOCK = DesignInfo(name="lock", top="lock", files=["lock.v"],
                  points={f"p{i}": f"lock.v:{10 + i} if" for i in range(10)},
                  unreachable={"lock.v:40 else": "state 3 is never entered (constant guard)"})
ALU = DesignInfo(name="alu", top="alu", files=["alu.v"], points={"a": "alu.v:5 if", "b": "alu.v:9 case"}, unreachable={})


def lock_cells(llm_steps: list[list[tuple[int, int]]] | None = None) -> list[Cell]:
    random_steps = [[(100, 5), (1000, 7), (5000, 8)], [(200, 5), (2000, 8)], [(50, 4), (4000, 9)]]
    llm_steps = llm_steps or [[(10, 6), (200, 9), (400, 10)], [(20, 8), (300, 10)], [(30, 5)]]
    return ([make_cell("lock", "random", seed, steps) for seed, steps in zip((1, 2, 3), random_steps)]
            + [make_cell("lock", "llm", seed, steps) for seed, steps in zip((1, 2, 3), llm_steps)])


def alu_cells() -> list[Cell]:
    # "a": both strategies at cycle 100 in every seed (a tie); "b": random at 500 in every seed,
    # llm at 5 but only in seed 1 (missed twice: its median is infinite)
    random = [make_cell("alu", "random", s, [(100, 1), (500, 2)], reachable=2, order=["a", "b"]) for s in (1, 2, 3)]
    llm = [make_cell("alu", "llm", 1, [(5, 1), (100, 2)], reachable=2, order=["b", "a"])]
    llm += [make_cell("alu", "llm", s, [(100, 1)], reachable=2, order=["a", "b"]) for s in (2, 3)]
    return random + llm


def bench() -> Bench:
    return make_bench(lock_cells() + alu_cells(), {"lock": LOCK, "alu": ALU})


def row(b: Bench, design: str, strategy: str) -> stats.Row:
    return next(r for r in stats.design_rows(b, design) if r.strategy == strategy)


def test_timeline_is_a_step_function_along_each_axis():
    timeline = make_cell("lock", "llm", 1, [(10, 6), (200, 9), (400, 10)]).timeline
    assert [stats.value_at(timeline, x) for x in (0, 9, 10, 199, 200, 10**6)] == [0, 0, 6, 6, 9, 10]
    assert stats.value_at(timeline, 1.5, "llm_calls") == 6
    assert stats.value_at(timeline, 2.5, "seconds") == 9
    assert stats.first_reaching(timeline, 7).cycles == 200
    assert stats.first_reaching(timeline, 11) is None


def test_final_coverage_and_time_to_90_and_100_percent():
    b = bench()
    random, llm = row(b, "lock", "random"), row(b, "lock", "llm")
    assert (random.final, random.final_min, random.final_max) == (80.0, 80.0, 90.0)
    assert (llm.final, llm.final_min, llm.final_max) == (100.0, 50.0, 100.0)
    to90, to100 = llm.reach
    # 90% of 10 is 9 points: seed 1 at 200 cycles (2nd call), seed 2 at 300 (its 10th point), seed 3 never
    assert (to90.cycles, to90.llm_calls, to90.tokens, to90.seconds, to90.reached, to90.seeds) == (250, 2, 200, 2.5, 2, 3)
    assert (to100.cycles, to100.llm_calls, to100.tokens, to100.reached) == (350, 2.5, 250, 2)
    assert (random.reach[0].cycles, random.reach[0].reached) == (4000, 1)
    assert random.reach[1] == stats.Reach(100, 0, 3)


def test_speed_up_against_random():
    b = bench()
    # seed 1: random reached its 8 at 5000, llm at 200 -> 25; seed 2: 2000 / 20 -> 100;
    # seed 3: random's 9 is never reached by llm
    assert row(b, "lock", "llm").speed_up == stats.SpeedUp(62.5, 2, 3)
    assert row(b, "lock", "random").speed_up == stats.SpeedUp(1.0, 3, 3)
    only_llm = make_bench([c for c in lock_cells() if c.strategy == "llm"], {"lock": LOCK})
    assert row(only_llm, "lock", "llm").speed_up is None
    never = make_bench(lock_cells(llm_steps=[[(30, 5)]] * 3), {"lock": LOCK})
    assert row(never, "lock", "llm").speed_up == stats.SpeedUp(None, 0, 3)


def test_first_finders_count_a_missed_seed_as_infinitely_late():
    finders = {f.point: f for f in stats.first_finders(bench(), "alu")}
    assert list(finders) == ["a", "b"]  # the design's order
    assert (finders["a"].strategy, finders["a"].cycles) == ("random", 100)  # tie: bench order
    # llm found "b" first (5 cycles) but in one seed of three: random's 500 in all seeds wins
    assert (finders["b"].strategy, finders["b"].cycles, finders["b"].found) == ("random", 500, {"random": (3, 3), "llm": (1, 3)})
    lock = {f.point: f for f in stats.first_finders(bench(), "lock")}
    # p9: only llm seeds 1 and 2 found it (400, 300, never): median 400
    assert (lock["p9"].strategy, lock["p9"].cycles, lock["p9"].found["random"]) == ("llm", 400, (0, 3))
    assert lock["p0"].label == "lock.v:10 if"


def test_the_console_names_what_only_one_strategy_covered():
    assert found_by_one_only(bench()) == ["lock: only llm covered lock.v:19 if (2/3 seeds)"]  # alu: both found both


def test_curve_median_min_max_on_a_common_grid():
    curve = stats.curve([c for c in bench().cells if c.key[:2] == ("lock", "random")])
    assert curve.x == [0, 50, 100, 200, 1000, 2000, 4000, 5000, BUDGET]
    at = curve.x.index(1000)  # covered 7, 5, 4
    assert (curve.median[at], curve.low[at], curve.high[at]) == (50.0, 40.0, 70.0)
    assert (curve.median[-1], curve.low[-1], curve.high[-1]) == (80.0, 80.0, 90.0)


def test_suite_summary():
    summary = stats.suite(bench())
    assert summary.final[("lock", "llm")] == 100.0
    assert summary.final[("alu", "llm")] == 50.0  # seeds: 100%, 50%, 50%
    assert summary.mean == {"random": 90.0, "llm": 75.0}
    assert summary.wins == {"random": 1, "llm": 1}
    tied = stats.suite(make_bench(alu_cells()[:3] + [make_cell("alu", "llm", 1, [(9, 2)], reachable=2)], {"alu": ALU}))
    assert tied.wins == {"random": 1, "llm": 1}


def test_compare_flags_regressions_and_lists_unmatched_cells():
    old_lock = [make_cell("lock", "random", s, [(100, 9)]) for s in (1, 2, 3)]
    old_lock += [make_cell("lock", "llm", s, [(10, 10)]) for s in (1, 2, 3)]
    old_lock += [make_cell("lock", "hybrid", 1, [(10, 10)])]
    old = make_bench(old_lock + alu_cells(), {"lock": LOCK, "alu": ALU})
    new = make_bench(lock_cells(llm_steps=[[(350, 10)]] * 3) + alu_cells()[:3], {"lock": LOCK, "alu": ALU})
    comparison = stats.compare(old, new)
    changes = {(c.design, c.strategy): c for c in comparison.changes}
    assert changes["lock", "random"].regression  # 90% -> 80%
    assert changes["lock", "random"].delta == -10.0
    slower = changes["lock", "llm"]  # still 100%, but after 350 cycles instead of 10
    assert (slower.old_final, slower.new_final, slower.old_cycles, slower.new_cycles) == (100.0, 100.0, 10, 350)
    assert slower.regression
    assert not changes["alu", "random"].regression
    assert comparison.only_old == {("lock", "hybrid"): [1], ("alu", "llm"): [1, 2, 3]}
    assert comparison.only_new == {}
    assert not stats.Change("d", "s", 80.0, 90.0, None, None).regression


def test_markdown_report():
    text = bench_markdown(bench())
    assert "## Fairness rules" in text
    assert "every strategy gets 10,000 cycles per cell" in text
    assert "at most 20 LLM calls per cell (model=qwen-coder)" in text
    assert "icarus; seeds 1, 2, 3 for every strategy" in text
    assert "`lock.v:40 else`: state 3 is never entered (constant guard)" in text
    assert "  - alu: none" in text
    assert "| lock | 80.0 | **100.0** |" in text
    assert "| **mean** | 90.0 | 75.0 |" in text
    assert "| **designs best on** | 1 | 1 |" in text
    assert "1 h 02 min" in text and "cpus: 2" in text
    assert "| llm | 100.0 (50.0-100.0) | 250 / 2 / 200 / 2.5 s (2/3) | 350 / 2.5 / 250 / 3.5 s (2/3) | 62.50x (2/3) |" in text
    assert "| random | 80.0 (80.0-90.0) | 4,000 / 0 / 0 / 40.0 s (1/3) | - (0/3) | 1.00x (3/3) |" in text
    assert "| `alu.v:9 case` | random | 500 | random 3/3, llm 1/3 |" in text
    assert "## How to read" in text and "**Speed-up vs random**" in text
    assert "Changes against" not in text


def test_reports_list_skipped_designs_and_cells_without_a_result():
    partial = bench().model_copy(update={
        "skipped": {"fsm": "icarus could not build it: fsm.sv:6: sorry: <cast>"},
        "failed": {"lock/llm-seed2": "harness error during sequence 3"},
    })
    text = bench_markdown(partial)
    assert "Not benched (the design could not be read or built):\n\n- fsm: icarus could not build it: fsm.sv:6: sorry: \\<cast\\>" in text
    assert "Cells without a result (rerun the same command to retry them):\n\n- lock/llm-seed2: harness error during sequence 3" in text
    html = bench_html(partial)
    assert "<li>fsm: icarus could not build it: fsm.sv:6: sorry: &lt;cast&gt;</li>" in html
    assert "<li>lock/llm-seed2: harness error during sequence 3</li>" in html
    assert "without a result" not in bench_markdown(bench()) + bench_html(bench())


def test_markdown_marks_regressions():
    old = make_bench([make_cell("lock", "random", s, [(100, 10)]) for s in (1, 2, 3)], {"lock": LOCK})
    text = bench_markdown(bench(), old, old_name="bench-old.json")
    assert "## Changes against bench-old.json" in text
    assert "| lock | random | 100.0 | 80.0 | -20.0 | 100 | - | **REGRESSION** |" in text
    assert "- alu / random: seeds 1, 2, 3" in text  # only in the new bench


def test_plots_are_pngs():
    b = bench()
    assert bench_plots.coverage_vs_cycles(b, "lock").startswith(PNG_SIGNATURE)
    assert bench_plots.coverage_vs_llm_calls(b, "lock").startswith(PNG_SIGNATURE)
    assert bench_plots.suite_chart(b).startswith(PNG_SIGNATURE)
    random_only = make_bench([c for c in lock_cells() if c.strategy == "random"], {"lock": LOCK})
    assert bench_plots.coverage_vs_llm_calls(random_only, "lock") is None


class _Checker(HTMLParser):
    """Collects <img> sources and checks that every element is closed in order."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        elif tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


def test_html_is_self_contained_and_well_formed():
    old = make_bench([make_cell("lock", "random", s, [(100, 10)]) for s in (1, 2, 3)], {"lock": LOCK})
    html = bench_html(bench(), old)
    for forbidden in ("http://", "https://", "<script"):
        assert forbidden not in html.lower()
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.open == []
    # suite chart, then per design coverage vs cycles and vs LLM calls
    assert len(checker.images) == 5
    for src in checker.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix):], validate=True).startswith(PNG_SIGNATURE)
    assert "state 3 is never entered (constant guard)" in html
    assert "<details>" in html and "alu.v:9 case" in html
    assert re.search(r'<tr class="regression"><td>lock</td><td class="text">random</td>', html)
    assert "62.50x (2/3)" in html and "at most 20 LLM calls per cell" in html
