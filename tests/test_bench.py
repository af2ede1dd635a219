"""`verilogreader bench` as a user runs it: real Icarus, real files, resumable, with reports.

LLM cells are checked with the scripted client of test_llm_loop (the one fake, at the
ChatClient boundary); the real embedded model runs in test_llm_end_to_end.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_cli import LOCK, cli
from test_llm_loop import OPEN_LOCK, ScriptedChatClient, answer_of
from verilogreader.bench.runner import BenchRunner, CellPlan
from verilogreader.bench.suite import read_entry, suite_entries
from verilogreader.engine.llm_strategy import LLMPolicy
from verilogreader.engine.strategies import LLMParts
from verilogreader.errors import DesignError, UsageError
from verilogreader.llm.prompts import Prompts
from verilogreader.store.bench_file import load_bench

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A benchmark folder with its manifest, a plain folder of .v files and a loose .v file."""
    root = tmp_path / "suite"
    shutil.copytree(BENCHMARKS / "alu", root / "alu")
    (root / "lockdir").mkdir()
    (root / "lockdir" / "lock.v").write_text(LOCK)
    (root / "mux.v").write_text("module mux(input s, input [1:0] a, output y);\n  assign y = s ? a[1] : a[0];\nendmodule\n")
    return root


def test_suite_finds_manifests_plain_folders_and_loose_files(suite):
    entries = suite_entries([suite])
    assert [(e.name, e.category) for e in entries] == [("alu", "simple"), ("lockdir", ""), ("mux", "")]
    assert [read_entry(e).top for e in entries] == ["alu", "lock", "mux"]
    assert [e.name for e in suite_entries([suite / "alu"])] == ["alu"], "a benchmark folder is one design"
    assert [e.name for e in suite_entries([suite / "lockdir"])] == ["lock"], "a suite argument's loose files are designs"
    assert [e.paths for e in suite_entries([suite / "mux.v"])] == [(suite / "mux.v",)], "so is a file argument"
    (suite / "other").mkdir()
    (suite / "other" / "mux.v").write_text((suite / "mux.v").read_text())
    with pytest.raises(UsageError, match="two designs are named"):
        suite_entries([suite, suite / "other"])


def test_suite_lists_categories_in_order_with_reasoning_after_hard(tmp_path):
    for name in ("sync_word", "seq_lock", "vending_fsm", "alu"):
        shutil.copytree(BENCHMARKS / name, tmp_path / name)
    entries = suite_entries([tmp_path])
    assert [(e.name, e.category) for e in entries] == [
        ("alu", "simple"), ("vending_fsm", "medium"), ("seq_lock", "hard"), ("sync_word", "reasoning"),
    ]


@pytest.mark.sim
def test_bench_runs_every_cell_resumes_and_reports(suite, tmp_path):
    out = tmp_path / "bench"
    args = ["bench", str(suite), "--strategies", "random,random-dict", "--seeds", "2", "--budget-cycles", "600", "--jobs", "2", "--out", str(out)]
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    bench = load_bench(out / "bench.json")
    assert sorted(c.key for c in bench.cells) == sorted(
        (d, s, seed) for d in ("alu", "lockdir", "mux") for s in ("random", "random-dict") for seed in (1, 2)
    )
    for cell in bench.cells:
        assert cell.cycles <= 600 and cell.timeline[0].cycles == 0
        assert cell.covered == cell.timeline[-1].covered == len(cell.first_hits)
        assert cell.covered <= cell.reachable == len(bench.designs[cell.design].points)
        assert (out / "cells" / cell.design / f"{cell.strategy}-seed{cell.seed}" / "corpus.json").is_file()
    assert bench.designs["alu"].unreachable, "the reasons for the excluded points travel with the bench"
    report = (out / "report.md").read_text()
    assert "## Fairness rules" in report and "every strategy gets 600 cycles per cell" in report
    assert "## Design lockdir" in report and "### First finders" in report
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html and "http://" not in html

    # An interrupted bench: two cells never finished. Only those run again.
    document = json.loads((out / "bench.json").read_text())
    kept = [c for c in document["cells"] if not (c["design"] == "mux" and c["strategy"] == "random")]
    (out / "bench.json").write_text(json.dumps({**document, "cells": kept}))
    resumed = cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "10 cells already done, 2 to run" in resumed.stdout
    again = load_bench(out / "bench.json")
    assert len(again.cells) == 12
    assert [c for c in again.cells if c.design != "mux" or c.strategy != "random"] == [
        c for c in bench.cells if c.design != "mux" or c.strategy != "random"
    ], "finished cells are not rerun"

    other = cli(*[a if a != "600" else "700" for a in args])
    assert other.returncode == 2 and "budget_cycles differ" in other.stderr and "Traceback" not in other.stderr

    old = tmp_path / "old.json"
    document = json.loads((out / "bench.json").read_text())
    for cell in document["cells"]:
        if cell["design"] == "lockdir":
            cell["covered"] = cell["reachable"]  # the old bench did better on lockdir
    old.write_text(json.dumps(document))
    compared = cli(*args, "--compare", str(old))
    assert compared.returncode == 0, compared.stderr
    changes = (out / "report.md").read_text().split("## Changes against")[1]
    assert "lockdir | random | 100.0" in changes and "**REGRESSION**" in changes
    assert "old.json" in changes.splitlines()[0], "the heading names the earlier bench"
    assert 'class="regression"' in (out / "report.html").read_text()


