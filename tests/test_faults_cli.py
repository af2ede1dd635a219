"""Faults a user meets at the command line, through the real CLI with real Icarus: Ctrl-C, SIGTERM
and SIGKILL in the middle of a hanging simulation, a bad --out, a second run into a used folder,
a hang against a time budget, and text from a model, a design or a file name on the terminal.

A hang is a design that spins in a zero-delay loop when `a == 5`: vvp never returns by itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_llm_server import FakeLLMServer
from test_cli import LOCK, cli, write

pytestmark = pytest.mark.sim

HANG = """\
module hang(input clk, input [3:0] a, output reg [3:0] y);
  reg [3:0] n;
  always @(posedge clk) begin
    if (a == 4'd5) begin n = 0; while (n < 4'd15) y <= 0; end
    else y <= a;
  end
endmodule
"""
CALM = HANG.replace("begin n = 0; while (n < 4'd15) y <= 0; end", "y <= 1;")  # same top, no hang
SAFE_START = {"sequences": [{"reset": True, "cycles": [{"a": 1}, {"a": 2}]}]}  # covers the else, never a == 5
EXIT_INTERRUPTED = 2  # README, "Exit codes"


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "verilogreader.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a job started in the background (nohup, `&` in a script) inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def simulators_under(root: Path) -> list[int]:
    """Live simulator processes (vvp) working under `root`, whoever their parent is now."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if "vvp" in cmdline and "zombie" not in state and (cwd.startswith(str(root)) or str(root) in cmdline):
            found.append(int(entry.name))
    return found


