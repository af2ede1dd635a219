"""Corpus, replay, gate and minimize as a CI user runs them: real processes, real Icarus."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verilogreader.engine.minimize import minimize
from verilogreader.store.atomic import write_json
from verilogreader.store.corpus import Corpus, CorpusSequence, load_corpus

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
pytestmark = pytest.mark.sim


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verilogreader.cli", *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def vending(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the vending_fsm benchmark and a corpus recorded on it."""
    root = tmp_path_factory.mktemp("vending")
    design = root / "vending_fsm"
    shutil.copytree(BENCHMARKS / "vending_fsm", design)
    result = cli("run", design, "--strategy", "random", "--budget-cycles", "3000", "--seed", "4", "--out", root / "run")
    assert result.returncode == 0, result.stderr
    return design, root / "run" / "corpus.json"


def idle_corpus(corpus: Path, path: Path) -> Path:
    """A corpus of one sequence that only idles one cycle after reset: it provably misses every
    arm that needs a coin, whatever the recorded corpus covers."""
    loaded = load_corpus(corpus)
    write_json(path, loaded.model_copy(update={"sequences": [CorpusSequence(reset=True, cycles=[{}], covers=[])]}).model_dump())
    return path


def test_gate_passes_fails_and_writes_every_export(vending, tmp_path):
    design, corpus = vending
    passed = cli("gate", corpus, design, "--min-reachable", "50", "--out", tmp_path / "ok")
    assert passed.returncode == 0, passed.stderr
    assert "reachable coverage:" in passed.stdout and "gate passed" in passed.stdout
    for name in ("results.json", "coverage.info", "cobertura.xml", "junit.xml", "summary.md"):
        assert (tmp_path / "ok" / name).stat().st_size > 0, name

    failed = cli("gate", idle_corpus(corpus, tmp_path / "idle.json"), design, "--min-reachable", "100", "--out", tmp_path / "bad")
    assert json.loads((tmp_path / "bad" / "results.json").read_text())["totals"]["reachable_percent"] < 100
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL" in failed.stdout and "Uncovered reachable branches" in failed.stdout
    junit = (tmp_path / "bad" / "junit.xml").read_text()
    assert "reachable coverage &gt;= 100%" in junit or "reachable coverage >= 100%" in junit


def test_gate_fails_on_a_regression_against_the_baseline(vending, tmp_path):
    design, corpus = vending
    full = cli("gate", corpus, design, "--min-reachable", "0", "--out", tmp_path / "full")
    assert full.returncode == 0
    loaded = load_corpus(corpus)
    write_json(tmp_path / "small.json", loaded.model_copy(update={"sequences": loaded.sequences[:1]}).model_dump())
    regressed = cli("gate", tmp_path / "small.json", design, "--min-reachable", "0",
                    "--baseline", tmp_path / "full" / "results.json", "--out", tmp_path / "reg")
    assert regressed.returncode == 1
    assert "no coverage regression" in regressed.stdout and "lost" in regressed.stdout


