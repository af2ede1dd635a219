"""Which designs a bench covers: benchmark folders (with manifest.toml), folders of .v/.sv
files (one design per folder) and loose .v/.sv files (one design each, top inferred)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verilogreader.design.model import Design
from verilogreader.errors import UsageError
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
        if not root.is_dir():
            raise UsageError(f"{root} is not a folder")
        if (root / "manifest.toml").is_file() or (_sources(root) and not _design_folders(root)):
            entries.append(_entry(root))
            continue
        entries += [_entry(folder) for folder in _design_folders(root)]
        entries += [SuiteEntry(path.stem, "", (path,)) for path in _sources(root)]
    if not entries:
        raise UsageError(f"no designs in {', '.join(map(str, dirs))} (benchmark folders or .v/.sv files)")
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"two designs are named {', '.join(twice)}; bench them from separate runs")
    return sorted(entries, key=lambda e: (_CATEGORY_ORDER.get(e.category, 9), e.name))


_CATEGORY_ORDER = {"simple": 0, "medium": 1, "hard": 2}


def _design_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and ((p / "manifest.toml").is_file() or _sources(p)))


def _entry(folder: Path) -> SuiteEntry:
    if (folder / "manifest.toml").is_file():
        manifest = load_manifest(folder)
        return SuiteEntry(manifest.name, manifest.category, (folder,))
    return SuiteEntry(folder.name, "", (folder,))


def read_entry(entry: SuiteEntry) -> Design:
    return read_paths(list(entry.paths))