def wait_inside_simulation(root: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not simulators_under(root):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the simulation never started"
        time.sleep(0.1)
    time.sleep(0.5)  # well inside the hang


def left_behind(root: Path, seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while (pids := simulators_under(root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids


def hanging_run(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    design = write(tmp_path, "hang.v", HANG)
    stimuli = write(tmp_path, "start.json", json.dumps(SAFE_START))
    out = tmp_path / "out"
    process = start("run", str(design), "--stimuli", str(stimuli), "--budget-cycles", "5000", "--timeout", "300", "--out", str(out), *extra)
    deadline = time.monotonic() + 120
    while not _corpus_size(out / "corpus.json"):  # the safe batch is done: the next one hangs
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the first batch never ended"
        time.sleep(0.1)
    wait_inside_simulation(tmp_path, process)
    return process, out


def _corpus_size(path: Path) -> int:
    try:
        return len(json.loads(path.read_text())["sequences"])
    except (OSError, ValueError):
        return 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_hanging_run_saves_everything_and_leaves_no_simulator(tmp_path, signum):
    process, out = hanging_run(tmp_path)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert stderr.strip().endswith("interrupted") and "Traceback" not in stderr
    assert "stopped because" in stdout, "the final report is printed"
    assert json.loads((out / "results.json").read_text())["stop_reason"] == "interrupted"
    corpus = json.loads((out / "corpus.json").read_text())
    assert len(corpus["sequences"]) == 1, "the sequence found before the hang is kept"
    assert left_behind(tmp_path) == []
    assert not list((out / "work" / "runs").glob("run-*")), "an interrupted batch leaves no run folder"


def test_a_killed_run_takes_its_simulator_with_it(tmp_path):
    process, out = hanging_run(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert left_behind(tmp_path) == [], "vvp must not spin on, re-parented to PID 1"
    assert len(json.loads((out / "corpus.json").read_text())["sequences"]) == 1, "saved after the batch before"


def test_sigterm_during_a_bench_saves_it_and_stops_every_cell(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    write(suite, "hang.v", HANG)
    out = tmp_path / "bench"
    process = start("bench", str(suite), "--strategies", "random", "--seeds", "2", "--jobs", "2", "--timeout", "300", "--out", str(out))
    wait_inside_simulation(tmp_path, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED and "interrupted" in stderr and "Traceback" not in stderr
    assert json.loads((out / "bench.json").read_text())["cells"] == [], "no cell finished; the file is valid"
    assert left_behind(tmp_path) == []


def test_ctrl_c_during_a_gate_gives_no_verdict(tmp_path):
    calm = write(tmp_path, "calm.v", CALM)
    opens = write(tmp_path, "five.json", json.dumps({"sequences": [{"cycles": [{"a": 5}]}, {"cycles": [{"a": 1}]}]}))
    made = cli("run", str(calm), "--stimuli", str(opens), "--budget-cycles", "2", "--out", str(tmp_path / "made"))
    assert made.returncode == 0, made.stderr
    out = tmp_path / "gate"
    process = start("gate", str(tmp_path / "made" / "corpus.json"), str(write(tmp_path, "hang.v", HANG)),
                    "--min-reachable", "0", "--timeout", "300", "--out", str(out))
    wait_inside_simulation(tmp_path, process)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED and "interrupted" in stderr and "Traceback" not in stderr
    assert "gate passed" not in stdout and "gate failed" not in stdout
    results = json.loads((out / "results.json").read_text())
    assert results["stop_reason"] == "interrupted" and "checks" not in results
    assert left_behind(tmp_path) == []


def test_a_hanging_simulation_ends_at_the_time_budget_and_keeps_its_log(tmp_path):
    design = write(tmp_path, "hang.v", HANG)
    out = tmp_path / "out"
    result = cli("run", str(design), "--budget-seconds", "3", "--budget-cycles", "100000", "--timeout", "300", "--out", str(out))
    assert "Traceback" not in result.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["wall_seconds"] < 6, "a batch may not outlast the wall-time budget (it took 21 s of 3)"
    assert any("time budget" in p for p in results["problems"]), results["problems"]
    kept = list((out / "work" / "runs").glob("run-*"))
    assert len(kept) == 1 and (kept[0] / "sim.log").is_file() and "timed out" in (kept[0] / "STOPPED").read_text()


def test_finished_batches_leave_no_run_folder(tmp_path):
    out = tmp_path / "out"
    result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--budget-cycles", "3000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "results.json").read_text())["cycles"] >= 3000
    assert not list((out / "work" / "runs").glob("run-*"))


@pytest.fixture
def lock_corpus(tmp_path) -> tuple[Path, Path]:
    design = write(tmp_path, "lock.v", LOCK)
    result = cli("run", str(design), "--budget-cycles", "300", "--out", str(tmp_path / "made"))
    assert result.returncode == 0, result.stderr
    return design, tmp_path / "made" / "corpus.json"


@pytest.mark.parametrize("command", ["run", "replay", "gate", "bench"])
def test_an_unusable_out_folder_is_one_clear_message(tmp_path, lock_corpus, command):
    design, corpus = lock_corpus
    args = {"run": [str(design)], "replay": [str(corpus), str(design)], "gate": [str(corpus), str(design)], "bench": [str(design)]}
    a_file = write(tmp_path, "taken", "a file, not a folder\n")
    for out, message in [
        (a_file, "is a file, not a folder"),
        (a_file / "below", "cannot write into the output folder"),  # NotADirectoryError
        (Path("/sys/verilogreader-test-out"), "cannot write into the output folder"),  # refused even to root
    ]:
        result = cli(command, *args[command], "--out", str(out))
        assert result.returncode == 2, (out, result.stderr)
        assert message in result.stderr and str(out) in result.stderr and "Traceback" not in result.stderr


def test_a_second_run_never_replaces_a_corpus(tmp_path):
    design = write(tmp_path, "lock.v", LOCK)
    out = tmp_path / "out"
    assert cli("run", str(design), "--budget-cycles", "2000", "--out", str(out)).returncode == 0
    before = (out / "corpus.json").read_bytes()
    again = cli("run", str(design), "--budget-cycles", "10", "--out", str(out))
    assert again.returncode == 2 and f"--corpus {out / 'corpus.json'}" in again.stderr and "Traceback" not in again.stderr
    assert (out / "corpus.json").read_bytes() == before
    extended = cli("run", str(design), "--budget-cycles", "500", "--corpus", str(out / "corpus.json"), "--out", str(out))
    assert extended.returncode == 0, extended.stderr
    kept = len(json.loads(before)["sequences"])
    assert len(json.loads((out / "corpus.json").read_text())["sequences"]) >= kept


def test_two_commands_cannot_write_one_folder_at_once(tmp_path):
    first, out = hanging_run(tmp_path)
    second = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--budget-cycles", "100", "--out", str(out))
    assert second.returncode == 2 and f"the output folder {out} is in use" in second.stderr
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert first.returncode == EXIT_INTERRUPTED
    assert len(json.loads((out / "corpus.json").read_text())["sequences"]) == 1, "the first run's corpus is whole"


MARKUP = "[/nonexistent] [bold green]styled[/] \x1b[31mred\x1b[0m \x07"


def test_design_text_and_file_names_are_shown_as_written(tmp_path):
    design = write(tmp_path, "lock.v", LOCK.replace("2'd2: begin open", f"2'd2: begin // {MARKUP}\n open"))
    out = tmp_path / "out[/nonexistent]"
    result = cli("run", str(design), "--budget-cycles", "200", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "[/nonexistent] [bold green]styled[/] [31mred[0m" in result.stdout, "the comment, in the uncovered excerpt"
    assert f"results: {out / 'results.json'}" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_model_claims_are_shown_as_written_recorded_once_and_only_about_real_holes(tmp_path):
    claims = [{"hole": f"H{n}", "reason": MARKUP} for n in (*range(1, 13), 99)]
    answer = json.dumps({"sequences": [{"reset": True, "cycles": [{"code": 1}]}], "unreachable": claims})
    chatter = " and more" * 200_000  # 1.8 MB after the JSON: the exchange log keeps a bounded part
    out = tmp_path / "out"
    with FakeLLMServer([("answer", answer + chatter)]) as server:
        result = cli("run", str(write(tmp_path, "lock.v", LOCK)), "--strategy", "llm", "--llm", server.url,
                     "--llm-model", "fake", "--llm-calls", "2", "--budget-cycles", "200", "--out", str(out),
                     env={**os.environ, "OPENAI_API_KEY": "test-key"})
    assert result.returncode == 0, result.stderr
    assert "[/nonexistent] [bold green]styled[/] [31mred[0m" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    llm = json.loads((out / "results.json").read_text())["llm"]
    holes = [c["hole"] for c in llm["unreachable_claims"]]
    assert llm["calls"] == 2 and holes and len(holes) == len(set(holes)), "each claim once, not once per call"
    assert "H99" not in holes, "the design has no such hole"
    log = out / "llm-exchanges.jsonl"
    assert log.stat().st_size < 400_000 and "characters not logged" in log.read_text()


def test_charts_of_a_design_without_cells_raise_no_warning():
    """matplotlib's UserWarnings (an empty legend) leaked into bench output."""
    import warnings

    from verilogreader.bench.model import Bench, BenchSettings, DesignInfo
    from verilogreader.report.bench_plots import coverage_vs_cycles, suite_chart

    bench = Bench(settings=BenchSettings(simulator="icarus", budget_cycles=100), strategies=["random"], seeds=[1],
                  designs={"d": DesignInfo(name="d", top="d", files=["d.v"], points={"p": "d.v:1 if"}, unreachable={})})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert coverage_vs_cycles(bench, "d").startswith(b"\x89PNG") and suite_chart(bench).startswith(b"\x89PNG")
    assert [str(w.message) for w in caught] == []