def test_baseline_branches_are_found_again_after_a_comment_line_moves_every_id(vending, tmp_path):
    _, corpus = vending
    source = (BENCHMARKS / "vending_fsm" / "vending_fsm.v").read_text()
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, new = tmp_path / "old" / "vending_fsm.v", tmp_path / "new" / "vending_fsm.v"
    old.write_text(source)
    new.write_text("// one comment line: every branch id moves one line down\n" + source)
    base = cli("gate", corpus, old, "--min-reachable", "0", "--out", tmp_path / "base")
    assert base.returncode == 0, base.stderr
    baseline = json.loads((tmp_path / "base" / "results.json").read_text())
    covered_before = {p["id"] for p in baseline["points"] if p["covered"]}

    # Before: ids were compared, so the idle corpus on the moved design "lost" 1 branch of 20+.
    idle = idle_corpus(corpus, tmp_path / "idle.json")
    regressed = cli("gate", idle, new, "--min-reachable", "0", "--baseline", tmp_path / "base" / "results.json",
                    "--out", tmp_path / "reg")
    assert regressed.returncode == 1, regressed.stdout
    assert "FAIL no coverage regression" in regressed.stdout
    now = json.loads((tmp_path / "reg" / "results.json").read_text())
    details = now["checks"][-1]["details"]
    covered_now = {p["id"] for p in now["points"] if p["covered"]}
    moved = {f"{f}:{int(line) + 1}:{rest}" for f, line, rest in (i.split(":", 2) for i in covered_before)}
    assert set(details["lost"]) == moved - covered_now  # exactly the baseline's arms, one line down
    assert details["unmatched"] == [] and details["compared"] == len(covered_before)

    # The full corpus on the moved design loses nothing: no false failure either.
    same = cli("gate", corpus, new, "--min-reachable", "0", "--baseline", tmp_path / "base" / "results.json",
               "--out", tmp_path / "same")
    assert same.returncode == 0, same.stdout
    assert f"every one of the {len(covered_before)} branch(es) covered" in same.stdout

    # A version-1 baseline (no arm_digest, no unobserved) is still read, by guards alone.
    old_format = {**baseline, "version": 1, "points": [
        {k: v for k, v in p.items() if k not in ("arm_digest", "unobserved")} for p in baseline["points"]]}
    write_json(tmp_path / "v1.json", old_format)
    v1 = cli("gate", idle, new, "--min-reachable", "0", "--baseline", tmp_path / "v1.json", "--out", tmp_path / "v1")
    assert v1.returncode == 1
    assert json.loads((tmp_path / "v1" / "results.json").read_text())["checks"][-1]["details"]["lost"] == details["lost"]
    write_json(tmp_path / "v99.json", {**baseline, "version": 99})
    v99 = cli("gate", idle, new, "--baseline", tmp_path / "v99.json", "--out", tmp_path / "v99")
    assert v99.returncode == 2 and "version 99" in v99.stderr and "Traceback" not in v99.stderr


def test_baseline_branches_that_cannot_be_found_are_named(vending, tmp_path):
    _, corpus = vending
    source = (BENCHMARKS / "vending_fsm" / "vending_fsm.v").read_text()
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, new = tmp_path / "old" / "vending_fsm.v", tmp_path / "new" / "vending_fsm.v"
    old.write_text(source)
    assert source.count("if (cancel) begin") == 1
    new.write_text(source.replace("if (cancel) begin", "if (cancel && !select) begin"))
    assert cli("gate", corpus, old, "--min-reachable", "0", "--out", tmp_path / "base").returncode == 0
    baseline = json.loads((tmp_path / "base" / "results.json").read_text())
    cancel = next(p["id"] for p in baseline["points"] if p["condition"] == "(cancel)")
    result = cli("gate", corpus, new, "--min-reachable", "0", "--baseline", tmp_path / "base" / "results.json",
                 "--out", tmp_path / "o")
    assert "could not be found in this design" in result.stdout and cancel in result.stdout
    assert cancel in json.loads((tmp_path / "o" / "results.json").read_text())["checks"][-1]["details"]["unmatched"]


def test_a_baseline_of_another_design_is_refused(vending, tmp_path):
    design, corpus = vending
    other = cli("run", BENCHMARKS / "seq_lock", "--budget-cycles", "500", "--out", tmp_path / "other")
    assert other.returncode == 0, other.stderr
    result = cli("gate", corpus, design, "--min-reachable", "0", "--baseline", tmp_path / "other" / "results.json",
                 "--out", tmp_path / "o")
    assert result.returncode == 2, result.stdout
    assert "baseline of top module 'seq_lock', not 'vending_fsm'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"format": "verilogreader.corpus", "version": 99, "design": {}, "simulator": "icarus"}', "version 99"),
        ('{"format": "verilogreader.corpus", "version": 1, "design": {"top": "x"}, "simul', "truncated"),
        ('{"format": "something-else"}', "not a VerilogReader corpus"),
    ],
)
def test_bad_corpus_files_are_tool_errors(vending, tmp_path, content, message):
    design, _ = vending
    path = tmp_path / "corpus.json"
    path.write_text(content)
    result = cli("gate", path, design, "--min-reachable", "50", "--out", tmp_path / "o")
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_corpus_of_another_design_and_bad_threshold_are_refused(vending, tmp_path):
    design, corpus = vending
    other = cli("gate", corpus, BENCHMARKS / "seq_lock", "--min-reachable", "50", "--out", tmp_path / "o")
    assert other.returncode == 2 and "corpus for top module 'vending_fsm'" in other.stderr
    threshold = cli("gate", corpus, design, "--min-reachable", "150")
    assert threshold.returncode == 2


