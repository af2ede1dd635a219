"""Coverage exports (lcov, Cobertura, JUnit, Markdown) from a real run's results document:
numbers agree with results["totals"], unreachable points are handled, text is escaped."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from verilogreader.design.reader import read_design
from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.report.documents import results_document
from verilogreader.report.exports import (
    EXPORTS,
    GateCheck,
    to_cobertura,
    to_junit,
    to_lcov,
    to_markdown,
)
from verilogreader.report.lcov import decisions
from verilogreader.sim import make_simulator
from verilogreader.stimuli.random import RandomDictGenerator
from verilogreader.store.manifest import read_benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# Marked unreachable for the test: one arm the run always takes, one it never takes.
HIT_ANYWAY = "seq_lock.v:69:35:ternary-false"
NEVER_HIT = "seq_lock.v:48:13:if"
REASON = "test says <never> & 'ever'"
WEIRD = "a < b && c == 8'h1 | `WIDTH ``x`` \"q\"\x01"
CHECKS = [GateCheck("reachable coverage >= 95%", False, "64% < 95% & falling"), GateCheck("no regression", True, "ok")]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """One short real run of seq_lock on Icarus, shared by every test here."""
    _, design = read_benchmark(BENCHMARKS / "seq_lock")
    design = design.with_unreachable({HIT_ANYWAY: REASON, NEVER_HIT: REASON})
    simulator = make_simulator("icarus", design, tmp_path_factory.mktemp("sim"))
    state = run_campaign(design, simulator, RandomDictGenerator(design, 1), Budget(cycles=5000))
    run = {"simulator": "icarus", "strategy": "random-dict", "seed": 1, "budget_cycles": 5000}
    document = results_document(design, state, run)
    hits = {p["id"]: p["hits"] for p in document["points"]}
    assert hits[HIT_ANYWAY] and not hits[NEVER_HIT], "the run shape these tests rely on"
    assert document["totals"]["reachable_covered"] < document["totals"]["reachable"]
    return document


@pytest.fixture
def weird(results) -> dict:
    """The same document with XML/Markdown-hostile text in a condition and a reason."""
    doc = copy.deepcopy(results)
    missing = next(p for p in doc["points"] if p["unreachable"] is None and not p["hits"])
    missing["condition"] = WEIRD
    next(p for p in doc["points"] if p["id"] == NEVER_HIT)["unreachable"] = WEIRD
    return doc


def _reachable(results: dict) -> list[dict]:
    return [p for p in results["points"] if p["unreachable"] is None]


# --- lcov -----------------------------------------------------------------------------------


def _lcov_records(text: str) -> list[list[str]]:
    assert text.endswith("end_of_record\n")
    return [r.strip().splitlines() for r in text.split("end_of_record\n") if r.strip()]


@pytest.mark.sim
def test_lcov_counts_the_reachable_branches(results):
    totals = results["totals"]
    [record] = _lcov_records(to_lcov(results))
    assert record[0] == "TN:seq_lock" and record[1] == f"SF:{results['design']['files'][0]}"
    brda = [line.split(":", 1)[1].split(",") for line in record if line.startswith("BRDA:")]
    assert len(brda) == totals["reachable"]
    assert sum(1 for *_, taken in brda if taken not in ("0", "-")) == totals["reachable_covered"]
    assert f"BRF:{totals['reachable']}" in record and f"BRH:{totals['reachable_covered']}" in record
    assert len({tuple(b[:3]) for b in brda}) == len(brda), "line, block, branch are unique"
    lines = {int(line[3:].split(",")[0]): int(line.split(",")[1]) for line in record if line.startswith("DA:")}
    for point in _reachable(results):
        assert lines[point["line"]] >= point["hits"]
    assert f"LF:{len(lines)}" in record and f"LH:{sum(1 for h in lines.values() if h)}" in record


@pytest.mark.sim
def test_lcov_dash_marks_only_decisions_that_never_ran(results):
    text = to_lcov(results)
    # Line 48 `if (lock) ...`: both arms (one marked unreachable) never taken -> never evaluated.
    assert "BRDA:48,0,1,-" in text and "BRDA:48,0,0," not in text
    # Line 69 `open ? 3'd6 : step`: the unreachable `:` arm was taken, so the `?` arm is a real 0.
    assert "BRDA:69,0,0,0" in text and "BRDA:69,0,1," not in text
    for arms in decisions(results["points"]):
        if not any(a["hits"] for a in arms):
            continue
        assert all(f",{a['hits']}\n" in text for a in arms if a["unreachable"] is None)


def _lcov_summary(info: Path) -> subprocess.CompletedProcess:
    for option in ("lcov_branch_coverage=1", "branch_coverage=1"):  # lcov 1.x, then 2.x
        done = subprocess.run(["lcov", "--summary", str(info), "--rc", option], capture_output=True, text=True)
        if done.returncode == 0:
            return done
    return done


@pytest.mark.sim
def test_lcov_tool_reads_the_tracefile(results, tmp_path):
    if shutil.which("lcov") is None:
        pytest.skip("lcov is not installed (apt-get install lcov); the text checks above still ran")
    info = tmp_path / "coverage.info"
    info.write_text(to_lcov(results))
    done = _lcov_summary(info)
    assert done.returncode == 0, done.stderr
    totals = results["totals"]
    assert f"({totals['reachable_covered']} of {totals['reachable']} branches)" in done.stdout + done.stderr
    if shutil.which("genhtml"):
        html = subprocess.run(
            ["genhtml", "--branch-coverage", "--ignore-errors", "source", "-o", str(tmp_path / "html"), str(info)],
            capture_output=True, text=True,
        )
        assert html.returncode == 0, html.stderr
        assert (tmp_path / "html" / "index.html").exists()


def test_decisions_group_arms_as_the_reader_lists_them(tmp_path):
    """Nested cases with the same selector and label, else-if chains, ternaries in ternaries."""
    (tmp_path / "nest.v").write_text(NESTED)
    design = read_design([tmp_path / "nest.v"])
    points = [{"id": b.id, "module": b.module, "kind": b.kind.value, "condition": b.condition} for b in design.branch_points]
    groups = [[p["id"].split(":", 1)[1] for p in arms] for arms in decisions(points)]
    assert sorted(groups) == sorted([
        ["5:13:case-item", "9:13:case-item", "12:13:case-default"],
        ["6:17:case-item", "7:17:case-item", "5:19:case-default-implicit"],
        ["9:25:if", "11:17:else"],
        ["10:17:if", "10:17:else-implicit"],
        ["11:37:ternary-true", "11:44:ternary-false"],
        ["13:17:case-item", "14:17:case-default"],
        ["17:9:if", "17:34:else"],
        ["17:39:if", "17:39:else-implicit"],
        ["17:53:ternary-true", "17:60:ternary-false"],
        ["17:68:ternary-true", "17:76:ternary-false"],
        ["19:21:ternary-true", "19:39:ternary-false"],
        ["19:29:ternary-true", "19:33:ternary-false"],
    ])


NESTED = """\
module nest(input wire [1:0] a, input wire [1:0] b, input wire c, output reg [3:0] y, output wire z);
    always @* begin
        y = 4'd0;
        case (a)
            2'd0: case (a)
                2'd0: y = 4'd1;
                2'd1: y = 4'd2;
            endcase
            2'd1, 2'd2: if (c) begin
                if (c) y = 4'd3;
            end else y = (b < 2'd2) ? 4'd4 : 4'd5;
            default: casez (b)
                2'b1?: y = 4'd6;
                default: y = 4'd7;
            endcase
        endcase
        if (c && b[0]) y = 4'd8; else if (!c) y = c ? 4'd9 : (b[1] ? 4'd10 : 4'd11);
    end
    assign z = a[0] ? (b[0] ? c : !c) : 1'b0;
endmodule
"""


# --- Cobertura ------------------------------------------------------------------------------


@pytest.mark.sim
def test_cobertura_counts_reachable_branches_only(results):
    root = ET.fromstring(to_cobertura(results, timestamp=1234))
    totals = results["totals"]
    assert root.tag == "coverage" and root.get("timestamp") == "1234"
    assert root.get("branches-valid") == str(totals["reachable"])
    assert root.get("branches-covered") == str(totals["reachable_covered"])
    assert float(root.get("branch-rate")) == pytest.approx(totals["reachable_percent"] / 100, abs=1e-4)
    assert [s.text for s in root.iter("source")] == [str(BENCHMARKS / "seq_lock")]
    [cls] = root.iter("class")
    assert cls.get("filename") == "seq_lock.v" and cls.find("methods") is not None
    lines = {int(line.get("number")): line for line in cls.iter("line")}
    valid = covered = 0
    for number, line in lines.items():
        here = [p for p in _reachable(results) if p["line"] == number]
        hit = sum(1 for p in here if p["hits"])
        assert line.get("branch") == "true"
        assert line.get("condition-coverage") == f"{100 * hit // len(here)}% ({hit}/{len(here)})"
        assert line.get("hits") == str(max(p["hits"] for p in here))
        valid, covered = valid + len(here), covered + hit
    assert (valid, covered) == (totals["reachable"], totals["reachable_covered"])
    assert 48 in lines and 69 in lines  # lines that also hold unreachable arms keep their reachable ones
    assert root.get("lines-valid") == str(len(lines))


# --- JUnit ----------------------------------------------------------------------------------


@pytest.mark.sim
def test_junit_one_case_per_point_and_per_check(results):
    suites = ET.fromstring(to_junit(results, CHECKS))
    [suite] = suites.findall("testsuite")
    totals = results["totals"]
    assert suite.get("name") == "verilogreader.seq_lock"
    cases = suite.findall("testcase")
    assert len(cases) == totals["points"] + len(CHECKS) == int(suite.get("tests"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == totals["reachable"] - totals["reachable_covered"] + 1 == int(suite.get("failures"))
    skipped = {c.get("name"): c.find("skipped").get("message") for c in cases if c.find("skipped") is not None}
    assert len(skipped) == totals["unreachable"] == int(suite.get("skipped"))
    assert skipped[NEVER_HIT] == f"unreachable: {REASON}"
    assert skipped[HIT_ANYWAY].startswith(f"unreachable: {REASON} (yet hit by ")
    gate = [c for c in cases if c.get("classname") == "verilogreader.seq_lock.gate"]
    assert [c.get("name") for c in gate] == [c.name for c in CHECKS]
    assert gate[0].find("failure").get("message") == CHECKS[0].message and gate[1].find("failure") is None


@pytest.mark.sim
def test_junit_escapes_conditions_and_reasons(weird):
    sources = {weird["design"]["files"][0]: (BENCHMARKS / "seq_lock" / "seq_lock.v").read_text()}
    suite = ET.fromstring(to_junit(weird, sources=sources)).find("testsuite")
    shown = WEIRD.replace("\x01", "\ufffd")  # XML 1.0 cannot hold control characters at all
    messages = [c.find("failure").get("message") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert any(shown in m for m in messages)
    failure = next(f for f in suite.iter("failure") if shown in f.get("message"))
    assert "^" in failure.text and " | " in failure.text, "source line with the arm marked"
    assert any(s.get("message") == f"unreachable: {shown}" for s in suite.iter("skipped"))


# --- Markdown -------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


@pytest.mark.sim
def test_markdown_totals_checks_and_uncovered(results):
    totals = results["totals"]
    text = to_markdown(results, CHECKS)
    assert text.startswith("## ❌ ") and "seq\\_lock" in text.splitlines()[0]
    assert f"| {totals['reachable_covered']} / {totals['reachable']} (" in text
    assert f"| unreachable branches | {totals['unreachable']} |" in text
    assert "| cycles | 5000 |" in text and "| simulator | icarus |" in text and "| strategy | random-dict |" in text
    assert "❌ fail" in text and "✅ pass" in text and "64% \\< 95% \\& falling" in text
    missing = totals["reachable"] - totals["reachable_covered"]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == missing and all(len(_cells(r)) == 4 for r in rows)
    assert to_markdown(results).startswith("## VerilogReader"), "no mark without checks"
    assert to_markdown(results, [CHECKS[1]]).startswith("## ✅ ")


@pytest.mark.sim
def test_markdown_caps_the_list_and_escapes_cells(weird):
    missing = weird["totals"]["reachable"] - weird["totals"]["reachable_covered"]
    text = to_markdown(weird, max_uncovered=2)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 2 and f"... and {missing - 2} more" in text
    full = to_markdown(weird)
    [row] = [line for line in full.splitlines() if "WIDTH" in line]
    cells = _cells(row)
    assert len(cells) == 4, "the condition's | does not split the row"
    condition = cells[3].strip()
    fence = re.match("`+", condition).group()
    assert len(fence) == 3 and condition.endswith(fence), "fence longer than the `` inside"
    assert "\n" not in condition and "\\|" in condition


@pytest.mark.sim
def test_exports_render_every_file(results):
    assert set(EXPORTS) == {"coverage.info", "cobertura.xml", "junit.xml", "summary.md"}
    for name, render in EXPORTS.items():
        text = render(results, CHECKS)
        assert text.strip(), name
        if name.endswith(".xml"):
            ET.fromstring(text)
