"""Points the simulator cannot observe are no holes, and every output says so: real Icarus, the
real CLI. Icarus cannot place a marker in a variable initializer (`reg r0 = b ? ... : ...;`), so
both arms of that `?:` are unobserved there (sim/instrument.py, "Limits")."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from verilogreader.engine.campaign import new_state
from verilogreader.llm.context import holes
from verilogreader.sim.registry import make_simulator
from verilogreader.store.manifest import read_paths

pytestmark = pytest.mark.sim

DESIGN = """module uo(input clk, input rst, input [3:0] a, input b, output reg [3:0] y, output r);
  reg r0 = b ? 1'b1 : 1'b0;
  assign r = r0;
  always @(posedge clk) begin
    if (rst) y <= 0;
    else if (a == 4'd9) y <= 1;
    else y <= a;
  end
endmodule
"""
TERNARY = ("uo.v:2:14:ternary-true", "uo.v:2:21:ternary-false")


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verilogreader.cli", *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture
def design_file(tmp_path) -> Path:
    path = tmp_path / "uo.v"
    path.write_text(DESIGN)
    return path


def test_unobserved_points_are_reported_apart_in_run_gate_results_and_every_export(design_file, tmp_path):
    run = cli("run", design_file, "--budget-cycles", "2000", "--seed", "1", "--out", tmp_path / "run")
    assert run.returncode == 0, run.stderr
    assert "Not observable on icarus (2; not counted as holes)" in run.stdout
    assert "raw" in run.stdout and "/4 (" in run.stdout and "/6 (" not in run.stdout
    uncovered_section = run.stdout.partition("Uncovered reachable branches")[2]
    assert all(point in run.stdout for point in TERNARY)
    assert not any(point in uncovered_section for point in TERNARY)

    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["version"] == 2
    by_id = {p["id"]: p for p in results["points"]}
    assert all("constant context" in by_id[p]["unobserved"] for p in TERNARY)
    assert all(p["unobserved"] is None for p in results["points"] if p["id"] not in TERNARY)
    totals = results["totals"]
    assert totals["unobserved"] == 2 and totals["points"] == 6 and totals["raw_percent"] == 100.0 * totals["covered"] / 4
    assert totals["reachable"] == 4  # the if/else arms only: the unobserved pair is in no denominator

    gate = cli("gate", tmp_path / "run" / "corpus.json", design_file, "--min-reachable", "0", "--out", tmp_path / "gate")
    assert gate.returncode == 0, gate.stderr
    assert "Not observable on icarus" in gate.stdout and TERNARY[0] in gate.stdout
    out = tmp_path / "gate"
    assert json.loads((out / "results.json").read_text())["totals"]["reachable"] == 4

    cases = {c.get("name"): c for c in ET.fromstring((out / "junit.xml").read_text()).iter("testcase")}
    for point in TERNARY:
        skipped = cases[point].find("skipped")
        assert skipped is not None and skipped.get("message").startswith("unobserved:")
        assert cases[point].find("failure") is None

    lcov = (out / "coverage.info").read_text()
    assert "BRDA:2," not in lcov and "BRF:4" in lcov

    cobertura = (out / "cobertura.xml").read_text()
    root = ET.fromstring(cobertura)
    assert root.get("branches-valid") == "4"
    assert [line.get("number") for line in root.iter("line") if line.get("number") == "2"] == []
    assert f"unobserved (not counted): {TERNARY[0]}" in cobertura

    summary = (out / "summary.md").read_text()
    assert "| unobserved branches (not counted) | 2 |" in summary
    assert f"| all branches covered (raw) | {totals['covered']} / 4 " in summary
    unobserved_section = summary.partition("cannot observe (2, not counted)")[2]
    assert TERNARY[0] in unobserved_section and TERNARY[1] in unobserved_section
    uncovered_section = summary.partition("Uncovered reachable branches")[2].partition("cannot observe")[0]
    assert not any(point in uncovered_section for point in TERNARY)


def test_the_llm_is_never_asked_about_an_unobserved_point(design_file, tmp_path):
    design = read_paths([design_file])
    simulator = make_simulator("icarus", design, tmp_path / "work", 60)
    assert set(TERNARY) <= set(simulator.unobserved)
    state = new_state(design, unobserved=simulator.unobserved)  # what run_campaign builds for every strategy
    shown = {hole.point.id for hole in holes(design, state.coverage, limit=100)}
    assert shown and not shown & set(TERNARY)
    assert not set(TERNARY) & set(state.coverage.reachable)


def test_bench_leaves_unobserved_points_out_and_lists_them_in_the_fairness_rules(tmp_path):
    suite = tmp_path / "suite"
    (suite / "uo").mkdir(parents=True)
    (suite / "uo" / "uo.v").write_text(DESIGN)
    result = cli("bench", suite, "--strategies", "random", "--seeds", "1", "--budget-cycles", "500", "--out", tmp_path / "b")
    assert result.returncode == 0, result.stdout + result.stderr
    bench = json.loads((tmp_path / "b" / "bench.json").read_text())
    info = bench["designs"]["uo"]
    assert set(info["unobserved"]) == set(TERNARY) and not set(TERNARY) & set(info["points"])
    assert [cell["reachable"] for cell in bench["cells"]] == [4]
    fairness = (tmp_path / "b" / "report.md").read_text().partition("## Fairness rules")[2].partition("## How to read")[0]
    assert "cannot observe" in fairness
    assert all(f"`{point}`: unobserved:" in fairness for point in TERNARY)
    assert "4 reachable points, 0 unreachable, 2 unobserved." in (tmp_path / "b" / "report.md").read_text()
    html = (tmp_path / "b" / "report.html").read_text()
    assert all(f"<code>{point}</code>: unobserved:" in html for point in TERNARY)
