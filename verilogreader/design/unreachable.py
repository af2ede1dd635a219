"""Static unreachability of arms, for the obvious cases only.

Rules (each judged on the elaborated AST of every instance of the module; an arm is
unreachable only when it is unreachable in every instance and every generate iteration):
- a condition that is constant for the parameters in force (if, else, ternary arms), and
  case items of a case whose selector is constant;
- the default (explicit or implicit) of a case whose constant labels cover all 2^W values
  of its W-bit selector;
- the final else (explicit or implicit) of an if/else-if chain comparing one expression for
  equality with all of its 2^W values (a 1-bit `x` / `!x` counts as `x == 1` / `x == 0`), or
  with every value the variable is ever assigned (`values`), or comparing the same two
  operands with `<`, `==` and `>` between them;
- the default of a case whose labels cover every value its selector variable is ever
  assigned, and the items none of whose labels it is ever assigned;
- the arms of an initial block without delays (they run at time 0, before coverage starts) and
  of final blocks;
- code in generate blocks that are not elaborated;
- anything nested in an unreachable arm (it inherits the reason).
"""

from __future__ import annotations

import re

from pyslang import ast

from verilogreader.design.branches import Arm, GenScope, Key, key_of
from verilogreader.design.constants import constant_int, unwrap
from verilogreader.design.dataflow import BodyFacts
from verilogreader.design.model import BranchKind
from verilogreader.design.values import Values

_WS = re.compile(r"\s+")
_MAX_ENUM_BITS = 16  # wider selectors are never fully enumerated by hand
_EQUALITY = (ast.BinaryOperator.Equality, ast.BinaryOperator.CaseEquality)
_NOT = (ast.UnaryOperator.LogicalNot, ast.UnaryOperator.BitwiseNot)
_B = ast.BinaryOperator
_ORDER = {_B.LessThan: {"<"}, _B.LessThanEqual: {"<", "=="}, _B.GreaterThan: {">"},
          _B.GreaterThanEqual: {">", "=="}, _B.Equality: {"=="}, _B.CaseEquality: {"=="},
          _B.Inequality: {"<", ">"}, _B.CaseInequality: {"<", ">"}}
_FLIP = {"<": ">", ">": "<", "==": "=="}


class BodyIndex:
    """Where each decision of one module definition was elaborated, over all its instances."""

    def __init__(self) -> None:
        self.decisions: dict[Key, list] = {}
        self.blocks: set[Key] = set()  # generate blocks elaborated somewhere
        self.bodies: list = []
        self.values: dict[int, Values] = {}  # id(body) -> its value sets
        self.never: dict[Key, str] = {}  # decisions whose arms never count

    def add(self, body, facts: BodyFacts) -> None:
        self.bodies.append(body)
        self.values[id(body)] = Values(facts, body)
        self.never.update(facts.never_counted)

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
    if arm.decision in index.never:
        return index.never[arm.decision]
    if arm.chain:  # a final else: judge it with the whole chain, from its head
        heads = index.decisions.get(arm.chain[0], [])
        reasons = [_Judge(body, index.values[id(body)]).final_else(head, len(arm.chain))
                   for head, body in heads]
    else:
        nodes = index.decisions.get(arm.decision, [])
        reasons = [_Judge(body, index.values[id(body)]).arm(arm, node) for node, body in nodes]
    if reasons:
        return reasons[0] if all(reasons) else None
    if arm.gen is not None and arm.gen.block not in index.blocks and index.bodies:
        return _disabled(arm.gen, index.bodies[0])
    return None


