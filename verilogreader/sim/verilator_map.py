"""Map Verilator's native coverage points onto the design's branch points.

What Verilator 5.48 (`--coverage-line`) reports, measured on this project's test designs:
- `if` with an explicit or a missing else: `o=if` at the `if` keyword (line, column) and
  `o=else` at (same line, column + 1), the latter with no line set `S` when the else is
  implicit. Both are counts of executions of that arm.
- `if (a) X else if (b) Y`: the outer if has no branch points, only `o=elsif` (a line point)
  at its keyword, counting its then-arm; its else-arm (the inner if) is "inner if ran":
  the inner if's then-count plus its else-count.
- case items: `o=case` (a line point) at the item's colon; `default:` at the `default` keyword.
  A case without default has no point for "no item matched". We derive it: the count of the
  innermost block / arm whose line set S holds the `case` line, minus the sum of the item
  counts; it is hit when that difference is positive. Needs every item mapped.
- ternaries: `o=cond_then` / `o=cond_else` on the line of the `?`, but `n` is not a column
  (it counts up per ternary on the line); we pair them in order with the ternaries of that
  line sorted by the position of their `?` (outer before inner for `a ? (b ? x : y) : z`,
  which is what Verilator emits). When the numbers differ, that line's ternaries stay unobserved.
- code from a macro: the copy Verilator compiles has each macro use expanded on its own line
  (`Design.sim_source`), so its points sit at that copy's real columns like any others; lines
  and columns here are those of that copy, offsets are characters (not bytes).
Every mapping is a signed sum of counts ("formula"); a point is hit when its sum is > 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from verilogreader.design.model import BranchKind, BranchPoint, Design
from verilogreader.sim.coverage_dat import CovPoint
from verilogreader.sim.syntax_index import Node, SyntaxIndex

Formula = list[tuple[int, tuple[str, int, int, str]]]  # (sign, (file, line, column, what))


@dataclass
class Mapping:
    formulas: dict[str, Formula] = field(default_factory=dict)
    unobserved: dict[str, str] = field(default_factory=dict)

    def covered(self, counts: dict[tuple[str, int, int, str], int]) -> frozenset[str]:
        return frozenset(pid for pid, formula in self.formulas.items()
                         if sum(sign * counts.get(place, 0) for sign, place in formula) > 0)


def by_place(points: dict[CovPoint, int], files: dict[str, str]) -> dict[tuple[str, int, int, str], int]:
    """Counts keyed by (design file, line, column, what); `files` maps Verilator's f to design file."""
    counts: dict[tuple[str, int, int, str], int] = defaultdict(int)
    for point, count in points.items():
        if point.file in files:
            counts[(files[point.file], point.line, point.column, point.what)] += count
    return counts


def build_mapping(design: Design, points: dict[CovPoint, int], files: dict[str, str]) -> Mapping:
    mapping = Mapping()
    known = [p for p in points if p.file in files]
    places = {(files[p.file], p.line, p.column, p.what): p for p in known}
    indexes = {name: SyntaxIndex.parse(design.sim_source(name)) for name in design.sources}
    for point in design.branch_points:
        index = indexes.get(point.file)
        if index is None:
            mapping.unobserved[point.id] = f"file {point.file} is not among the design's files"
            continue
        ctx = _Context(point.file, index, places, known, files)
        try:
            mapping.formulas[point.id] = ctx.formula(point)
        except _Unobserved as why:
            mapping.unobserved[point.id] = str(why)
    return mapping


class _Unobserved(Exception):
    pass


