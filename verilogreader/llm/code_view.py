"""Only the code that matters for the shown holes (pure): a 700-line design must leave the
small model room to answer.

Shown: each hole's own arm and the lines of the arms around it (its guard chain), the
statements that assign the signals its guard reads, and the statements assigning the
signals those read (two levels back), each with the arm lines around it. Original line
numbers are kept; a gap is marked. The whole source is shown instead when it fits the budget.
"""

from __future__ import annotations

from verilogreader.design.model import BranchPoint, Design

Listing = list[tuple[str, list[tuple[int, str] | None]]]  # per file: (number, text) or None for a gap
ARM_LINES = 6  # of a hole's own arm body: enough to see what it does
LEVELS = 2  # assignments followed back from the guard's signals


def estimate_tokens(text: str) -> int:
    """A safe over-estimate for code and prose (BPE tokenizers average 3.5-4 characters)."""
    return len(text) // 3 + 1


def whole_source(design: Design) -> Listing:
    return [(f, list(enumerate(design.sources[f].splitlines(), 1))) for f in design.files]


def listing_text(listing: Listing) -> str:
    """The listing as the templates render it, to measure it before rendering."""
    out = []
    for file, items in listing:
        out.append(f"### {file}")
        out += ["  ..." if item is None else f"{item[0]:4d} | {item[1]}" for item in items]
    return "\n".join(out)


def relevant_code(design: Design, points: list[BranchPoint], max_lines: int = 80) -> Listing:
    by_id = {b.id: b for b in design.branch_points}
    wanted: dict[str, set[int]] = {}

    def add(file: str, line: int) -> None:
        wanted.setdefault(file, set()).add(line)

    def around(file: str, line: int) -> None:
        """The line and the keyword lines of the arms that contain it."""
        add(file, line)
        text = design.sources.get(file, "")
        offset = _offset_of_line(text, line)
        for b in design.branch_points:
            if b.file == file and b.span[0] <= offset < b.span[1] and not b.kind.implicit:
                add(file, b.line)

    for point in points:
        end_line = design.sources[point.file].count("\n", 0, point.span[1]) + 1
        for line in range(point.line, min(end_line, point.line + ARM_LINES - 1) + 1):
            add(point.file, line)
        arm = point
        while arm is not None:
            around(arm.file, arm.line)
            arm = by_id.get(arm.parent) if arm.parent else None
        names = {n for a in _ancestry(point, by_id) if a.guard for n in a.guard.signals()}
        seen: set[str] = set()
        for _ in range(LEVELS):
            assigns = [a for a in design.assignments if a.module == point.module and a.signal in names - seen]
            seen |= names
            for a in assigns:
                around(a.file, a.line)
            names = {r for a in assigns for r in a.reads}
    result: Listing = []
    budget = max_lines
    for file in design.files + sorted(set(wanted) - set(design.files)):
        if file not in wanted or budget <= 0:
            continue
        lines = design.sources[file].splitlines()
        chosen = sorted(n for n in wanted[file] if 1 <= n <= len(lines))[:budget]
        budget -= len(chosen)
        items: list[tuple[int, str] | None] = []
        previous = 0
        for n in chosen:
            if n > previous + 1:
                items.append(None)
            items.append((n, lines[n - 1]))
            previous = n
        if previous < len(lines):
            items.append(None)
        result.append((file, items))
    return result


def _ancestry(point: BranchPoint, by_id: dict[str, BranchPoint]) -> list[BranchPoint]:
    found = [point]
    while found[-1].parent and found[-1].parent in by_id:
        found.append(by_id[found[-1].parent])
    return found


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset
