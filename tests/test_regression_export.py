"""`export-test`: the generated cocotb module replays a real corpus on real Icarus, standalone.

Each test records a corpus with the tool, renders the module, then builds and runs it with
cocotb's own runner (no VerilogReader involved at run time) and reads results.xml.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from verilogreader.design.model import Direction
from verilogreader.errors import StoreError
from verilogreader.report.regression_test import render_regression_test
from verilogreader.store.corpus import Corpus, CorpusSequence, load_corpus
from verilogreader.store.manifest import read_benchmark

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
pytestmark = pytest.mark.sim


def record_corpus(name: str, out: Path, cycles: int) -> Corpus:
    done = subprocess.run(
        [sys.executable, "-m", "verilogreader.cli", "run", str(BENCHMARKS / name), "--strategy", "random-dict",
         "--budget-cycles", str(cycles), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return load_corpus(out / "corpus.json")


def render(name: str, corpus: Corpus, module: str) -> str:
    _, design = read_benchmark(BENCHMARKS / name)
    return render_regression_test(
        corpus,
        clock=design.clock_reset.clock,
        reset=design.clock_reset.reset,
        reset_active_low=design.clock_reset.reset_active_low,
        inputs=[p.name for p in design.driven_inputs],
        outputs=[p.name for p in design.ports if p.direction is Direction.OUTPUT],
        module=module,
    )


def run_cocotb(sources: list[Path], top: str, test_dir: Path, module: str, monkeypatch, env: dict | None = None) -> dict[str, str]:
    """Build and run `module` (a file in test_dir) with cocotb's runner; test name -> status."""
    from cocotb_tools.runner import get_runner

    monkeypatch.syspath_prepend(str(test_dir))  # the runner passes sys.path as PYTHONPATH
    runner = get_runner("icarus")
    build = test_dir / "sim_build"
    (test_dir / "results.xml").unlink(missing_ok=True)
    runner.build(sources=sources, hdl_toplevel=top, build_dir=build, timescale=("1ns", "1ps"), always=True)
    try:
        runner.test(hdl_toplevel=top, test_module=module, build_dir=build, test_dir=test_dir,
                    results_xml=str(test_dir / "results.xml"), extra_env=env or {})
    except SystemExit:  # under pytest the runner exits when a test failed; results.xml says which
        pass
    statuses = {}
    for case in ET.parse(test_dir / "results.xml").iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        statuses[case.get("name")] = "failed" if failed else "passed"
    return statuses


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def test_seq_lock_corpus_replays_and_a_broken_output_fails(tmp_path, monkeypatch):
    corpus = record_corpus("seq_lock", tmp_path / "run", 3000)
    assert corpus.sequences
    text = render("seq_lock", corpus, "test_seq_lock_regression")
    assert "verilogreader" not in imported_modules(text)
    assert imported_modules(text) <= {"cocotb", "cocotb_tools", "__future__"} | set(sys.stdlib_module_names)
    assert corpus.design["sha256"] in text and f"{len(corpus.sequences)} sequence(s)" in text
    assert "CHECK_OUTPUTS_KNOWN = True" in text
    (tmp_path / "test_seq_lock_regression.py").write_text(text)

    source = BENCHMARKS / "seq_lock" / "seq_lock.v"
    good = run_cocotb([source], "seq_lock", tmp_path, "test_seq_lock_regression", monkeypatch)
    assert good == {"replay_corpus": "passed"}

    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    broken = broken_dir / "seq_lock.v"
    original = source.read_text()
    assert "assign open     = (step == S_OPEN);" in original
    broken.write_text(original.replace("assign open     = (step == S_OPEN);", "assign open = 1'bx;"))
    (broken_dir / "test_seq_lock_regression.py").write_text(text)
    assert run_cocotb([broken], "seq_lock", broken_dir, "test_seq_lock_regression", monkeypatch) == {"replay_corpus": "failed"}

    (broken_dir / "test_seq_lock_regression.py").write_text(text.replace("CHECK_OUTPUTS_KNOWN = True", "CHECK_OUTPUTS_KNOWN = False"))
    assert run_cocotb([broken], "seq_lock", broken_dir, "test_seq_lock_regression", monkeypatch) == {"replay_corpus": "passed"}


