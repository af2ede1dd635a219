"""Writing a design's (possibly rewritten) sources into a build folder.

Copies keep their file names and lines (macro uses are expanded on their own line) and are
written in the file's own encoding (a Latin-1 file stays Latin-1); each file gets its own
sub-folder so equal names in different folders do not clash. `user_paths` gives the user's
path of each copy, so a compile error names the user's file and line, not the build folder.
The original folders stay on the include path so relative `include`s still resolve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from verilogreader.design.model import Design


def write_sources(design: Design, build_dir: Path, rewrite: Callable[[str, str], str]) -> list[Path]:
    """Write every file of the design (text from `rewrite(file, text)`) and return their paths."""
    written = []
    for number, name in enumerate(design.files):
        folder = build_dir / "src" / str(number)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / Path(name).name
        path.write_text(rewrite(name, design.sim_source(name)), encoding=design.encodings.get(name, "utf-8"))
        written.append(path)
    return written


def user_paths(design: Design, written: list[Path]) -> dict[str, str]:
    """Copy path -> the path the user gave, for messages."""
    return {str(path): name for path, name in zip(written, design.files)}


def include_dirs(design: Design) -> list[str]:
    dirs: list[str] = []
    for name in list(design.include_dirs) + [str(Path(f).parent) for f in design.files]:
        folder = Path(name).resolve()
        if folder.is_dir() and str(folder) not in dirs:
            dirs.append(str(folder))
    return dirs


def define_args(design: Design) -> list[str]:
    return [f"-D{k}={v}" if v != "" else f"-D{k}" for k, v in design.defines.items()]
