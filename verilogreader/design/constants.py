"""The design's dictionary: literals it compares inputs and state against.

Collected from the elaborated AST (so a localparam or enum name used as an operand or a
case label is resolved to its value) of every instance body, plus the integer parameters.
Literals with x/z bits are left out; duplicates on (value, width, signal) keep the first.
"""

from __future__ import annotations

from pyslang import ast, syntax

from verilogreader.design.model import Constant
from verilogreader.design.sources import Sources

_OPS = ast.BinaryOperator
_COMPARISONS = {
    _OPS.Equality, _OPS.Inequality, _OPS.CaseEquality, _OPS.CaseInequality,
    _OPS.WildcardEquality, _OPS.WildcardInequality,
    _OPS.LessThan, _OPS.LessThanEqual, _OPS.GreaterThan, _OPS.GreaterThanEqual,
}


class ConstantCollector:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.found: dict[tuple[int, int | None, str | None], Constant] = {}

    def add_body(self, body) -> None:
        for param in body.parameters:
            if param.kind == ast.SymbolKind.Parameter:
                self._add_parameter(param)
        scope = body

        def compare(node):
            if node.op in _COMPARISONS:
                self._add(node.right, _signal(node.left), scope)
                self._add(node.left, _signal(node.right), scope)

        def inside(node):
            signal = _signal(node.left)
            for item in node.rangeList:
                if item.kind == ast.ExpressionKind.ValueRange:
                    self._add(item.left, signal, scope)
                    self._add(item.right, signal, scope)
                else:
                    self._add(item, signal, scope)

        def case(node):
            signal = _signal(node.expr)
            for group in node.items:
                for label in group.expressions:
                    self._add(label, signal, scope)

        def block(node):
            return ast.VisitAction.Skip if node.isUninstantiated else ast.VisitAction.Advance

        body.visit(lookup_table={
            ast.ExpressionKind.BinaryOp: compare,
            ast.ExpressionKind.Inside: inside,
            ast.StatementKind.Case: case,
            ast.SymbolKind.GenerateBlock: block,
            ast.SymbolKind.Instance: lambda _: ast.VisitAction.Skip,
        })

    def constants(self) -> list[Constant]:
        return list(self.found.values())

    def _add(self, expr, signal: str | None, scope) -> None:
        expr = unwrap(expr)
        if expr.syntax is None or expr.kind == ast.ExpressionKind.ValueRange:
            return
        value = constant_int(expr.eval(ast.EvalContext(scope)))
        if value is None:
            return
        self._store(value, _width(expr), self.sources.text(expr.syntax), signal, expr.syntax)

    def _add_parameter(self, param) -> None:
        value = constant_int(param.value)
        if value is not None and param.syntax is not None:
            self._store(value, _parameter_width(param), param.name, None, param.syntax)

    def _store(self, value, width, text, signal, node) -> None:
        key = (value, width, signal)
        if key not in self.found:
            where = self.sources.locate(node.sourceRange.start)
            line = where[0].line_col(where[1])[0] if where else None
            self.found[key] = Constant(value=value, width=width, text=text, signal=signal,
                                       line=line)


def _signal(expr) -> str | None:
    """The name on the other side of a comparison, when it is a plain signal."""
    expr = unwrap(expr)
    if expr.kind == ast.ExpressionKind.NamedValue:
        if expr.symbol.kind in (ast.SymbolKind.Net, ast.SymbolKind.Variable, ast.SymbolKind.Port):
            return expr.symbol.name
    return None


def _width(expr) -> int | None:
    if expr.isUnsizedInteger:
        return None
    if expr.kind == ast.ExpressionKind.NamedValue and expr.symbol.kind == ast.SymbolKind.Parameter:
        return _parameter_width(expr.symbol)
    width = expr.type.bitWidth
    return width or None


def _parameter_width(param) -> int | None:
    """None for a parameter declared without a type and given an unsized (integer) value."""
    declaration = param.syntax.parent if param.syntax is not None else None
    type_syntax = getattr(declaration, "type", None)
    implicit = (
        type_syntax is not None
        and type_syntax.kind == syntax.SyntaxKind.ImplicitType
        and len(type_syntax.dimensions) == 0
    )
    if implicit and param.type.isSigned and param.type.bitWidth == 32:
        return None
    return param.type.bitWidth or None


def unwrap(expr):
    """The expression under implicit conversions (its own type and width)."""
    while expr.kind == ast.ExpressionKind.Conversion and expr.isImplicit:
        expr = expr.operand
    return expr


def constant_int(value) -> int | None:
    """A ConstantValue as an int; None when unset, not integral or with x/z bits."""
    raw = value.value if value else None
    if raw is None or not hasattr(raw, "hasUnknown") or raw.hasUnknown:
        return None
    return int(raw)
