"""Clock and reset of the top: explicit choices win, then usage, then naming conventions.

Usage is read from the syntax of every module in the hierarchy, by name: `@(posedge X)`
makes X a clock candidate, `negedge R` / `if (!R)` gives R's polarity. Names are matched
against the top's 1-bit inputs (designs almost always keep `clk`/`rst_n` through levels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyslang import parsing, syntax

from verilogreader.design.model import ClockReset, Direction, Port
from verilogreader.errors import DesignError

SK = syntax.SyntaxKind
TK = parsing.TokenKind

_CLOCK_EXACT = ("clk", "clock", "clk_i", "i_clk", "clk_in", "aclk", "sys_clk")
_CLOCK_NAME = re.compile(r"^(clk|clock)(_\w+)?$|^\w+_(clk|clock)(_i)?$|^i_(clk|clock)$")
_RESET_EXACT = ("rst", "reset", "rst_n", "reset_n", "rstn", "resetn", "arst_n", "arst",
                "rst_ni", "rst_i", "i_rst", "i_rst_n", "aresetn", "areset_n", "nrst", "nreset")
_RESET_NAME = re.compile(
    r"^(a?rst|a?reset|n?rst|a?rstn|a?resetn)(_\w+)?$|^\w+_(a?rst|a?reset)(_\w+)?$")
_ACTIVE_LOW_NAME = re.compile(r"(_n|_ni|_b|_l)$|^(a?rstn|a?resetn|n_?a?rst|n_?reset)$")
_NOT_CLOCK_SUFFIX = re.compile(r"_(en|enable|sel|div|gate|ok|req|ack|cnt|count)$")


@dataclass
class Usage:
    """Edges and if-tests seen on each name, over the hierarchy's module syntax."""

    edges: dict[str, set[str]] = field(default_factory=dict)  # name -> {"posedge", "negedge"}
    tests: dict[str, set[bool]] = field(default_factory=dict)  # name -> {active-low?}
    event_lists: list[list[str]] = field(default_factory=list)  # names sharing one @(...)

    def scan(self, module_syntax) -> None:
        self._walk(module_syntax)

    def _walk(self, node) -> None:
        kind = node.kind
        if kind == SK.EventControlWithExpression:
            names = self._events(node.expr)
            if names:
                self.event_lists.append(names)
        elif kind == SK.ConditionalStatement:
            self._test(node.predicate)
        for child in node:
            if isinstance(child, syntax.SyntaxNode):
                self._walk(child)

    def _events(self, expr) -> list[str]:
        if expr.kind == SK.ParenthesizedEventExpression:
            return self._events(expr.expr)
        if expr.kind == SK.BinaryEventExpression:
            return self._events(expr.left) + self._events(expr.right)
        if expr.kind == SK.SignalEventExpression and expr.expr.kind == SK.IdentifierName:
            name = expr.expr.identifier.valueText
            if expr.edge.kind in (TK.PosEdgeKeyword, TK.NegEdgeKeyword):
                self.edges.setdefault(name, set()).add(expr.edge.valueText)
                return [name]
        return []

    def _test(self, predicate) -> None:
        """`if (!r)`, `if (~r)`, `if (r == 0)` say active-low; `if (r)`, `r == 1` active-high."""
        conditions = [c for c in predicate.conditions if isinstance(c, syntax.SyntaxNode)]
        if len(conditions) != 1:
            return
        expr = conditions[0].expr
        while expr.kind == SK.ParenthesizedExpression:
            expr = expr.expression
        low = False
        if expr.kind in (SK.UnaryLogicalNotExpression, SK.UnaryBitwiseNotExpression):
            expr, low = expr.operand, True
        elif expr.kind in (SK.EqualityExpression, SK.CaseEqualityExpression):
            literal = re.sub(r"\s+", "", str(expr.right))
            if not re.fullmatch(r"(\d*'[bdhBDH])?[01]", literal):
                return
            low, expr = literal.endswith("0"), expr.left
        if expr.kind == SK.IdentifierName:
            self.tests.setdefault(expr.identifier.valueText, set()).add(low)


def detect(ports: list[Port], usage: Usage, clock: str | None, reset: str | None,
           reset_active_low: bool | None) -> ClockReset:
    inputs = [p for p in ports if p.direction is Direction.INPUT]
    names = [p.name for p in inputs]
    for role, name in (("clock", clock), ("reset", reset)):
        if name is not None and name not in names:
            raise DesignError(f"{role} '{name}' is not an input of the top; inputs: "
                              f"{', '.join(names) or '(none)'}")
    single = [p.name for p in inputs if p.width == 1]
    if clock is None:
        clock = _find_clock(single, usage)
    if reset is None and clock is not None:
        reset = _find_reset([n for n in single if n != clock], clock, usage)
    if reset is None:
        low = bool(reset_active_low)
    elif reset_active_low is None:
        low = _active_low(reset, usage)
    else:
        low = reset_active_low
    return ClockReset(clock=clock, reset=reset, reset_active_low=low)


def _find_clock(single: list[str], usage: Usage) -> str | None:
    """No edge anywhere means a combinational design: no clock, whatever the names say."""
    if not usage.edges:
        return None
    used = [n for n in single if n in usage.edges]
    named = [n for n in single if _is_clock_name(n)]
    for group in (
        [n for n in used if n.lower() in _CLOCK_EXACT],
        [n for n in used if n in named],
        [n for n in used if "posedge" in usage.edges[n] and not _RESET_NAME.match(n.lower())],
        [n for n in named if n.lower() in _CLOCK_EXACT],
        named,
    ):
        if group:
            return group[0]
    return None


def _find_reset(single: list[str], clock: str, usage: Usage) -> str | None:
    named = [n for n in single if _RESET_NAME.match(n.lower())]
    async_resets = [n for names in usage.event_lists if clock in names for n in names
                    if n != clock and n in single]
    for group in ([n for n in named if n.lower() in _RESET_EXACT],
                  [n for n in named if n in async_resets], named, async_resets):
        if group:
            return group[0]
    return None


def _active_low(reset: str, usage: Usage) -> bool:
    edges = usage.edges.get(reset, set())
    if edges == {"negedge"}:
        return True
    if edges == {"posedge"}:
        return False
    tests = usage.tests.get(reset, set())
    if len(tests) == 1:
        return next(iter(tests))
    return bool(_ACTIVE_LOW_NAME.search(reset.lower()))


def _is_clock_name(name: str) -> bool:
    lower = name.lower()
    return bool(_CLOCK_NAME.match(lower)) and not _NOT_CLOCK_SUFFIX.search(lower)
