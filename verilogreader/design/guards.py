"""Each arm's condition as an `Expr` tree, from pyslang's elaborated AST.

The arms come from syntax (branches.py); their decisions were elaborated per instance
(unreachable.BodyIndex), so the first instance's AST gives every operand its width and
turns parameters and enum names into values. Only what guards use is modelled: signals,
constants, selects, logic, comparisons and simple arithmetic; anything else becomes an
"unknown" leaf, so evaluating it says "unknown" instead of guessing.
"""

from __future__ import annotations

from pyslang import ast

from verilogreader.design.branches import Arm
from verilogreader.design.constants import constant_int
from verilogreader.design.model import BranchKind, Expr
from verilogreader.design.unreachable import BodyIndex

_EK = ast.ExpressionKind
_B = ast.BinaryOperator
_U = ast.UnaryOperator
_BINARY = {
    _B.Equality: "==", _B.CaseEquality: "==", _B.Inequality: "!=", _B.CaseInequality: "!=",
    _B.LessThan: "<", _B.LessThanEqual: "<=", _B.GreaterThan: ">", _B.GreaterThanEqual: ">=",
    _B.LogicalAnd: "&&", _B.LogicalOr: "||", _B.BinaryAnd: "&", _B.BinaryOr: "|", _B.BinaryXor: "^",
    _B.Add: "+", _B.Subtract: "-", _B.Multiply: "*", _B.LogicalShiftLeft: "<<",
    _B.LogicalShiftRight: ">>", _B.ArithmeticShiftLeft: "<<",
}
_UNARY = {
    _U.LogicalNot: "!", _U.BitwiseNot: "~", _U.Minus: "neg", _U.Plus: "+",
    _U.BitwiseAnd: "&r", _U.BitwiseOr: "|r", _U.BitwiseXor: "^r",
}
_SIGNALS = (ast.SymbolKind.Net, ast.SymbolKind.Variable, ast.SymbolKind.Port)


def guard_exprs(arms: list[Arm], index: BodyIndex) -> list[Expr | None]:
    """Per arm (same order), its condition as a tree, or None when its decision was not
    elaborated (code in a generate branch that is off)."""
    return [_arm_guard(arm, index) for arm in arms]


def value_expr(e, scope) -> Expr | None:
    """An assignment's right-hand side as a tree (None for a shape not modelled)."""
    try:
        return _Builder(scope).expr(e)
    except Exception:
        return None


def _arm_guard(arm: Arm, index: BodyIndex) -> Expr | None:
    nodes = index.decisions.get(arm.decision)
    if not nodes:
        return None
    node, body = nodes[0]
    try:
        return _Builder(body).arm(arm, node)
    except Exception:  # an AST shape not modelled: no tree rather than a failed read
        return None


