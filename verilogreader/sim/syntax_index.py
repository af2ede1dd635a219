"""The few syntax facts instrumentation needs, from pyslang, as plain offsets.

The design model gives each branch arm's span; placing a hit marker also needs to know
where the enclosing `if` / `case` ends, which statement holds a ternary, and where each
module header ends. This module answers those questions for one file's text. Nodes that
come from a macro expansion are left out: their offsets point into the macro, not the file.
Offsets are character offsets into the text (pyslang's are bytes of its UTF-8 encoding), as
the design model's spans are: use `offset` / `range_of` on raw pyslang nodes and tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyslang import syntax

from verilogreader.design.sources import SourceFile


@dataclass
class Node:
    kind: str
    start: int
    end: int
    parent: Node | None = field(default=None, repr=False)
    raw: object = field(default=None, repr=False, compare=False)
    children: list[Node] = field(default_factory=list, repr=False, compare=False)


@dataclass
class SyntaxIndex:
    text: str
    nodes: list[Node]
    by_range: dict[tuple[int, int], list[Node]]
    modules: dict[str, Node]  # module name -> ModuleHeader node
    chars: SourceFile = field(repr=False)  # byte -> character offsets

    @classmethod
    def parse(cls, text: str) -> SyntaxIndex:
        tree = syntax.SyntaxTree.fromText(text)
        buffer = tree.root.sourceRange.start.buffer
        char = SourceFile.of_text("", text).char_offset
        nodes: list[Node] = []
        modules: dict[str, Node] = {}

        def visit(raw: syntax.SyntaxNode, parent: Node | None) -> None:
            rng = raw.sourceRange
            own = rng.start.buffer == buffer and rng.end.buffer == buffer and rng.start.offset <= rng.end.offset
            node = Node(str(raw.kind).split(".")[-1], char(rng.start.offset), char(rng.end.offset), parent, raw)
            if own:
                nodes.append(node)
                if parent is not None:
                    parent.children.append(node)
            if node.kind == "ModuleDeclaration" and own:
                header = raw.header  # type: ignore[attr-defined]
                hr = header.sourceRange
                modules[header.name.valueText] = Node("ModuleHeader", char(hr.start.offset), char(hr.end.offset),
                                                      node, header)
            for child in raw:
                if isinstance(child, syntax.SyntaxNode):
                    visit(child, node if own else parent)

        visit(tree.root, None)
        by_range: dict[tuple[int, int], list[Node]] = {}
        for node in nodes:
            by_range.setdefault((node.start, node.end), []).append(node)
        return cls(text, nodes, by_range, modules, SourceFile.of_text("", text))

    def offset(self, token) -> int:
        """Character offset of a raw pyslang token."""
        return self.chars.char_offset(token.location.offset)

    def range_of(self, raw) -> tuple[int, int]:
        """Character [start, end) of a raw pyslang node."""
        rng = raw.sourceRange
        return self.chars.char_offset(rng.start.offset), self.chars.char_offset(rng.end.offset)

    def keyword_node(self, offset: int, kind: str) -> Node | None:
        """The node of `kind` that starts at `offset` (e.g. the `if` statement of an implicit else)."""
        found = [n for n in self.nodes if n.start == offset and n.kind == kind]
        return min(found, key=lambda n: n.end - n.start) if found else None

    def statement_at(self, span: tuple[int, int]) -> Node | None:
        """The statement-like node whose range is exactly the span."""
        for node in self.by_range.get(span, []):
            if node.kind.endswith("Statement") or node.kind in _ARM_LIKE:
                return node
        return None

    def ternary_with_arm(self, span: tuple[int, int], true_arm: bool) -> Node | None:
        """The ConditionalExpression whose left (true) or right (false) operand is the span."""
        for node in self.nodes:
            if node.kind != "ConditionalExpression" or not (node.start <= span[0] and span[1] <= node.end):
                continue
            operand = node.raw.left if true_arm else node.raw.right  # type: ignore[attr-defined]
            if self.range_of(operand) == span:
                return node
        return None

    def predicate_text(self, cond: Node) -> str:
        start, end = self.range_of(cond.raw.predicate)  # type: ignore[attr-defined]
        return self.text[start:end]

    def arm_side(self, cond: Node, inner: Node) -> bool | None:
        """True/False if `inner` lies in cond's true/false operand, None if in its predicate."""
        for side, operand in ((True, cond.raw.left), (False, cond.raw.right)):  # type: ignore[attr-defined]
            start, end = self.range_of(operand)
            if start <= inner.start and inner.end <= end:
                return side
        return None


_ARM_LIKE = {"EmptyStatement"}
