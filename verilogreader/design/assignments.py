"""Where each signal is assigned and what it is computed from, from the elaborated AST.

The LLM prompt shows the statements that drive the signals a hole's guard reads (one or two
levels back) and the state recorder also records the signals those are computed from, so a
guard such as `matched` comes with the `expected` value it is compared against.
Procedural and continuous assignments and net initializers (`wire x = ...;`) count.
"""

from __future__ import annotations

from pyslang import ast

from verilogreader.design.guards import value_expr
from verilogreader.design.model import Assignment
from verilogreader.design.sources import Sources

_SIGNALS = (ast.SymbolKind.Net, ast.SymbolKind.Variable, ast.SymbolKind.Port)


def collect_assignments(module: str, body, sources: Sources) -> list[Assignment]:
    found: list[Assignment] = []

    def add(targets: list[str], rhs, where, nonblocking: bool = False, whole: bool = False) -> None:
        located = sources.locate(where.sourceRange.start) if where is not None else None
        if located is None or not targets:
            return
        line = located[0].line_col(located[1])[0]
        reads = _names(rhs)
        # the value only when one whole signal is assigned: `x[3] <= v` does not make x == v
        value = value_expr(rhs, body) if whole and len(targets) == 1 else None
        for target in targets:
            found.append(Assignment(module=module, signal=target, file=located[0].path, line=line, reads=reads,
                                    nonblocking=nonblocking, value=value,
                                    offset=sources.sim_offset(where.sourceRange.start),
                                    text=" ".join(str(where).split())))

    def assignment(node):
        if node.syntax is not None:
            whole = node.left.kind == ast.ExpressionKind.NamedValue
            add(_names(node.left), node.right, node.syntax, node.isNonBlocking, whole)

    def net(node):
        if node.initializer is not None and node.syntax is not None:
            add([node.name], node.initializer, node.syntax, whole=True)

    def block(node):
        return ast.VisitAction.Skip if node.isUninstantiated else ast.VisitAction.Advance

    body.visit(lookup_table={
        ast.ExpressionKind.Assignment: assignment,
        ast.SymbolKind.Net: net,
        ast.SymbolKind.GenerateBlock: block,
        ast.SymbolKind.Instance: lambda _: ast.VisitAction.Skip,
    })
    return found


def _names(expr) -> list[str]:
    names: list[str] = []

    def named(node):
        if node.symbol.kind in _SIGNALS:
            names.append(node.symbol.name)

    expr.visit(lookup_table={ast.ExpressionKind.NamedValue: named})
    return list(dict.fromkeys(names))