def test_alu_two_files_combinational_runs_standalone_with_its_own_runner(tmp_path, monkeypatch):
    corpus = record_corpus("alu", tmp_path / "run", 2000)
    text = render("alu", corpus, "test_alu_regression")
    assert "CLOCK = None" in text
    module = tmp_path / "test_alu_regression.py"
    module.write_text(text)
    sources = [BENCHMARKS / "alu" / f for f in ("alu.v", "alu_adder.v")]
    assert run_cocotb(sources, "alu", tmp_path, "test_alu_regression", monkeypatch) == {"replay_corpus": "passed"}

    # The module's own entry point (`python test_alu_regression.py`), in a clean environment
    # where VerilogReader cannot be imported: it must not need it.
    standalone = tmp_path / "standalone"
    standalone.mkdir()
    (standalone / module.name).write_text(text)
    (standalone / "verilogreader.py").write_text("raise ImportError('the generated test must not import verilogreader')\n")
    done = subprocess.run([sys.executable, module.name], cwd=standalone, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "alu: passed" in done.stdout

    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    alu = (BENCHMARKS / "alu" / "alu.v").read_text()
    broken_alu = re.sub(r"assign zero\s*=[^;]*;", "assign zero = 1'bx;", alu)
    assert broken_alu != alu
    (broken_dir / "alu.v").write_text(broken_alu)
    (broken_dir / module.name).write_text(text)
    failed = subprocess.run([sys.executable, module.name, str(broken_dir / "alu.v"), str(sources[1])],
                            cwd=broken_dir, capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert "alu: FAILED" in failed.stdout and "X/Z on zero" in failed.stdout + failed.stderr


SEQ_LOCK_CODES = [0x3C, 0xA7, 0x11, 0xF0, 0x5E, 0x92]
CHECKS = """\
import cocotb
from test_semantics import SEQUENCES, replay


@cocotb.test()
async def semantics(dut):
    # All six codes, one per cycle: the last one is clocked before the replay ends.
    assert await replay(dut, SEQUENCES, [0]) == []
    assert dut.open.value == 1 and dut.progress.value == 6
    # No reset: the lock stays open although the inputs start again at 0.
    assert await replay(dut, SEQUENCES, [1]) == []
    assert dut.open.value == 1
    # With reset: closed again. Then five codes and no sixth: step 5.
    assert await replay(dut, SEQUENCES, [2]) == []
    assert dut.open.value == 0 and dut.progress.value == 5
"""


def test_replay_applies_the_tool_semantics_on_seq_lock(tmp_path, monkeypatch):
    """A hand-made corpus whose outcome is known: inputs on the falling edge, one clock per
    cycle, the last cycle clocked, `reset: false` keeping state."""
    _, design = read_benchmark(BENCHMARKS / "seq_lock")
    codes = [{"valid": 1, "code": c} for c in SEQ_LOCK_CODES]
    corpus = Corpus(
        design={"top": "seq_lock", "files": [], "sha256": "0" * 64},
        simulator="icarus",
        sequences=[
            CorpusSequence(reset=True, cycles=codes),
            CorpusSequence(reset=False, cycles=[{}]),
            CorpusSequence(reset=True, cycles=[*codes[:5], {"valid": 0}]),
        ],
    )
    (tmp_path / "test_semantics.py").write_text(render("seq_lock", corpus, "test_semantics"))
    (tmp_path / "semantics_checks.py").write_text(CHECKS)
    statuses = run_cocotb([BENCHMARKS / "seq_lock" / "seq_lock.v"], "seq_lock", tmp_path, "semantics_checks", monkeypatch)
    assert statuses == {"semantics": "passed"}

    # VR_SEQUENCES selects sequences; one without reset brings the one it continues from.
    statuses = run_cocotb([BENCHMARKS / "seq_lock" / "seq_lock.v"], "seq_lock", tmp_path, "test_semantics",
                          monkeypatch, env={"VR_SEQUENCES": "1"})
    assert statuses == {"replay_corpus": "passed"}
    module = importlib.import_module("test_semantics")
    assert module.selected(module.SEQUENCES, "1") == [0, 1]
    assert module.selected(module.SEQUENCES, "2, 0-1") == [0, 1, 2]
    assert module.selected(module.SEQUENCES, "") == [0, 1, 2]


@pytest.mark.parametrize(
    "cycles, inputs, message",
    [
        ([{"code": 1, "evil": 2}], ["code"], "not an input"),
        ([{"code": 1}], ["code", "a\"); import os; ("], "not a plain Verilog identifier"),
        ([{"code": -1}], ["code"], "not a bit pattern"),
    ],
)
def test_corpus_strings_never_become_code(cycles, inputs, message):
    corpus = Corpus(design={"top": "seq_lock", "sha256": "x"}, simulator="icarus",
                    sequences=[CorpusSequence(cycles=cycles)])
    with pytest.raises(StoreError, match=message):
        render_regression_test(corpus, clock="clk", reset=None, reset_active_low=False, inputs=inputs, outputs=[])


def test_other_corpus_strings_are_literals():
    sneaky = 'x"""\nimport os\n'
    corpus = Corpus(design={"top": "seq_lock", "files": [sneaky], "sha256": sneaky, "defines": {sneaky: sneaky}},
                    simulator=sneaky, sequences=[CorpusSequence(cycles=[{"code": 3}], strategy=sneaky)])
    text = render_regression_test(corpus, clock="clk", reset="rst_n", reset_active_low=True,
                                  inputs=["rst_n", "code"], outputs=["open"])
    clean = render_regression_test(corpus.model_copy(update={"design": {"top": "seq_lock"}, "simulator": "icarus"}),
                                   clock="clk", reset="rst_n", reset_active_low=True, inputs=["rst_n", "code"], outputs=["open"])
    tree = ast.parse(text)
    assert [ast.dump(n) for n in tree.body if not isinstance(n, ast.Assign)][1:] == \
        [ast.dump(n) for n in ast.parse(clean).body if not isinstance(n, ast.Assign)][1:]  # same code, docstring aside
    values = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name) and t.id in {"SOURCES", "DEFINES"}}
    assert values == {"SOURCES": [sneaky], "DEFINES": {sneaky: sneaky}}
