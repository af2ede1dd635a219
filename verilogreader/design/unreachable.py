"""Static unreachability of arms, for the obvious cases only.

Rules (each judged on the elaborated AST of every instance of the module; an arm is
unreachable only when it is unreachable in every instance and every generate iteration):
- a condition that is constant for the parameters in force (if, else, ternary arms), and
  case items of a case whose selector is constant;
- the default (explicit or implicit) of a case whose constant labels cover all 2^W values
  of its W-bit selector;
- the final else (explicit or implicit) of an if/else-if chain comparing one expression for
  equality with all of its 2^W values;
- code in generate blocks that are not elaborated;
- anything nested in an unreachable arm (it inherits the reason).
"""

from __future__ import annotations

import re

from pyslang import ast

from verilogreader.design.branches import Arm, GenScope, Key, key_of
from verilogreader.design.constants import constant_int, unwrap
from verilogreader.design.model import BranchKind

_WS = re.compile(r"\s+")
_MAX_ENUM_BITS = 16  # wider selectors are never fully enumerated by hand
_EQUALITY = (ast.BinaryOperator.Equality, ast.BinaryOperator.CaseEquality)


class BodyIndex:
    """Where each decision of one module definition was elaborated, over all its instances."""

    def __init__(self) -> None:
        self.decisions: dict[Key, list] = {}
        self.blocks: set[Key] = set()  # generate blocks elaborated somewhere
        self.bodies: list = []

    def add(self, body) -> None:
        self.bodies.append(body)

        def decision(node):
            if node.syntax is not None:
                self.decisions.setdefault(key_of(node.syntax), []).append((node, body))

        def block(node):
            if node.isUninstantiated:
                return ast.VisitAction.Skip
            self.blocks.add(key_of(node.syntax))
            return ast.VisitAction.Advance

        body.visit(lookup_table={
            ast.StatementKind.Conditional: decision,
            ast.StatementKind.Case: decision,
            ast.ExpressionKind.ConditionalOp: decision,
            ast.SymbolKind.GenerateBlock: block,
            ast.SymbolKind.Instance: lambda _: ast.VisitAction.Skip,
        })


def mark_unreachable(arms: list[Arm], index: BodyIndex) -> None:
    """Sets `arm.unreachable`; parents come before their children in `arms`."""
    for arm in arms:
        if arm.parent is not None and arm.parent.unreachable:
            arm.unreachable = arm.parent.unreachable
        else:
            arm.unreachable = _reason(arm, index)


def _reason(arm: Arm, index: BodyIndex) -> str | None:
    if arm.chain:  # a final else: judge it with the whole chain, from its head
        heads = index.decisions.get(arm.chain[0], [])
        reasons = [_Judge(body).final_else(head, len(arm.chain)) for head, body in heads]
    else:
        nodes = index.decisions.get(arm.decision, [])
        reasons = [_Judge(body).arm(arm, node) for node, body in nodes]
    if reasons:
        return reasons[0] if all(reasons) else None
    if arm.gen is not None and arm.gen.block not in index.blocks and index.bodies:
        return _disabled(arm.gen, index.bodies[0])
    return None