@dataclass
class _Context:
    file: str
    index: SyntaxIndex
    places: dict[tuple[str, int, int, str], CovPoint]
    known: list[CovPoint]
    files: dict[str, str]

    def formula(self, point: BranchPoint) -> Formula:
        kind, span = point.kind, point.span
        if kind is BranchKind.IF:
            return self._then(self._if_with(span, "statement"))
        if kind is BranchKind.ELSE:
            return self._else(self._if_with(span, "else"))
        if kind is BranchKind.ELSE_IMPLICIT:
            line, column = self._line_col(point.keyword)
            return self._need(line, column + 1, "else")
        if kind in (BranchKind.CASE_ITEM, BranchKind.CASE_DEFAULT):
            return self._item(self._item_with(span))
        if kind is BranchKind.CASE_DEFAULT_IMPLICIT:
            return self._implicit_default(point)
        return self._ternary(point)

    # --- helpers -----------------------------------------------------------------------------
    def _loc(self, token: object) -> tuple[int, int]:
        return self._line_col(self.index.offset(token))

    def _line_col(self, offset: int) -> tuple[int, int]:
        """Line and column in the compiled text (its lines are the file's; macro uses expanded)."""
        text = self.index.text
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def _place(self, line: int, column: int, what: str) -> tuple[str, int, int, str] | None:
        key = (self.file, line, column, what)
        return key if key in self.places else None

    def _need(self, line: int, column: int, what: str) -> Formula:
        key = self._place(line, column, what)
        if key is None:
            raise _Unobserved(f"Verilator has no '{what}' point at line {line}, column {column}")
        return [(1, key)]

    def _if_with(self, span: tuple[int, int], part: str) -> Node:
        for node in self.index.nodes:
            if node.kind != "ConditionalStatement":
                continue
            raw = node.raw
            target = raw.statement if part == "statement" else (raw.elseClause.clause if raw.elseClause else None)  # type: ignore[attr-defined]
            if target is not None and self.index.range_of(target) == span:
                return node
        raise _Unobserved("its if statement was not found in the file")

    def _then(self, node: Node) -> Formula:
        line, column = self._loc(node.raw.ifKeyword)  # type: ignore[attr-defined]
        key = self._place(line, column, "if") or self._place(line, column, "elsif")
        if key is None:
            raise _Unobserved(f"Verilator has no 'if' point at line {line}, column {column}")
        return [(1, key)]

    def _else(self, node: Node) -> Formula:
        line, column = self._loc(node.raw.ifKeyword)  # type: ignore[attr-defined]
        key = self._place(line, column + 1, "else")
        if key is not None:
            return [(1, key)]
        if self._place(line, column, "elsif") is None or node.raw.elseClause is None:  # type: ignore[attr-defined]
            raise _Unobserved(f"Verilator has no 'else' point at line {line}, column {column + 1}")
        clause = node.raw.elseClause.clause  # type: ignore[attr-defined]
        inner = self._if_at(self.index.range_of(clause))
        return self._then(inner) + self._else(inner)  # the else-arm ran = the inner if ran

    def _if_at(self, span: tuple[int, int]) -> Node:
        for node in self.index.by_range.get(span, []):
            if node.kind == "ConditionalStatement":
                return node
        raise _Unobserved("the else-if's inner if was not found")

    def _item_with(self, span: tuple[int, int]) -> Node:
        for node in self.index.nodes:
            if node.kind in ("StandardCaseItem", "DefaultCaseItem"):
                clause = node.raw.clause  # type: ignore[attr-defined]
                if self.index.range_of(clause) == span:
                    return node
        raise _Unobserved("its case item was not found in the file")

    def _item(self, node: Node) -> Formula:
        raw = node.raw
        token = raw.defaultKeyword if node.kind == "DefaultCaseItem" else raw.colon  # type: ignore[attr-defined]
        line, column = self._loc(token)
        return self._need(line, column, "case")

    def _implicit_default(self, point: BranchPoint) -> Formula:
        case = self._case_at(point.keyword)
        items = [n for n in self.index.nodes if n.parent is case and n.kind in ("StandardCaseItem", "DefaultCaseItem")]
        terms: Formula = []
        for item in items:
            terms += [(-sign, key) for sign, key in self._item(item)]
        line = self._line_col(point.keyword)[0]
        item_keys = {key for _, key in terms}
        enclosing = [p for p in self.known if self.files[p.file] == self.file and line in p.lines
                     and p.what in ("block", "if", "else", "elsif", "case")
                     and (self.file, p.line, p.column, p.what) not in item_keys]
        if not enclosing:
            raise _Unobserved(f"no Verilator block covers line {line}, so 'no item matched' cannot be derived")
        outer = min(enclosing, key=lambda p: (len(p.lines), -p.line))
        return [(1, (self.file, outer.line, outer.column, outer.what))] + terms

    def _case_at(self, offset: int) -> Node:
        text = self.index.text
        cases = [n for n in self.index.nodes if n.kind == "CaseStatement" and n.start <= offset < n.end
                 and set(text[n.start:offset].split()) <= {"unique", "unique0", "priority"}]
        if not cases:
            raise _Unobserved("its case statement was not found in the file")
        return min(cases, key=lambda n: n.end - n.start)

    def _ternary(self, point: BranchPoint) -> Formula:
        true_arm = point.kind is BranchKind.TERNARY_TRUE
        node = self.index.ternary_with_arm(point.span, true_arm)
        if node is None:
            raise _Unobserved("its ternary was not found in the file")
        line, _ = self._loc(node.raw.question)  # type: ignore[attr-defined]
        same_line = sorted((n for n in self.index.nodes if n.kind == "ConditionalExpression"
                            and self._loc(n.raw.question)[0] == line),  # type: ignore[attr-defined]
                           key=lambda n: n.raw.question.location.offset)  # type: ignore[attr-defined]
        what = "cond_then" if true_arm else "cond_else"
        verilator = sorted(p.column for p in self.known
                           if self.files[p.file] == self.file and p.line == line and p.what == what)
        if len(verilator) != len(same_line):
            raise _Unobserved(f"Verilator reports {len(verilator)} ternaries on line {line}, the source has {len(same_line)}")
        rank = next(i for i, n in enumerate(same_line) if n is node)
        return [(1, (self.file, line, verilator[rank], what))]
