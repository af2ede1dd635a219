"""Annotated source: the lines around each uncovered branch, with the branch marked in place."""

from __future__ import annotations

from dataclasses import dataclass

from verilogreader.coverage.model import CoverageMap
from verilogreader.design.model import BranchPoint, Design


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    marks: tuple[BranchPoint, ...]  # uncovered points located on this line


@dataclass(frozen=True)
class Excerpt:
    file: str
    lines: tuple[SourceLine | None, ...]  # None marks a gap between two excerpts


def uncovered_excerpts(
    design: Design, coverage: CoverageMap, context: int = 2, include_unreachable: bool = False
) -> list[Excerpt]:
    """Per file, the uncovered points' lines with `context` lines around them."""
    missing = set(coverage.uncovered if include_unreachable else coverage.uncovered_reachable)
    excerpts = []
    for file in design.files + sorted(set(design.sources) - set(design.files)):
        points = [b for b in design.branch_points if b.file == file and b.id in missing]
        if not points:
            continue
        source = design.sources[file].splitlines()
        by_line: dict[int, list[BranchPoint]] = {}
        for point in points:
            by_line.setdefault(point.line, []).append(point)
        shown = sorted({n for line in by_line for n in range(line - context, line + context + 1) if 1 <= n <= len(source)})
        lines: list[SourceLine | None] = []
        for index, number in enumerate(shown):
            if index and number != shown[index - 1] + 1:
                lines.append(None)
            lines.append(SourceLine(number, source[number - 1], tuple(by_line.get(number, ()))))
        excerpts.append(Excerpt(file, tuple(lines)))
    return excerpts


def describe(point: BranchPoint) -> str:
    text = f"{point.kind.value} [{point.id}] when {point.condition}"
    if point.unreachable:
        text += f" (unreachable: {point.unreachable})"
    return text


def excerpts_as_text(excerpts: list[Excerpt]) -> str:
    """Plain text, for logs and Markdown: `>>` marks a line holding an uncovered branch."""
    out = []
    for excerpt in excerpts:
        out.append(f"--- {excerpt.file}")
        for line in excerpt.lines:
            if line is None:
                out.append("     ...")
                continue
            marker = ">>" if line.marks else "  "
            out.append(f"{marker}{line.number:5d} | {line.text}")
            for point in line.marks:
                out.append(f"        | {' ' * max(point.column - 1, 0)}^ {describe(point)}")
    return "\n".join(out)