@pytest.mark.sim
def test_a_design_that_cannot_be_read_is_skipped_with_its_error(suite, tmp_path):
    (suite / "broken.v").write_text("module broken(input a, output y);\n  assign y = a +;\nendmodule\n")
    out = tmp_path / "bench"
    result = cli("bench", str(suite), "--strategies", "random", "--seeds", "1", "--budget-cycles", "200", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "skipped broken" in result.stderr and "broken.v:2" in result.stderr
    bench = load_bench(out / "bench.json")
    assert "broken.v:2" in bench.skipped["broken"] and {c.design for c in bench.cells} == {"alu", "lockdir", "mux"}
    assert "broken.v:2" in (out / "report.md").read_text()


TOP_A = """\
module top(input logic clk, input logic rst, input logic [3:0] x, output logic y);
  always_ff @(posedge clk) begin
    if (rst) y <= 0;
    else if (x == 4'd5) y <= 1;
    else y <= 0;
  end
endmodule
"""
# Icarus (11, 12 and 13) has no covergroups; pyslang reads them: the design reads, but cannot build
NO_ICARUS = """\
module cover_x(input logic clk, input logic rst, input logic [1:0] x, output logic y);
  covergroup cx @(posedge clk);
    coverpoint x;
  endgroup
  cx c = new;
  always_ff @(posedge clk) begin
    if (rst) y <= 0;
    else y <= (x == 2'd3);
  end
endmodule
"""


@pytest.mark.sim
def test_loose_files_of_a_suite_folder_are_one_design_each(tmp_path):
    """Two loose files that both define `module top` are two designs, not one that cannot build."""
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "a.sv").write_text(TOP_A)
    (loose / "b.sv").write_text(TOP_A.replace("x == 4'd5", "x > 4'd9"))
    out = tmp_path / "bench"
    result = cli("bench", str(loose), "--strategies", "random", "--seeds", "2", "--budget-cycles", "300", "--out", str(out))
    assert result.returncode == 0, result.stderr
    bench = load_bench(out / "bench.json")
    assert sorted(bench.designs) == ["a", "b"] and bench.skipped == {} and bench.failed == {}
    assert {(d.top, tuple(d.files)) for d in bench.designs.values()} == {("top", (str(loose / "a.sv"),)), ("top", (str(loose / "b.sv"),))}
    assert sorted(c.key for c in bench.cells) == [(d, "random", s) for d in ("a", "b") for s in (1, 2)]
    for cell in bench.cells:
        assert cell.reachable == len(bench.designs[cell.design].points) == 4
        assert cell.covered >= 2, "reset and the final else are covered by any random run"


def test_a_loose_file_needing_a_sibling_says_to_use_a_subfolder(tmp_path):
    (tmp_path / "sub.v").write_text("module sub(input a, output y);\n  assign y = a ? 1'b1 : 1'b0;\nendmodule\n")
    (tmp_path / "wrap.v").write_text("module wrap(input a, output y);\n  sub u(.a(a), .y(y));\nendmodule\n")
    entry = next(e for e in suite_entries([tmp_path]) if e.name == "wrap")
    with pytest.raises(DesignError, match="unknown module 'sub'(.|\n)*put the files of one design in a subfolder"):
        read_entry(entry)


