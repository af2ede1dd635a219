"""The simulator build cache key covers every module that shapes a build, by folder, not by a
hand-kept list of names (verilator_map.py and coverage_dat.py were once left out of it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from verilogreader.sim import adapter
from verilogreader.sim.adapter import CODE_FOLDERS, code_hash

PACKAGE = Path(adapter.__file__).resolve().parents[1]


def test_the_key_folders_are_all_of_sim_and_design():
    assert {Path(f).resolve() for f in CODE_FOLDERS} == {PACKAGE / "sim", PACKAGE / "design"}


def test_the_key_changes_when_any_module_changes_or_is_added(tmp_path):
    folders = [tmp_path / "sim", tmp_path / "design"]
    for folder in folders:
        shutil.copytree(PACKAGE / folder.name, folder, ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted(p for folder in folders for p in folder.rglob("*.py"))
    names = {p.name for p in modules}
    assert {"verilator_map.py", "coverage_dat.py", "harness.py", "instrument.py", "model.py"} <= names
    base = code_hash(folders)
    assert code_hash(folders) == base, "the key is stable"
    assert base == code_hash(CODE_FOLDERS), "a copy of the code has the package's key"
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n")
        assert code_hash(folders) != base, f"{module.name} is not in the key"
        module.write_bytes(original)
    assert code_hash(folders) == base
    (folders[0] / "new_probe.py").write_text("X = 1\n")
    assert code_hash(folders) != base, "a new module is in the key the day it is added"
