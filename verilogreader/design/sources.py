"""Source text and positions: turns pyslang locations into (file, offset, line, column).

pyslang counts bytes; `Design.sources` holds `str` text. Offsets given out here index that
`str`, never its bytes: a file that is not UTF-8 is read as Latin-1 (one character per byte),
a UTF-8 file gets a byte -> character map, so `sources[file][start:end]` is exact whatever
the encoding.

Macros: the simulators compile each file with every macro use replaced in place by the
tokens it expands to (`SourceFile.expanded`, one line per use, so line numbers stay those of
the file). An `if` written in a `define` body and used 28 times is then 28 real `if`s, each
with its own place for a marker and its own Verilator coverage point. Branch spans
(`Sources.span`) and condition texts (`Sources.text`) refer to that expanded text;
line and column (`Sources.locate`) stay those of the file, so code from a macro is located
at the macro's use.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyslang
from pyslang import syntax

_WS = re.compile(r"\s+")


@dataclass
class SourceFile:
    """One file's text plus a byte -> character offset map for non-ASCII files."""

    path: str
    text: str
    encoding: str = "utf-8"  # how the file's bytes decode; copies are written back the same way
    expanded: str | None = None  # the text with its macro uses expanded, when it has any
    _byte_ends: list[int] = field(default_factory=list)  # byte offset after each multi-byte char
    _extra: list[int] = field(default_factory=list)  # bytes saved so far, at that point
    _uses: list[tuple[int, int]] = field(default_factory=list)  # (end of a use, length change so far)

    @classmethod
    def read(cls, path: str, disk_path: str | Path) -> SourceFile:
        data = Path(disk_path).read_bytes()
        try:
            return cls.of_text(path, data.decode("utf-8"))
        except UnicodeDecodeError:  # one char per byte, so byte offsets are char offsets
            return cls(path, data.decode("latin-1"), "latin-1")

    @classmethod
    def of_text(cls, path: str, text: str) -> SourceFile:
        """A file whose bytes are the UTF-8 encoding of `text` (what pyslang parses from a str)."""
        src = cls(path, text)
        if not text.isascii():
            pos = extra = 0
            for ch in text:
                n = len(ch.encode("utf-8"))
                pos += n
                if n > 1:
                    extra += n - 1
                    src._byte_ends.append(pos)
                    src._extra.append(extra)
        return src

    @property
    def sim_text(self) -> str:
        return self.text if self.expanded is None else self.expanded

    def char_offset(self, byte_offset: int) -> int:
        i = bisect.bisect_right(self._byte_ends, byte_offset)
        return byte_offset - (self._extra[i - 1] if i else 0)

    def sim_offset(self, offset: int) -> int:
        """Where a character offset of `text` (outside macro uses) lands in `sim_text`."""
        i = bisect.bisect_right(self._uses, (offset, float("inf")))
        return offset + (self._uses[i - 1][1] if i else 0)

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
        self._macro_starts: dict[tuple[int, int], int] = {}  # macro token (buffer, byte) -> sim offset
        self._macro_ends: dict[tuple[int, int], int] = {}

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

    def expand_macros(self, root: syntax.SyntaxNode) -> None:
        """Give each file with macro uses its `expanded` text, and note where every token went."""
        uses: dict[tuple[int, int, int], list[pyslang.parsing.Token]] = {}
        files: dict[int, SourceFile] = {}
        for token in _tokens(root):
            if not self.sm.isMacroLoc(token.location):
                continue
            use = self.sm.getExpansionRange(token.location)
            while self.sm.isMacroLoc(use.start):
                use = self.sm.getExpansionRange(use.start)
            src = self.file_of(use.start.buffer)
            if src is None or use.end.buffer.id != use.start.buffer.id:
                continue
            key = (use.start.buffer.id, use.start.offset, use.end.offset)
            files[use.start.buffer.id] = src
            uses.setdefault(key, []).append(token)
        for buffer_id, src in files.items():
            self._expand(src, sorted((k[1], k[2], t) for k, t in uses.items() if k[0] == buffer_id))

    def _expand(self, src: SourceFile, uses: list) -> None:
        pieces: list[str] = []
        length = last = 0
        for start_byte, end_byte, tokens in uses:
            start, end = src.char_offset(start_byte), src.char_offset(end_byte)
            pieces.append(src.text[last:start])
            length += start - last
            for n, token in enumerate(tokens):
                if n and token.trivia:
                    pieces.append(" ")
                    length += 1
                loc = token.location
                self._macro_starts[(loc.buffer.id, loc.offset)] = length
                pieces.append(token.rawText)
                length += len(token.rawText)
                self._macro_ends[(loc.buffer.id, loc.offset + len(token.rawText.encode()))] = length
            newlines = src.text.count("\n", start, end)  # the lines the use took, kept
            pieces.append("\n" * newlines)
            length += newlines
            last = end
            src._uses.append((end, length - end))
        pieces.append(src.text[last:])
        src.expanded = "".join(pieces)

    def locate(self, loc: pyslang.SourceLocation) -> tuple[SourceFile, int] | None:
        """File and character offset of a location; macro text is placed where it is used."""
        loc = self._in_file(loc, start=True)
        src = self.file_of(loc.buffer)
        return None if src is None else (src, src.char_offset(loc.offset))

    def sim_offset(self, loc: pyslang.SourceLocation) -> int | None:
        """Character offset of a location in its file's `sim_text`."""
        found = self._macro_starts.get((loc.buffer.id, loc.offset))
        if found is not None:
            return found
        where = self.locate(loc)
        return None if where is None else where[0].sim_offset(where[1])

    def span(self, rng: pyslang.SourceRange) -> tuple[SourceFile, int, int] | None:
        """File and [start, end) character offsets of a syntax range in `sim_text`.

        A range touching macro text that was not expanded grows to whole macro uses.
        """
        start, end = self._in_file(rng.start, start=True), self._in_file(rng.end, start=False)
        src = self.file_of(start.buffer)
        if src is None or end.buffer.id != start.buffer.id:
            return None
        first = self._macro_starts.get((rng.start.buffer.id, rng.start.offset))
        last = self._macro_ends.get((rng.end.buffer.id, rng.end.offset))
        if first is None:
            first = src.sim_offset(src.char_offset(start.offset))
        if last is None:
            last = src.sim_offset(src.char_offset(end.offset))
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
        """The (macro-expanded) source text of a syntax node, whitespace collapsed."""
        where = self.span(node.sourceRange)
        raw = where[0].sim_text[where[1] : where[2]] if where else str(node)
        return _WS.sub(" ", raw).strip()


def _tokens(node):
    for child in node:
        if isinstance(child, syntax.SyntaxNode):
            yield from _tokens(child)
        elif isinstance(child, pyslang.parsing.Token):
            yield child