class _Builder:
    def __init__(self, scope) -> None:
        self.scope = scope

    def arm(self, arm: Arm, node) -> Expr:
        kind = arm.kind
        if kind in (BranchKind.IF, BranchKind.ELSE, BranchKind.ELSE_IMPLICIT):
            cond = self.expr(node.conditions[0].expr)
            return cond if kind is BranchKind.IF else _not(cond)
        if kind in (BranchKind.TERNARY_TRUE, BranchKind.TERNARY_FALSE):
            cond = self.expr(node.conditions[0].expr)
            return cond if kind is BranchKind.TERNARY_TRUE else _not(cond)
        selector = self.expr(node.expr)
        wildcard = node.condition != ast.CaseStatementCondition.Normal
        items = [self._item(selector, group, wildcard) for group in node.items]
        if kind is BranchKind.CASE_ITEM:
            return items[arm.item] if arm.item is not None else _unknown("case item")
        return _not(_any(items)) if items else Expr(op="const", value=1, text="1")

    def _item(self, selector: Expr, group, wildcard: bool) -> Expr:
        tests = []
        for label in group.expressions:
            if wildcard:  # casez/casex labels may carry don't-care bits: not modelled
                tests.append(_unknown(f"{selector.text} matches {_text(label)}"))
            elif label.kind == _EK.ValueRange:
                tests.append(self._range(selector, label))
            else:
                right = self.expr(label)
                tests.append(_binary("==", selector, right, f"{selector.text} == {right.text}"))
        return _any(tests)

    def _range(self, value: Expr, item) -> Expr:
        low, high = self.expr(item.left), self.expr(item.right)
        return _binary("&&", _binary(">=", value, low, f"{value.text} >= {low.text}"),
                       _binary("<=", value, high, f"{value.text} <= {high.text}"),
                       f"{value.text} inside [{low.text}:{high.text}]")

    def expr(self, e) -> Expr:
        kind = e.kind
        width = max(e.type.bitWidth, 1) if e.type is not None else 1
        signed = bool(e.type.isSigned) if e.type is not None else False
        text = _text(e)
        if kind == _EK.Conversion:
            inner = self.expr(e.operand)
            if (inner.width, inner.signed) == (width, signed):
                return inner
            return Expr(op="conv", args=(inner,), width=width, signed=signed, text=inner.text)
        constant = self._constant(e)
        if constant is not None:
            return Expr(op="const", value=constant, width=width, signed=signed, text=text)
        if kind == _EK.NamedValue and e.symbol.kind in _SIGNALS:
            return Expr(op="signal", name=e.symbol.name, width=width, signed=signed, text=text)
        if kind == _EK.BinaryOp and e.op in _BINARY:
            return Expr(op=_BINARY[e.op], args=(self.expr(e.left), self.expr(e.right)),
                        width=width, signed=signed, text=text)
        if kind == _EK.UnaryOp and e.op in _UNARY:
            return Expr(op=_UNARY[e.op], args=(self.expr(e.operand),), width=width, signed=signed, text=text)
        if kind == _EK.ElementSelect:
            return Expr(op="bit", args=(self.expr(e.value), self.expr(e.selector)), width=width, text=text)
        if kind == _EK.RangeSelect and str(e.selectionKind).endswith("Simple"):
            low = self._constant(e.right)
            if low is not None:
                return Expr(op="slice", args=(self.expr(e.value),), value=low, width=width, text=text)
        if kind == _EK.Concatenation:
            return Expr(op="concat", args=tuple(self.expr(o) for o in e.operands), width=width, text=text)
        if kind == _EK.ConditionalOp:
            cond = self.expr(e.conditions[0].expr)
            return Expr(op="?:", args=(cond, self.expr(e.left), self.expr(e.right)), width=width, text=text)
        if kind == _EK.Inside:
            value = self.expr(e.left)
            items = [Expr(op="range", args=(self.expr(i.left), self.expr(i.right)), text=_text(i))
                     if i.kind == _EK.ValueRange else self.expr(i) for i in e.rangeList]
            return Expr(op="inside", args=(value, *items), width=1, text=text)
        if kind == _EK.Call and e.subroutineName in ("$signed", "$unsigned") and len(e.arguments) == 1:
            return Expr(op="conv", args=(self.expr(e.arguments[0]),), width=width, signed=signed, text=text)
        return _unknown(text, width)

    def _constant(self, e) -> int | None:
        if e.kind in (_EK.IntegerLiteral, _EK.UnbasedUnsizedIntegerLiteral):
            return constant_int(e.eval(ast.EvalContext(self.scope)))
        if e.kind == _EK.NamedValue and e.symbol.kind in (ast.SymbolKind.Parameter, ast.SymbolKind.EnumValue):
            return constant_int(e.eval(ast.EvalContext(self.scope)))
        return None


def _text(e) -> str:
    return " ".join(str(e.syntax).split()) if e.syntax is not None else ""


def _unknown(text: str, width: int = 1) -> Expr:
    return Expr(op="unknown", width=width, text=text)


def _binary(op: str, left: Expr, right: Expr, text: str) -> Expr:
    return Expr(op=op, args=(left, right), width=1, text=text)


def _not(e: Expr) -> Expr:
    return Expr(op="!", args=(e,), width=1, text=f"!({e.text})")


def _any(tests: list[Expr]) -> Expr:
    result = tests[0]
    for t in tests[1:]:
        result = _binary("||", result, t, f"{result.text} || {t.text}")
    return result