class _Judge:
    """Judges arms of one elaborated decision; `scope` is the instance body it sits in."""

    def __init__(self, scope) -> None:
        self.scope = scope

    def arm(self, arm: Arm, node) -> str | None:
        kind = arm.kind
        if kind in (BranchKind.IF, BranchKind.TERNARY_TRUE):
            return self.constant_condition(node, want=True)
        if kind in (BranchKind.ELSE, BranchKind.ELSE_IMPLICIT, BranchKind.TERNARY_FALSE):
            return self.constant_condition(node, want=False)
        return self.case(arm, node)

    # --- constant conditions ---------------------------------------------------------

    def constant_condition(self, node, want: bool) -> str | None:
        """Why the arm needing `condition == want` never runs, if the condition is constant."""
        if len(node.conditions) != 1 or node.conditions[0].pattern is not None:
            return None
        expr = node.conditions[0].expr
        value = self.integer(expr)
        if value is None or (value != 0) == want:
            return None
        state = "true" if value else "false"
        return f"condition {_text(expr)} is constant {state}{_parameters(expr)}"

    def final_else(self, head, length: int) -> str | None:
        ifs = [head]
        while len(ifs) < length:
            nxt = ifs[-1].ifFalse
            if nxt is None or nxt.kind != ast.StatementKind.Conditional:
                return None
            ifs.append(nxt)
        return self.constant_condition(ifs[-1], want=False) or self.chain_covers_all(ifs)

    def chain_covers_all(self, ifs) -> str | None:
        """The chain compares one expression with each of its 2^W values."""
        signal, width, values = None, 0, set()
        for stmt in ifs:
            if len(stmt.conditions) != 1 or stmt.conditions[0].pattern is not None:
                return None
            test = self.equality(stmt.conditions[0].expr)
            if test is None or (signal is not None and test[0] != signal):
                return None
            signal, other, value, signed = test
            width = other.type.bitWidth
            if not 0 < width <= _MAX_ENUM_BITS:
                return None
            if _in_range(value, width, signed):
                values.add(value % (1 << width))
        if signal is None or len(values) != 1 << width:
            return None
        return f"the if/else-if chain tests all {1 << width} values of {signal} ({_bits(width)})"

    def equality(self, expr):
        """`x == C` or `C == x`: (text of x, x's AST, C in the common type, signed compare?)."""
        if expr.kind != ast.ExpressionKind.BinaryOp or expr.op not in _EQUALITY:
            return None
        left, right = unwrap(expr.left), unwrap(expr.right)
        for side, const in ((left, expr.right), (right, expr.left)):
            value = self.integer(const)
            if value is not None and self.integer(side) is None and side.syntax is not None:
                return _text(side), side, value, side.type.isSigned and const.type.isSigned
        return None

    # --- case statements -------------------------------------------------------------

    def case(self, arm: Arm, node) -> str | None:
        selector = unwrap(node.expr)
        chosen = self.constant_selection(node)
        if chosen is not None:
            taken, value = chosen
            if arm.kind is BranchKind.CASE_ITEM and taken == arm.item:
                return None
            if arm.kind is not BranchKind.CASE_ITEM and taken is None:
                return None
            return f"case selector {_text(selector)} is constant {value}{_parameters(selector)}"
        if arm.kind is BranchKind.CASE_ITEM:
            return None
        return self.case_covers_all(node)

    def constant_selection(self, node) -> tuple[int | None, int] | None:
        """(index of the item taken, or None for the default; selector value), if static."""
        value = self.integer(node.expr)
        if value is None or node.condition != ast.CaseStatementCondition.Normal:
            return None
        for i, group in enumerate(node.items):
            labels = [self.integer(e) for e in group.expressions]
            if None in labels:
                return None
            if value in labels:
                return i, value
        return None, value

    def case_covers_all(self, node) -> str | None:
        """Labels are compared in the common type; the selector's own width counts."""
        selector = unwrap(node.expr)
        width = selector.type.bitWidth
        signed = selector.type.isSigned and node.expr.type.isSigned
        if node.condition == ast.CaseStatementCondition.Inside:
            return None
        if not 0 < width <= _MAX_ENUM_BITS:
            return None
        values = set()
        for group in node.items:
            for label in group.expressions:
                value = self.integer(label)
                if value is not None and _in_range(value, width, signed):
                    values.add(value % (1 << width))
        if len(values) != 1 << width:
            return None
        return f"all {1 << width} values of {_text(selector)} ({_bits(width)}) have items"

    def integer(self, expr) -> int | None:
        """The value of a constant expression without x/z bits, else None."""
        return constant_int(expr.eval(ast.EvalContext(self.scope)))


# --- generate blocks -----------------------------------------------------------------


def _disabled(gen: GenScope, body) -> str:
    params = _named_parameters(gen.names, body)
    if gen.construct == "if":
        what = f"generate if ({gen.condition}) is false"
    elif gen.construct == "else":
        what = f"generate if ({gen.condition}) is true"
    elif gen.construct == "case":
        what = f"generate case ({gen.condition}) selects another item"
    else:
        what = f"generate loop condition {gen.condition} is false from the start"
    return f"disabled by parameter: {what}{params}"


def _named_parameters(names: list[str], body) -> str:
    shown = []
    for name in names:
        symbol = body.lookupName(name)
        if symbol is not None and symbol.kind == ast.SymbolKind.Parameter:
            shown.append(f"{name} = {_show(symbol.value)}")
    return f" ({', '.join(shown)})" if shown else ""


# --- helpers -------------------------------------------------------------------------


def _in_range(value: int, width: int, signed: bool) -> bool:
    if signed:
        return -(1 << (width - 1)) <= value < (1 << (width - 1))
    return 0 <= value < (1 << width)


def _bits(width: int) -> str:
    return f"{width} bit" if width == 1 else f"{width} bits"


def _text(expr) -> str:
    return _WS.sub(" ", str(expr.syntax)).strip() if expr.syntax is not None else "?"


def _show(value) -> str:
    number = constant_int(value)
    return str(value) if number is None else str(number)


def _parameters(expr) -> str:
    """` (MODE = 0, W = 8)`: the parameters a constant expression depends on."""
    shown: dict[str, str] = {}

    def named(node):
        symbol = node.symbol
        if symbol.kind == ast.SymbolKind.Parameter:
            shown.setdefault(symbol.name, f"{symbol.name} = {_show(symbol.value)}")

    expr.visit(lookup_table={ast.ExpressionKind.NamedValue: named})
    return f" ({', '.join(shown.values())})" if shown else ""
