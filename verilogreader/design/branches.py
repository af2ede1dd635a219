"""Branch arms from the syntax of one module: every if/else, case item and `?:` arm.

Arms come from syntax, not from the elaborated AST, so a module instantiated twice has
its arms once and code in generate blocks that are not elaborated still has arms (the
unreachability pass marks them). Generate if/case/for are elaboration-time choices and
are not arms themselves; ternaries in parameter values, widths and generate conditions
are skipped for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyslang import parsing, syntax

from verilogreader.design.model import BranchKind
from verilogreader.design.sources import SourceFile, Sources

SK = syntax.SyntaxKind
TK = parsing.TokenKind

Key = tuple[object, int, int, int]  # (syntax kind, buffer, start, end): finds the AST node again

# Elaboration-time contexts: a `?:` in them is not a run-time decision.
_ELABORATION_KINDS = {
    SK.ParameterDeclaration,
    SK.TypeParameterDeclaration,
    SK.ParameterDeclarationStatement,
    SK.VariableDimension,
    SK.ParameterValueAssignment,
    SK.DefParam,
    SK.GenvarDeclaration,
}

# Expressions that need no parentheses in front of `==`.
_PRIMARY_KINDS = {
    SK.IdentifierName,
    SK.IdentifierSelectName,
    SK.ScopedName,
    SK.IntegerLiteralExpression,
    SK.IntegerVectorExpression,
    SK.UnbasedUnsizedLiteralExpression,
    SK.ElementSelectExpression,
    SK.MemberAccessExpression,
    SK.ParenthesizedExpression,
    SK.ConcatenationExpression,
    SK.InvocationExpression,
    SK.SystemName,
    SK.ValueRangeExpression,
}


def key_of(node) -> Key:
    r = node.sourceRange
    return (node.kind, r.start.buffer.id, r.start.offset, r.end.offset)


@dataclass
class GenScope:
    """The generate block an arm sits in, and the construct that chooses it."""

    block: Key  # matches GenerateBlockSymbol.syntax
    construct: str  # "if", "else", "case", "for"
    condition: str  # the generate condition as written
    names: list[str]  # identifiers in the condition, to show parameter values


@dataclass
class Arm:
    kind: BranchKind
    file: SourceFile
    offset: int  # where the arm is located, in the file's text
    span: tuple[int, int]  # in the file's macro-expanded text, as `keyword`
    condition: str
    parent: Arm | None
    decision: Key  # the if statement, case statement or ternary the arm belongs to
    gen: GenScope | None
    chain: list[Key] = field(default_factory=list)  # final else: the if/else-if chain, head first
    item: int | None = None  # case items: index in the case
    id: str = ""
    unreachable: str | None = None
    keyword: int = 0  # the arm's keyword, in the file's macro-expanded text


def negate(text: str) -> str:
    """`!(text)`, without doubling parentheses the text already has around it."""
    if text.startswith("(") and _closing_paren(text) == len(text) - 1:
        return "!" + text
    return f"!({text})"


def _closing_paren(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i
    return -1


def _children(node):
    return [c for c in node if isinstance(c, syntax.SyntaxNode)]


def _identifiers(node) -> list[str]:
    names: list[str] = []

    def visit(n) -> None:
        if n.kind == SK.IdentifierName:
            names.append(n.identifier.valueText)
        for c in _children(n):
            visit(c)

    visit(node)
    return list(dict.fromkeys(names))


class ArmCollector:
    """Walks one module declaration and records its arms in source order."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.arms: list[Arm] = []

    def collect(self, module_syntax) -> list[Arm]:
        for member in module_syntax.members:
            self._walk(member, None, None)
        return self.arms

    # --- generic walk -------------------------------------------------------------------

    def _walk(self, node, parent: Arm | None, gen: GenScope | None) -> None:
        if node is None or not isinstance(node, syntax.SyntaxNode):
            return
        kind = node.kind
        if kind in _ELABORATION_KINDS or kind == SK.ModuleDeclaration:
            return
        if kind == SK.ConditionalStatement:
            self._if(node, parent, gen, [])
        elif kind == SK.CaseStatement:
            self._case(node, parent, gen)
        elif kind == SK.ConditionalExpression:
            self._ternary(node, parent, gen)
        elif kind == SK.IfGenerate:
            self._if_generate(node, parent)
        elif kind == SK.CaseGenerate:
            self._case_generate(node, parent)
        elif kind == SK.LoopGenerate:
            scope = GenScope(key_of(node.block), "for", self.sources.text(node.stopExpr),
                             _identifiers(node.stopExpr))
            self._walk(node.block, parent, scope)
        else:
            for child in _children(node):
                self._walk(child, parent, gen)

    def _arm(self, kind, token_loc, span, condition, parent, gen, decision) -> Arm:
        where = self.sources.locate(token_loc)
        assert where is not None, "arm outside any known file"
        src, offset = where
        arm = Arm(kind, src, offset, span, condition, parent, key_of(decision), gen)
        arm.keyword = self.sources.sim_offset(token_loc) or 0
        self.arms.append(arm)
        return arm

    def _span(self, node) -> tuple[int, int]:
        where = self.sources.span(node.sourceRange)
        return (where[1], where[2]) if where else (0, 0)

    def _point(self, loc) -> tuple[int, int]:
        where = self.sources.sim_offset(loc)
        return (where, where) if where is not None else (0, 0)

    # --- decisions ----------------------------------------------------------------------

    def _if(self, node, parent, gen, chain: list[Key]) -> None:
        cond = self.sources.text(node.predicate)
        chain = chain + [key_of(node)]
        self._walk(node.predicate, parent, gen)
        then = self._arm(BranchKind.IF, node.ifKeyword.location, self._span(node.statement),
                         f"({cond})", parent, gen, node)
        self._walk(node.statement, then, gen)
        clause = node.elseClause
        if clause is None:
            end = self._span(node.statement)[1]
            last = self._arm(BranchKind.ELSE_IMPLICIT, node.ifKeyword.location, (end, end),
                             negate(f"({cond})"), parent, gen, node)
            last.chain = chain
            return
        other = self._arm(BranchKind.ELSE, clause.elseKeyword.location,
                          self._span(clause.clause), negate(f"({cond})"), parent, gen, node)
        if clause.clause.kind == SK.ConditionalStatement:
            self._if(clause.clause, other, gen, chain)  # else-if: the chain goes on
        else:
            other.chain = chain
            self._walk(clause.clause, other, gen)

    def _case(self, node, parent, gen) -> None:
        sel = self._operand(node.expr)
        if node.matchesOrInside.kind == TK.InsideKeyword:
            test = lambda labels: f"{sel} inside {{{', '.join(labels)}}}"  # noqa: E731
        elif node.caseKeyword.kind in (TK.CaseZKeyword, TK.CaseXKeyword):
            test = lambda labels: " || ".join(f"{sel} matches {lb}" for lb in labels)  # noqa: E731
        else:
            test = lambda labels: " || ".join(f"{sel} == {lb}" for lb in labels)  # noqa: E731
        self._walk(node.expr, parent, gen)
        tests: list[str] = []
        has_default = False
        for item in _children(node.items):
            if item.kind == SK.DefaultCaseItem:
                has_default = True
                continue  # handled after the items, when every label is known
            labels = self._labels(item)
            tests.append(test(labels))
            body = item.clause if item.kind == SK.StandardCaseItem else item.statement
            first = item.getFirstToken().location
            arm = self._arm(BranchKind.CASE_ITEM, first, self._span(body), tests[-1],
                            parent, gen, node)
            arm.item = len(tests) - 1  # index among the non-default items, as in the AST
            self._walk(body, arm, gen)
        rest = negate(f"({' || '.join(tests)})") if tests else "1"
        for item in _children(node.items):
            if item.kind == SK.DefaultCaseItem:
                arm = self._arm(BranchKind.CASE_DEFAULT, item.defaultKeyword.location,
                                self._span(item.clause), rest, parent, gen, node)
                self._walk(item.clause, arm, gen)
        if not has_default:
            self._arm(BranchKind.CASE_DEFAULT_IMPLICIT, node.caseKeyword.location,
                      self._point(node.endcase.location), rest, parent, gen, node)

    def _labels(self, item) -> list[str]:
        if item.kind == SK.PatternCaseItem:
            return [self.sources.text(item.pattern)]
        return [self._operand(e) for e in _children(item.expressions)]

    def _operand(self, expr) -> str:
        text = self.sources.text(expr)
        return text if expr.kind in _PRIMARY_KINDS else f"({text})"

    def _ternary(self, node, parent, gen) -> None:
        cond = self.sources.text(node.predicate)
        self._walk(node.predicate, parent, gen)
        yes = self._arm(BranchKind.TERNARY_TRUE, node.question.location, self._span(node.left),
                        cond, parent, gen, node)
        self._walk(node.left, yes, gen)
        no = self._arm(BranchKind.TERNARY_FALSE, node.colon.location, self._span(node.right),
                       negate(cond), parent, gen, node)
        self._walk(node.right, no, gen)

    # --- generate constructs ------------------------------------------------------------

    def _if_generate(self, node, parent) -> None:
        cond = self.sources.text(node.condition)
        names = _identifiers(node.condition)
        self._walk(node.block, parent, GenScope(key_of(node.block), "if", cond, names))
        if node.elseClause is not None:
            block = node.elseClause.clause
            self._walk(block, parent, GenScope(key_of(block), "else", cond, names))

    def _case_generate(self, node, parent) -> None:
        cond = self.sources.text(node.condition)
        names = _identifiers(node.condition)
        for item in _children(node.items):
            block = item.clause
            self._walk(block, parent, GenScope(key_of(block), "case", cond, names))


def collect_arms(module_syntax, sources: Sources) -> list[Arm]:
    return ArmCollector(sources).collect(module_syntax)
