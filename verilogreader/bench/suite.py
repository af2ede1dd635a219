"""Which designs a bench covers.

Each argument is a benchmark folder (it holds a manifest.toml: one design), a .v/.sv file (one
design) or a suite folder. In a suite folder every subfolder with a manifest.toml or .v/.sv
files is one design, and every loose .v/.sv file is one design of its own, top inferred: a
suite's loose files are never joined into one design (same-named modules in them would clash).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verilogreader.design.model import Design
from verilogreader.errors import DesignError, UsageError
from verilogreader.store.manifest import load_manifest, read_paths

VERILOG = ("*.v", "*.sv")


@dataclass(frozen=True)
class SuiteEntry:
    name: str
    category: str
    paths: tuple[Path, ...]  # one benchmark/plain folder, or one file


def _sources(folder: Path) -> list[Path]:
    return sorted(p for pattern in VERILOG for p in folder.glob(pattern))


def suite_entries(dirs: list[Path]) -> list[SuiteEntry]:
    """Every design under the given folders, sorted by name; names must be unique."""
    entries: list[SuiteEntry] = []
    for root in dirs:
        if root.is_file() and root.suffix in (".v", ".sv"):
            entries.append(_loose(root))
        elif (root / "manifest.toml").is_file():
            entries.append(_entry(root))
        elif root.is_dir():
            entries += [_entry(folder) for folder in _design_folders(root)]
            entries += [_loose(path) for path in _sources(root)]
        else:
            raise UsageError(f"{root} is neither a folder nor a .v/.sv file")
    if not entries:
        raise UsageError(
            f"no designs in {', '.join(map(str, dirs))}: a suite folder holds benchmark folders, "
            "folders of .v/.sv files or loose .v/.sv files"
        )
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"two designs are named {', '.join(twice)}; bench them from separate runs")
    return sorted(entries, key=lambda e: (_CATEGORY_ORDER.get(e.category, 9), e.name))


_CATEGORY_ORDER = {"simple": 0, "medium": 1, "hard": 2, "reasoning": 3}


def _design_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and ((p / "manifest.toml").is_file() or _sources(p)))


def _entry(folder: Path) -> SuiteEntry:
    if (folder / "manifest.toml").is_file():
        manifest = load_manifest(folder)
        return SuiteEntry(manifest.name, manifest.category, (folder,))
    return SuiteEntry(folder.name, "", (folder,))


def _loose(path: Path) -> SuiteEntry:
    return SuiteEntry(path.stem, "", (path,))


def read_entry(entry: SuiteEntry) -> Design:
    try:
        return read_paths(list(entry.paths))
    except DesignError as error:
        if entry.paths[0].is_file() and "unknown module" in str(error):
            raise DesignError(
                f"{error}\n(a loose file of a suite folder is a design of its own: put the files "
                "of one design in a subfolder of the suite)"
            ) from None
        raise