def test_replay_says_when_the_design_changed_and_which_sequences_lost_coverage(vending, tmp_path):
    design, corpus = vending
    changed = tmp_path / "vending_fsm"
    shutil.copytree(design, changed)
    source = changed / "vending_fsm.v"
    text = source.read_text()
    # Make cancelling impossible: the refund path can no longer be taken.
    assert "if (cancel) begin" in text
    source.write_text(text.replace("if (cancel) begin", "if (cancel && 1'b0) begin"))
    result = cli("replay", corpus, changed, "--out", tmp_path / "r")
    assert result.returncode == 0, result.stderr
    assert "changed since" in result.stdout
    lost = json.loads((tmp_path / "r" / "results.json").read_text())["lost"]
    assert lost and "no longer covers" in result.stdout


def replayed_points(corpus: Path, design: Path, out: Path) -> set[str]:
    """The points a corpus covers when Icarus replays it (not what the file claims)."""
    result = cli("replay", corpus, design, "--out", out)
    assert result.returncode == 0, result.stderr
    return {p["id"] for p in json.loads((out / "results.json").read_text())["points"] if p["covered"]}


def test_minimize_keeps_every_point_with_fewer_sequences(vending, tmp_path):
    design, recorded = vending
    original = load_corpus(recorded)
    # Redundant by construction: the run's corpus twice, as when two copies of one corpus are merged
    redundant = tmp_path / "redundant.json"
    write_json(redundant, original.model_copy(update={"sequences": original.sequences * 2}).model_dump())
    result = cli("corpus", "minimize", redundant, "--out", tmp_path / "min.json")
    assert result.returncode == 0, result.stderr
    after = load_corpus(tmp_path / "min.json")
    assert len(after.sequences) <= len(original.sequences) < 2 * len(original.sequences)
    assert len({s.model_dump_json() for s in after.sequences}) == len(after.sequences), "no copy is kept"
    assert after.covered() == original.covered()
    covered = replayed_points(redundant, design, tmp_path / "all")
    assert covered and replayed_points(tmp_path / "min.json", design, tmp_path / "min") == covered


def test_minimize_keeps_reset_free_sequences_with_their_predecessor():
    def seq(reset, covers):
        return CorpusSequence(reset=reset, cycles=[{}], covers=covers)

    corpus = Corpus(design={"top": "t"}, simulator="icarus",
                    sequences=[seq(True, ["a"]), seq(False, ["b"]), seq(True, ["a", "c"]), seq(True, ["a"])])
    kept = minimize(corpus).sequences
    assert [s.covers for s in kept] == [["a"], ["b"], ["a", "c"]]


def test_run_appends_to_a_corpus_instead_of_overwriting_it(vending, tmp_path):
    design, corpus = vending
    appended = tmp_path / "corpus.json"
    shutil.copy(corpus, appended)
    before = load_corpus(appended)
    result = cli("run", design, "--corpus", appended, "--strategy", "random-dict", "--seed", "9",
                 "--budget-cycles", "3000", "--out", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    after = load_corpus(appended)
    assert after.sequences[: len(before.sequences)] == before.sequences
    assert all(s.strategy == "random-dict" for s in after.sequences[len(before.sequences):])


def test_atomic_write_never_leaves_a_corrupt_file(tmp_path):
    path = tmp_path / "corpus.json"
    write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.json"]


def test_export_test_writes_a_standalone_cocotb_regression_that_passes(vending, tmp_path):
    _, corpus = vending
    module = tmp_path / "test_vending_regression.py"
    result = cli("export-test", corpus, "--out", module)
    assert result.returncode == 0, result.stderr
    assert "import verilogreader" not in module.read_text() and "from verilogreader" not in module.read_text()
    run = subprocess.run([sys.executable, module.name], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "PASS=1" in run.stdout


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    write_json(tmp_path / "results.json", {"a": 1})
    assert stat.S_IMODE((tmp_path / "results.json").stat().st_mode) == 0o666 & ~umask, "not mkstemp's 0600"