@pytest.mark.sim
def test_a_design_that_cannot_build_is_listed_as_skipped_with_its_error(suite, tmp_path):
    (suite / "cover_x.sv").write_text(NO_ICARUS)
    out = tmp_path / "bench"
    result = cli("bench", str(suite), "--strategies", "random", "--seeds", "2", "--budget-cycles", "200", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("skipped cover_x: icarus could not build it") == 1, result.stderr
    bench = load_bench(out / "bench.json")
    reason = bench.skipped["cover_x"]
    assert reason.startswith("icarus could not build it: icarus compile of cover_x failed") and "cover_x.sv:2" in reason
    assert "cover_x" not in bench.designs and {c.design for c in bench.cells} == {"alu", "lockdir", "mux"}
    assert bench.failed == {}
    assert "cover\\_x: icarus could not build it" in (out / "report.md").read_text()
    assert "cover_x: icarus could not build it" in (out / "report.html").read_text()


@pytest.mark.sim
def test_a_bench_where_every_cell_failed_is_a_tool_error(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "cover_x.sv").write_text(NO_ICARUS)
    out = tmp_path / "bench"
    result = cli("bench", str(suite), "--strategies", "random", "--seeds", "2", "--budget-cycles", "200", "--out", str(out))
    assert result.returncode == 2, result.stdout
    assert "error: the bench measured nothing: designs skipped: cover_x" in result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    bench = load_bench(out / "bench.json")
    assert bench.cells == [] and "cover_x" in bench.skipped and (out / "report.md").is_file()


def test_a_bench_file_of_another_kind_is_refused(tmp_path):
    (tmp_path / "bench.json").write_text('{"format": "verilogreader.results", "version": 1}')
    result = cli("bench", str(BENCHMARKS / "alu"), "--strategies", "random", "--out", str(tmp_path))
    assert result.returncode == 2 and "not a verilogreader bench file" in result.stderr


@pytest.mark.sim
def test_llm_cells_put_calls_and_tokens_on_the_timeline(tmp_path):
    entry = suite_entries([BENCHMARKS / "seq_lock"])[0]
    design = read_entry(entry)
    client = ScriptedChatClient([answer_of([{"valid": 1, "code": 0x3C}]), answer_of(OPEN_LOCK)] * 2)
    llm = LLMParts(client, Prompts(), LLMPolicy(max_calls=2, plateau_calls=2))
    runner = BenchRunner({"seq_lock": design}, "icarus", tmp_path, budget_cycles=3000, timeout_s=60, llm=llm)
    cells = []
    runner.run([CellPlan("seq_lock", "llm", 1)], 1, lambda plan: None, lambda plan, cell, error: cells.append((cell, error)))
    [(cell, error)] = cells
    assert error is None and cell.llm.calls == 2 and cell.llm.prompt_tokens == 200
    idle, first, second = cell.timeline[1], cell.timeline[2], cell.timeline[-1]
    assert (idle.llm_calls, first.llm_calls, first.llm_tokens) == (0, 1, 120), "the idle probe costs no call"
    assert (second.llm_calls, second.llm_tokens) == (2, 240)
    assert second.covered > first.covered, "the second answer opens the lock"
    assert {hit.by for hit in cell.first_hits.values()} == {"idle", "llm"}
    assert {hit.llm_calls for hit in cell.first_hits.values() if hit.by == "idle"} == {0}
    assert {hit.llm_calls for hit in cell.first_hits.values() if hit.by == "llm"} <= {1, 2}
    assert (tmp_path / "cells" / "seq_lock" / "llm-seed1" / "llm-exchanges.jsonl").is_file()


@pytest.mark.sim
def test_ctrl_c_keeps_the_finished_cells_and_a_rerun_finishes_the_rest(suite, tmp_path):
    import signal
    import subprocess
    import sys

    out = tmp_path / "bench"
    args = ["bench", str(suite), "--strategies", "random,random-dict", "--seeds", "3", "--budget-cycles", "3000", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "verilogreader.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a job started in the background (nohup, `&` in a script) inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in process.stdout:
        if line.startswith("[2/18]"):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2 and "interrupted" in stderr and "Traceback" not in stderr
    done = len(load_bench(out / "bench.json").cells)
    assert 2 <= done < 18
    rerun = cli(*args)
    assert rerun.returncode == 0 and f"{done} cells already done, {18 - done} to run" in rerun.stdout
    assert len(load_bench(out / "bench.json").cells) == 18
