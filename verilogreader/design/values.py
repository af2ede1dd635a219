"""The values a variable can ever hold, from every write to it (see `dataflow`).

A write of a constant (literal, parameter, enum member) adds its value; a write of another
variable adds that variable's values (`state <= next`); `c ? a : b` adds both arms. Anything
else (`state + 1`, an input, a part-select ...) leaves the set unknown, and so does a variable
that is not initialized before coverage starts: until then it holds any value (X on Icarus,
0 on Verilator). A run starts with reset (the harness applies it before every sequence with
`reset`, the default), so a reset arm initializes. As in the other rules, an X value is assumed
not to survive the reset.
"""

from __future__ import annotations

import re

from pyslang import ast

from verilogreader.design.constants import constant_int
from verilogreader.design.dataflow import BodyFacts

_E = ast.ExpressionKind
_WS = re.compile(r"\s+")
_MAX_VALUES = 1024  # more distinct values than anyone lists in a case


class Values:
    """Value sets of one instance body: value (as the variable's bits) -> how it is written."""

    def __init__(self, facts: BodyFacts, scope) -> None:
        self.facts, self.scope = facts, scope
        self.cache: dict[str, dict[int, str] | None] = {}

    def of(self, symbol) -> dict[int, str] | None:
        path = symbol.hierarchicalPath
        if path not in self.cache:
            self.cache[path] = self._solve(path)
        return self.cache[path]

    def _solve(self, path: str) -> dict[int, str] | None:
        own: dict[str, dict[int, str]] = {}  # constants written to each variable
        deps: dict[str, list[tuple[str, int]]] = {}  # variable -> (variable read, bits kept)
        todo = [path]
        while todo:
            var = todo.pop()
            if var in own:
                continue
            writes = self.facts.writes.get(var)
            if var in self.facts.unknown or var not in self.facts.initialized or not writes:
                return None
            own[var], deps[var] = {}, []
            width = writes[0].target.type.bitWidth
            for write in writes:
                if not self._sources(write.value, width, own[var], deps[var]):
                    return None
            todo.extend(d for d, _ in deps[var])
        values = {var: dict(found) for var, found in own.items()}
        changed = True
        while changed:  # least fixed point, through `next = state`-style cycles
            changed = False
            for var, reads in deps.items():
                for read, width in reads:
                    for value, text in list(values[read].items()):
                        kept = value % (1 << width)
                        if kept not in values[var]:
                            values[var][kept] = text
                            changed = True
                if len(values[var]) > _MAX_VALUES:
                    return None
        return dict(sorted(values[path].items()))

    def _sources(self, expr, width: int, consts: dict[int, str], deps: list) -> bool:
        """Adds what `expr` (written to a `width`-bit variable) may give; False if unknown."""
        value = constant_int(expr.eval(ast.EvalContext(self.scope)))
        if value is not None:
            consts.setdefault(value % (1 << width), _text(expr))
            return True
        while expr.kind == _E.Conversion:  # keep truncations, refuse sign extensions
            inner = expr.operand
            if inner.type.bitWidth < expr.type.bitWidth and inner.type.isSigned:
                return False
            expr = inner
        if expr.kind == _E.ConditionalOp:
            return (self._sources(expr.left, width, consts, deps)
                    and self._sources(expr.right, width, consts, deps))
        if expr.kind == _E.NamedValue and expr.symbol.kind in (ast.SymbolKind.Variable,
                                                              ast.SymbolKind.Net):
            deps.append((expr.symbol.hierarchicalPath, width))
            return True
        return False


def _text(expr) -> str:
    while expr.syntax is None and expr.kind == _E.Conversion:
        expr = expr.operand
    return _WS.sub(" ", str(expr.syntax)).strip() if expr.syntax is not None else "?"