class _Judge:
    """Judges arms of one elaborated decision; `scope` is the instance body it sits in."""

    def __init__(self, scope, values: Values) -> None:
        self.scope, self.values = scope, values

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
        return (self.constant_condition(ifs[-1], want=False) or self.chain_covers_all(ifs)
                or self.chain_covers_order(ifs))

    def chain_covers_all(self, ifs) -> str | None:
        """The chain compares one expression with each of its 2^W values, or with each
        value the variable is ever assigned."""
        signal, width, values, other = None, 0, set(), None
        for stmt in ifs:
            if len(stmt.conditions) != 1 or stmt.conditions[0].pattern is not None:
                return None
            test = self.equality(stmt.conditions[0].expr)
            if test is None or (signal is not None and test[0] != signal):
                return None
            signal, other, value, signed = test
            width = other.type.bitWidth
            if width <= 0:
                return None
            if _in_range(value, width, signed):
                values.add(value % (1 << width))
        if signal is None:
            return None
        if width <= _MAX_ENUM_BITS and len(values) == 1 << width:
            return f"the if/else-if chain tests all {1 << width} values of {signal} ({_bits(width)})"
        assigned = self.assigned(other)
        if assigned is not None and set(assigned) <= values:
            return (f"{signal} is only ever assigned {_listing(assigned)}, "
                    "all tested by the if/else-if chain")
        return None

    def chain_covers_order(self, ifs) -> str | None:
        """The chain compares the same two operands with `<`, `==` and `>` between them."""
        pair, seen = None, set()
        for stmt in ifs:
            if len(stmt.conditions) != 1 or stmt.conditions[0].pattern is not None:
                return None
            expr = unwrap(stmt.conditions[0].expr)
            if expr.kind != ast.ExpressionKind.BinaryOp or expr.op not in _ORDER:
                return None
            sides = (_text(unwrap(expr.left)), _text(unwrap(expr.right)))
            pair = pair or sides
            if sides == pair:
                seen |= _ORDER[expr.op]
            elif sides[::-1] == pair:
                seen |= {_FLIP[r] for r in _ORDER[expr.op]}
            else:
                return None
        if pair is None or seen != {"<", "==", ">"}:
            return None
        a, b = pair
        return f"the if/else-if chain covers {a} < {b}, {a} == {b} and {a} > {b}"

    def assigned(self, expr) -> dict[int, str] | None:
        """The values a variable is ever assigned (value -> as written), if known."""
        expr = unwrap(expr)
        if expr.kind != ast.ExpressionKind.NamedValue:
            return None
        if expr.symbol.kind not in (ast.SymbolKind.Variable, ast.SymbolKind.Net):
            return None
        return self.values.of(expr.symbol)

    def equality(self, expr):
        """`x == C` or `C == x`: (text of x, x's AST, C in the common type, signed compare?).
        A 1-bit `x` tests `x == 1`, and `!x` or `~x` tests `x == 0`."""
        bit = unwrap(expr)
        value = 1
        if bit.kind == ast.ExpressionKind.UnaryOp and bit.op in _NOT:
            bit, value = unwrap(bit.operand), 0
        if bit.type.bitWidth == 1 and bit.syntax is not None and self.integer(bit) is None \
                and bit.kind != ast.ExpressionKind.BinaryOp:
            return _text(bit), bit, value, False
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
            return self.item_never_selected(arm.item, node)
        return self.case_covers_all(node) or self.case_covers_assigned(node)

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

    def case_covers_assigned(self, node) -> str | None:
        """Every value the selector variable is ever assigned has an item."""
        assigned = self.assigned(node.expr)
        labels = self.label_values(node, node.items)
        if assigned is None or labels is None or not set(assigned) <= labels:
            return None
        return f"{_text(unwrap(node.expr))} is only ever assigned {_listing(assigned)} (all listed)"

    def item_never_selected(self, item: int | None, node) -> str | None:
        """No label of the item is a value the selector variable is ever assigned."""
        if item is None or item >= len(node.items):
            return None
        group = node.items[item]
        assigned = self.assigned(node.expr)
        labels = self.label_values(node, [group])
        if assigned is None or labels is None or labels & set(assigned):
            return None
        shown = ", ".join(_text(label) for label in group.expressions)
        return (f"{_text(unwrap(node.expr))} is never assigned {shown} "
                f"(only {_listing(assigned)})")

    def label_values(self, node, groups) -> set[int] | None:
        """The selector values the labels of `groups` match (a plain case of constants only)."""
        if node.condition != ast.CaseStatementCondition.Normal:
            return None
        selector = unwrap(node.expr)
        width = selector.type.bitWidth
        signed = selector.type.isSigned and node.expr.type.isSigned
        values = set()
        for group in groups:
            for label in group.expressions:
                value = self.integer(label)
                if value is None:
                    return None
                if _in_range(value, width, signed):
                    values.add(value % (1 << width))
        return values

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


def _listing(assigned: dict[int, str]) -> str:
    return ", ".join(assigned.values())


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
