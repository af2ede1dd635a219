"""Source text and positions: turns pyslang locations into (file, offset, line, column).

pyslang counts bytes; `Design.sources` holds `str` text. Offsets given out here index that
`str` (they equal byte offsets for ASCII files), so `sources[file][start:end]` is exact.
Code expanded from a macro is placed at the macro's use in the file (not exact for
instrumentation: a span there covers whole macro uses).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyslang

_WS = re.compile(r"\s+")


@dataclass
class SourceFile:
    """One file's text plus a byte -> character offset map for non-ASCII files."""

    path: str
    text: str
    _byte_ends: list[int] = field(default_factory=list)  # byte offset after each multi-byte char
    _extra: list[int] = field(default_factory=list)  # bytes saved so far, at that point

    @classmethod
    def read(cls, path: str, disk_path: str | Path) -> SourceFile:
        data = Path(disk_path).read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # keep one char per byte so offsets stay exact
            return cls(path, data.decode("latin-1"))
        src = cls(path, text)
        if not data.isascii():
            pos = extra = 0
            for ch in text:
                n = len(ch.encode("utf-8"))
                pos += n
                if n > 1:
                    extra += n - 1
                    src._byte_ends.append(pos)
                    src._extra.append(extra)
        return src

    def char_offset(self, byte_offset: int) -> int:
        i = bisect.bisect_right(self._byte_ends, byte_offset)
        return byte_offset - (self._extra[i - 1] if i else 0)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.text.count("\n", 0, offset) + 1, offset - line_start + 1


class Sources:
    """The files a compilation read, by pyslang buffer, named as the user gave them."""

    def __init__(self, sm: pyslang.SourceManager) -> None:
        self.sm = sm
        self.files: dict[str, SourceFile] = {}
        self._by_buffer: dict[int, SourceFile] = {}

    def add(self, buffer: pyslang.BufferID, path: str, disk_path: str | Path) -> None:
        src = self.files.get(path) or SourceFile.read(path, disk_path)
        self.files[path] = src
        self._by_buffer[buffer.id] = src

    def file_of(self, buffer: pyslang.BufferID) -> SourceFile | None:
        """The file of a buffer; include files are added (by resolved path) on first sight."""
        src = self._by_buffer.get(buffer.id)
        if src is None and buffer.id != 0:
            full = str(self.sm.getFullPath(buffer))
            if full and Path(full).is_file():
                self.add(buffer, full, full)
                src = self._by_buffer[buffer.id]
        return src

    def locate(self, loc: pyslang.SourceLocation) -> tuple[SourceFile, int] | None:
        """File and character offset of a location; macro text is placed where it is used."""
        loc = self._in_file(loc, start=True)
        src = self.file_of(loc.buffer)
        return None if src is None else (src, src.char_offset(loc.offset))

    def span(self, rng: pyslang.SourceRange) -> tuple[SourceFile, int, int] | None:
        """File and [start, end) character offsets of a syntax range.

        A range touching macro text grows to whole macro uses, so it stays in the file.
        """
        start, end = self._in_file(rng.start, start=True), self._in_file(rng.end, start=False)
        src = self.file_of(start.buffer)
        if src is None or end.buffer.id != start.buffer.id:
            return None
        first, last = src.char_offset(start.offset), src.char_offset(end.offset)
        return src, first, max(first, last)

    def _in_file(self, loc: pyslang.SourceLocation, start: bool) -> pyslang.SourceLocation:
        """Macro arguments map to where they were written, macro bodies to the macro use."""
        sm = self.sm
        while sm.isMacroLoc(loc):
            if sm.isMacroArgLoc(loc):
                loc = sm.getOriginalLoc(loc)
            else:
                use = sm.getExpansionRange(loc)
                loc = use.start if start else use.end
        return loc

    def text(self, node) -> str:
        """The source text of a syntax node, whitespace collapsed to single spaces."""
        where = self.span(node.sourceRange)
        raw = where[0].text[where[1] : where[2]] if where else str(node)
        return _WS.sub(" ", raw).strip()
