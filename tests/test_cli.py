"""The command line as a user runs it: real processes, real Icarus, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = """\
module lock (input clk, input rst_n, input [7:0] code, output reg open);
  reg [1:0] step;
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      step <= 2'd0; open <= 1'b0;
    end else begin
      case (step)
        2'd0: step <= (code == 8'h3C) ? 2'd1 : 2'd0;
        2'd1: if (code == 8'hA5) step <= 2'd2; else step <= 2'd0;
        2'd2: begin open <= 1'b1; step <= 2'd3; end
        default: step <= step;
      endcase
    end
  end
endmodule
"""


def cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "verilogreader.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_inspect_lists_ports_clock_reset_branches_and_constants(tmp_path):
    result = cli("inspect", str(write(tmp_path, "lock.v", LOCK)))
    assert result.returncode == 0, result.stderr
    for expected in ("code", "rst_n (active-low)", "clk", "case-item", "ternary-true", "8'h3C", "case-default"):
        assert expected in result.stdout, expected


def test_inspect_json_is_the_design_model(tmp_path):
    result = cli("inspect", "--json", str(write(tmp_path, "lock.v", LOCK)))
    model = json.loads(result.stdout)
    assert model["top"] == "lock"
    assert {p["name"]: p["width"] for p in model["ports"]}["code"] == 8


@pytest.mark.sim
def test_run_writes_results_and_a_replayable_corpus(tmp_path):
    design = write(tmp_path, "lock.v", LOCK)
    out = tmp_path / "out"
    stimuli = write(tmp_path, "s.json", json.dumps({"sequences": [{"cycles": [{"code": "8'h3C"}, {"code": "8'hA5"}, {}, {}]}]}))
    result = cli("run", str(design), "--budget-cycles", "2000", "--stimuli", str(stimuli), "--out", str(out))
    assert result.returncode == 0, result.stderr
    results = json.loads((out / "results.json").read_text())
    totals = results["totals"]
    assert results["cycles"] >= 4
    assert totals["reachable_covered"] == sum(1 for p in results["points"] if p["covered"] and not p["unreachable"])
    opened = [p for p in results["points"] if p["kind"] == "case-item" and p["line"] == 10]
    assert opened and opened[0]["covered"], "the directed stimulus opens the lock"
    assert opened[0]["first_hit"]["strategy"] == "stimuli-file"
    assert results["timeline"][-1]["cycles"] == results["cycles"]
    corpus = json.loads((out / "corpus.json").read_text())
    assert corpus["format"] == "verilogreader.corpus" and corpus["sequences"]
    # The corpus replays as a stimulus file and reaches the same coverage.
    corpus_cycles = sum(len(s["cycles"]) for s in corpus["sequences"])
    again = cli("run", str(design), "--budget-cycles", str(corpus_cycles), "--stimuli", str(out / "corpus.json"), "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    replayed = json.loads((tmp_path / "again" / "results.json").read_text())
    assert replayed["cycles"] == corpus_cycles
    assert replayed["totals"]["covered"] == totals["covered"]
    assert "Uncovered reachable branches" in result.stdout or totals["reachable_percent"] == 100.0


def test_syntax_error_names_file_line_column_without_traceback(tmp_path):
    bad = write(tmp_path, "bad.v", "module bad(input a, output y);\n  assign y = a +;\nendmodule\n")
    result = cli("run", str(bad))
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_top_lists_the_candidates(tmp_path):
    result = cli("inspect", str(write(tmp_path, "lock.v", LOCK)), "--top", "nope")
    assert result.returncode == 2 and "lock" in result.stderr and "Traceback" not in result.stderr


def test_a_module_defined_twice_is_an_error_naming_both_places(tmp_path):
    first = write(tmp_path, "a.v", LOCK)
    second = write(tmp_path, "b.v", "// the same name, other code\n" + LOCK.replace("8'hA5", "8'h5A"))
    result = cli("inspect", str(first), str(second))
    assert result.returncode == 2, result.stdout
    assert f"module 'lock' is defined 2 times: {first}:1:8, {second}:2:8" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_option_are_usage_errors(tmp_path):
    assert cli("inspect", str(tmp_path / "nothere.v")).returncode == 2
    result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--strategy", "psychic")
    assert result.returncode == 2 and "random-dict" in result.stderr


def test_unknown_port_in_stimulus_file_is_named(tmp_path):
    stimuli = write(tmp_path, "s.json", json.dumps({"sequences": [{"cycles": [{"code": 1}, {"cod": 2}]}]}))
    result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--stimuli", str(stimuli))
    assert result.returncode == 2
    assert "sequence 0, cycle 1, port 'cod': no such port" in result.stderr


def test_design_without_inputs_is_refused_clearly(tmp_path):
    design = write(tmp_path, "k.v", "module k(output y);\n  assign y = 1'b1;\nendmodule\n")
    result = cli("run", str(design))
    assert result.returncode == 2 and "no inputs" in result.stderr


def test_missing_simulator_says_how_to_install(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))
    result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--out", str(tmp_path / "o"), env=env)
    assert result.returncode == 2
    assert "apt-get install iverilog" in result.stderr


@pytest.mark.sim
def test_finish_in_the_design_keeps_what_was_measured(tmp_path):
    design = write(
        tmp_path,
        "fin.v",
        "module fin(input clk, input rst, input [3:0] a, output reg y);\n"
        "  always @(posedge clk) begin\n"
        "    if (rst) y <= 0;\n"
        "    else if (a == 4'd9) begin y <= 1; $finish; end\n"
        "    else y <= 0;\n"
        "  end\n"
        "endmodule\n",
    )
    out = tmp_path / "out"
    result = cli("run", str(design), "--budget-cycles", "3000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    results = json.loads((out / "results.json").read_text())
    assert any("$finish" in p for p in results["problems"])
    assert results["totals"]["covered"] > 0


@pytest.mark.sim
def test_a_hanging_design_is_stopped_and_reported(tmp_path):
    design = write(
        tmp_path,
        "hang.v",
        "module hang(input clk, input [3:0] a, output reg [3:0] y);\n"
        "  reg [3:0] n;\n"
        "  always @(posedge clk) begin\n"
        "    if (a == 4'd5) begin n = 0; while (n < 4'd15) y <= 0; end\n"
        "    else y <= a;\n"
        "  end\n"
        "endmodule\n",
    )
    out = tmp_path / "out"
    result = cli("run", str(design), "--budget-cycles", "200", "--timeout", "5", "--out", str(out))
    # Every batch timed out: nothing was measured, so this is a tool error, not a 0% result.
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was simulated" in result.stderr and "timed out" in result.stderr
    assert "Traceback" not in result.stderr
    results = json.loads((out / "results.json").read_text())
    assert any("timed out" in p for p in results["problems"])
    assert results["stop_reason"] == "every simulator batch failed: nothing was simulated"
    assert (results["cycles"], results["sequences"]) == (0, 0)  # never simulated, never claimed
    assert results["charged_cycles"] == 200  # but the budget was used up, so the run ended
    assert json.loads((out / "corpus.json").read_text())["sequences"] == []
    # A gate whose every replay batch fails has no verdict either: exit 2, not "gate failed".
    calm = write(tmp_path, "calm.json", json.dumps({"sequences": [{"cycles": [{"a": 1}]}]}))
    made = cli("run", str(design), "--stimuli", str(calm), "--budget-cycles", "1", "--out", str(tmp_path / "calm"))
    assert made.returncode == 0, made.stdout + made.stderr
    corpus = json.loads((tmp_path / "calm" / "corpus.json").read_text())
    assert len(corpus["sequences"]) == 1
    corpus["sequences"][0]["cycles"] = [{"a": 5}]  # the same corpus, now with the input that hangs
    hanging = write(tmp_path, "hang-corpus.json", json.dumps(corpus))
    gate = cli("gate", str(hanging), str(design), "--min-reachable", "0", "--timeout", "3", "--out", str(tmp_path / "gate"))
    assert gate.returncode == 2, gate.stdout + gate.stderr
    assert "nothing was simulated" in gate.stderr and "Traceback" not in gate.stderr
    assert "gate passed" not in gate.stdout and "PASS" not in gate.stdout


@pytest.mark.sim
def test_off_a_terminal_one_event_stays_one_line_whatever_the_width(tmp_path):
    """CI logs are read with grep: a long line must not be wrapped at the 80 columns rich assumes
    off a terminal (a short pytest temp path once hid this)."""
    out = tmp_path / ("a-folder-name-long-enough-to-push-the-line-past-eighty-columns-" * 2) / "out"
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--budget-cycles", "200", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert f"results: {out / 'results.json'}   corpus: {out / 'corpus.json'}" in result.stdout.splitlines()
