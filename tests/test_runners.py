"""runners/: the CI integrations. The YAML files only call runners/gate.sh, and gate.sh runs
the real `verilogreader gate` end to end with the exit codes CI relies on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNERS = ROOT / "runners"
GATE = RUNNERS / "gate.sh"
ACTION = RUNNERS / "github" / "action.yml"
WORKFLOW = RUNNERS / "github" / "verilogreader-gate.yml"
GITLAB = RUNNERS / "gitlab" / "verilogreader.gitlab-ci.yml"
GATE_LINE = "reachable coverage: 64.0%"  # what `verilogreader gate` prints


def load_yaml(path: Path):
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text())


def test_yaml_files_only_call_gate_sh_without_yaml_parser():
    """Holds without PyYAML: the shell logic lives in gate.sh, not in the YAML files."""
    for path in (ACTION, GITLAB):
        text = path.read_text()
        assert "gate.sh" in text, path
        assert "verilogreader gate" not in text.replace("`verilogreader gate`", ""), path
        assert not re.search(r"apt-get\s+(update|install)|-m\s+pip|pip3?\s+install\s+[-\"'$]", text), path
    assert re.search(r'^\s*run: bash "\$GITHUB_ACTION_PATH/\.\./gate\.sh"\s*$', ACTION.read_text(), re.M)
    assert re.search(r'^\s*- bash "\$VR_GATE_SCRIPT"\s*$', GITLAB.read_text(), re.M)
    assert (ACTION.parent / ".." / "gate.sh").resolve() == GATE
    assert os.access(GATE, os.X_OK)


def test_action_is_a_composite_that_runs_gate_sh_and_uploads_the_reports():
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    scripts = [s for s in steps if "run" in s]
    assert len(scripts) == 1 and "$GITHUB_ACTION_PATH/../gate.sh" in scripts[0]["run"]
    assert scripts[0]["shell"] == "bash"
    assert "${{" not in scripts[0]["run"]  # inputs come in as environment variables only
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    for name in ("results.json", "coverage.info", "cobertura.xml", "junit.xml", "summary.md"):
        assert f"/{name}" in upload["with"]["path"]

    declared = set(action["inputs"])
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", ACTION.read_text()))
    assert used == declared, "every input is used and every used input declared"
    assert {"corpus", "design", "top", "simulator", "min-reachable", "baseline", "python-version", "install"} <= declared
    documented = set(re.findall(r"^#\s+(VR_[A-Z_]+)", GATE.read_text(), re.M))
    assert set(scripts[0]["env"]) <= documented


def test_example_workflow_uses_the_action_on_push_and_pull_request():
    workflow = load_yaml(WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    steps = workflow["jobs"]["gate"]["steps"]
    gate = next(s for s in steps if "runners/github" in s.get("uses", ""))
    assert {"corpus", "design"} <= set(gate["with"])


def test_gitlab_template_reports_junit_cobertura_and_reads_the_percentage():
    job = load_yaml(GITLAB)[".verilogreader-gate"]
    assert job["script"] == ['bash "$VR_GATE_SCRIPT"']
    assert job["variables"]["VR_GATE_SCRIPT"] == "runners/gate.sh"
    reports = job["artifacts"]["reports"]
    assert reports["junit"] == "vr-gate/junit.xml"
    assert reports["coverage_report"] == {"coverage_format": "cobertura", "path": "vr-gate/cobertura.xml"}
    assert job["artifacts"]["when"] == "always"
    pattern = job["coverage"]
    assert pattern.startswith("/") and pattern.endswith("/")
    match = re.search(pattern[1:-1], f"PASS something\n{GATE_LINE}\ngate passed\n")
    assert match and match.group(1) == "64.0"
    assert re.search(pattern[1:-1], "reachable coverage: 100.0%").group(1) == "100.0"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_gate_sh_is_shellcheck_clean():
    done = subprocess.run(["shellcheck", str(GATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def run_gate(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VR_", "GITHUB_"))}
    # the `verilogreader` of this interpreter, also when its venv is not activated
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(variables)
    return subprocess.run(["bash", str(GATE)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def seq_lock_corpus(tmp_path_factory) -> Path:
    """A small real corpus of seq_lock: random covers part of it, never all (6 exact codes)."""
    out = tmp_path_factory.mktemp("corpus")
    done = subprocess.run(
        [sys.executable, "-m", "verilogreader.cli", "run", str(ROOT / "benchmarks" / "seq_lock"),
         "--strategy", "random", "--budget-cycles", "2000", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "corpus.json"


@pytest.mark.sim
def test_gate_sh_passes_with_a_low_threshold_and_writes_the_job_summary(tmp_path, seq_lock_corpus):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier steps\n")
    done = run_gate(tmp_path, VR_CORPUS=str(seq_lock_corpus), VR_DESIGN=str(ROOT / "benchmarks" / "seq_lock"),
                    VR_MIN_REACHABLE="10", VR_BASELINE=str(tmp_path / "no-baseline-yet.json"),
                    GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"reachable coverage: \d+\.\d%", done.stdout)
    assert "no baseline" in done.stdout
    for name in ("results.json", "coverage.info", "cobertura.xml", "junit.xml", "summary.md"):
        assert (tmp_path / "vr-gate" / name).is_file(), name
    text = summary.read_text()
    assert text.startswith("earlier steps\n")
    assert text[len("earlier steps\n"):] == (tmp_path / "vr-gate" / "summary.md").read_text()


@pytest.mark.sim
def test_gate_sh_fails_with_exit_1_when_coverage_is_below_the_threshold(tmp_path, seq_lock_corpus):
    results = tmp_path / "baseline.json"
    first = run_gate(tmp_path, VR_CORPUS=str(seq_lock_corpus), VR_DESIGN=str(ROOT / "benchmarks" / "seq_lock" / "*.v"),
                     VR_MIN_REACHABLE="100", VR_OUT="out")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "FAILED" in first.stdout
    # The same corpus against its own results as the baseline loses nothing: still only
    # the threshold fails.
    shutil.copy(tmp_path / "out" / "results.json", results)
    again = run_gate(tmp_path, VR_CORPUS=str(seq_lock_corpus), VR_DESIGN=str(ROOT / "benchmarks" / "seq_lock"),
                     VR_MIN_REACHABLE="0", VR_BASELINE=str(results), VR_OUT="out")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "--baseline" in again.stdout


@pytest.mark.sim
def test_gate_sh_tool_errors_are_exit_2_with_a_summary(tmp_path):
    summary = tmp_path / "step_summary.md"
    done = run_gate(tmp_path, VR_CORPUS=str(tmp_path / "missing.json"), VR_DESIGN=str(ROOT / "benchmarks" / "seq_lock"),
                    GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "exit code 2" in summary.read_text()
    assert run_gate(tmp_path, VR_DESIGN="x.v").returncode == 2  # no corpus named
