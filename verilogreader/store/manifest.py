"""Benchmark manifests: `<design folder>/manifest.toml` says how to read a bundled design."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from verilogreader.errors import StoreError


class DeclaredUnreachable(BaseModel):
    """An arm the benchmark's author knows can never run, located by line and kind."""

    model_config = ConfigDict(extra="forbid")
    line: int
    kind: str
    reason: str
    file: str | None = None  # needed only when two files have such an arm on that line


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    top: str
    files: list[str]
    category: Literal["simple", "medium", "hard", "reasoning"]
    description: str = ""
    clock: str | None = None
    reset: str | None = None
    reset_active_low: bool | None = None
    unreachable: list[DeclaredUnreachable] = []


def load_manifest(folder: Path) -> Manifest:
    path = folder / "manifest.toml"
    try:
        return Manifest.model_validate(tomllib.loads(path.read_text()))
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise StoreError(f"{path}: {error}") from None


def benchmark_folders(root: Path) -> list[Path]:
    """Every folder below `root` that holds a manifest, sorted by name."""
    return sorted(p.parent for p in root.glob("*/manifest.toml"))


def read_benchmark(folder: Path, **options):
    """The manifest and the design it describes; non-None `options` (read_design's keyword
    arguments) override what the manifest says."""
    from verilogreader.design.reader import read_design

    manifest = load_manifest(folder)
    settings = {
        "top": manifest.top,
        "clock": manifest.clock,
        "reset": manifest.reset,
        "reset_active_low": manifest.reset_active_low,
    }
    settings.update({k: v for k, v in options.items() if v is not None})
    design = read_design([str(folder / f) for f in manifest.files], **settings)
    return manifest, design.with_unreachable(_declared_ids(manifest, design, folder))


def read_paths(paths: list[Path], **options):
    """A design from source files, from a benchmark folder (with its manifest), or from a
    plain folder of .v/.sv files."""
    from verilogreader.design.reader import read_design

    if len(paths) == 1 and paths[0].is_dir():
        folder = paths[0]
        if (folder / "manifest.toml").is_file():
            return read_benchmark(folder, **options)[1]
        paths = sorted(folder.glob("*.v")) + sorted(folder.glob("*.sv"))
        if not paths:
            raise StoreError(f"{folder} holds no manifest.toml and no .v/.sv files")
    return read_design([str(p) for p in paths], **{k: v for k, v in options.items() if v is not None})


def _declared_ids(manifest: Manifest, design, folder: Path) -> dict[str, str]:
    """Map each declared (file, line, kind) to the one branch point it names."""
    reasons = {}
    for declared in manifest.unreachable:
        matches = [
            b
            for b in design.branch_points
            if b.line == declared.line
            and b.kind.value == declared.kind
            and (declared.file is None or Path(b.file).name == declared.file)
        ]
        if len(matches) != 1:
            found = "no branch point" if not matches else f"{len(matches)} branch points (add file = ...)"
            raise StoreError(
                f"{folder / 'manifest.toml'}: declared unreachable {declared.kind} at line {declared.line} matches {found}"
            )
        reasons[matches[0].id] = declared.reason
    return reasons
