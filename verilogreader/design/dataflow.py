"""What the procedural code of one instance body does, for static unreachability.

Read from the elaborated AST, once per instance body:
- every write to a variable: what was written, and whether it *initializes* it before coverage
  can start (a declaration initializer, an initial block at time 0, a reset arm, a continuous
  assign, or a combinational block that assigns it on every path); a write that cannot be
  followed (part-select, concatenation, `++`, `+=`, a system task's argument, a child's output
  port) makes the variable unknown;
- the *reset arms*: in a block clocked by the top's clock, the arm of a top-level `if` that is
  taken whenever the top's reset (followed through port connections, with polarity) is
  asserted. The harness holds reset over clock edges before every sequence with `reset`, so
  these arms run then, while hits do not count: they are credited instead (`runs_on_reset`);
- the decisions that can never count: those of an initial block without any delay or event
  (they run at time 0, before coverage starts) and of final blocks (after it ends).
Arms under a constant condition are not walked: their writes never happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyslang import ast

from verilogreader.design.branches import Key, key_of
from verilogreader.design.constants import constant_int, unwrap
from verilogreader.design.model import ClockReset

_S = ast.StatementKind
_E = ast.ExpressionKind
_OPS = ast.BinaryOperator
_NOT = (ast.UnaryOperator.LogicalNot, ast.UnaryOperator.BitwiseNot)
_STEP = (ast.UnaryOperator.Preincrement, ast.UnaryOperator.Predecrement,
         ast.UnaryOperator.Postincrement, ast.UnaryOperator.Postdecrement)
_TIMING = (_S.Timed, _S.Wait, _S.WaitFork, _S.WaitOrder)
# System calls that only read their arguments.
_READ_ONLY = {"$display", "$displayb", "$displayh", "$displayo", "$write", "$strobe", "$monitor",
              "$info", "$warning", "$error", "$fatal", "$signed", "$unsigned", "$bits",
              "$clog2", "$countones", "$onehot", "$onehot0", "$isunknown", "$fdisplay",
              "$fwrite", "$sformatf", "$time", "$stime", "$realtime", "$finish", "$stop"}


@dataclass(frozen=True)
class Signals:
    """The top's clock and reset inside the hierarchy: hierarchical path -> reset active-low."""

    clock: frozenset[str] = frozenset()
    reset: dict[str, bool] = field(default_factory=dict)


def hierarchy_signals(instances, clock_reset: ClockReset) -> Signals:
    """Follows the top's clock and reset into children through direct port connections
    (`.rst(rst_n)`, or inverted `.rst(~rst_n)`); `instances` lists parents before children."""
    top = instances[0].body
    clock: set[str] = set()
    reset: dict[str, bool] = {}
    if clock_reset.clock is not None:
        clock.add(top.lookupName(clock_reset.clock).hierarchicalPath)
    if clock_reset.reset is not None and clock_reset.clock is not None:
        reset[top.lookupName(clock_reset.reset).hierarchicalPath] = clock_reset.reset_active_low
    for instance in instances[1:]:
        for connection in instance.portConnections:
            port, expr = connection.port, connection.expression
            inner = getattr(port, "internalSymbol", None)
            if expr is None or inner is None or port.direction != ast.ArgumentDirection.In:
                continue
            inverted, expr = False, unwrap(expr)
            while expr.kind == _E.UnaryOp and expr.op in _NOT:
                inverted, expr = not inverted, unwrap(expr.operand)
            if expr.kind != _E.NamedValue:
                continue
            path = expr.symbol.hierarchicalPath
            if path in reset:
                reset[inner.hierarchicalPath] = reset[path] != inverted
            if path in clock and not inverted:
                clock.add(inner.hierarchicalPath)
    return Signals(frozenset(clock), reset)


@dataclass
class Write:
    target: object  # the variable's symbol
    value: object  # the expression written, converted to the variable's type


@dataclass
class BodyFacts:
    writes: dict[str, list[Write]] = field(default_factory=dict)  # variable path -> writes
    unknown: set[str] = field(default_factory=set)  # variables written in ways not followed
    initialized: set[str] = field(default_factory=set)
    reset_arms: set[tuple[Key, bool]] = field(default_factory=set)  # (if statement, then-arm?)
    never_counted: dict[Key, str] = field(default_factory=dict)  # decision -> why


def body_facts(bodies, signals: Signals) -> list[BodyFacts]:
    """Facts of every instance body; a variable written from another body through a
    hierarchical name is unknown in all of them (paths are global)."""
    facts = [_Walker(body, signals).run() for body in bodies]
    unknown = set().union(*(f.unknown for f in facts))
    for found in facts:
        found.unknown = unknown
    return facts


class _Walker:
    def __init__(self, body, signals: Signals) -> None:
        self.body, self.signals = body, signals
        self.facts = BodyFacts()

    def run(self) -> BodyFacts:
        for port in self.body.portList:  # driven from outside
            inner = getattr(port, "internalSymbol", None)
            if inner is not None and port.direction != ast.ArgumentDirection.Out:
                self.facts.unknown.add(inner.hierarchicalPath)

        def block(node):
            if node.isUninstantiated:
                return ast.VisitAction.Skip
            return ast.VisitAction.Advance

        self.body.visit(lookup_table={
            ast.SymbolKind.ProceduralBlock: self._procedure,
            ast.SymbolKind.ContinuousAssign: self._continuous,
            ast.SymbolKind.Variable: self._declaration,
            ast.SymbolKind.Net: self._declaration,
            ast.SymbolKind.Instance: self._instance,
            ast.SymbolKind.Subroutine: self._subroutine,
            ast.SymbolKind.GenerateBlock: block,
        })
        return self.facts

    # --- symbols ---------------------------------------------------------------------

    def _declaration(self, symbol):
        init = symbol.initializer
        if init is not None:
            self._record(symbol, init, initializes=True)
        return ast.VisitAction.Skip

    def _continuous(self, symbol):
        self._scan(symbol.assignment, initializes=True)
        return ast.VisitAction.Skip

    def _instance(self, instance):
        for connection in instance.portConnections:
            if connection.expression is not None and \
                    connection.port.direction != ast.ArgumentDirection.In:
                self._unknown(connection.expression)
        return ast.VisitAction.Skip

    def _subroutine(self, routine):
        self._scan(routine.body, initializes=False)
        return ast.VisitAction.Skip

    def _procedure(self, block):
        kind, body = block.procedureKind, block.body
        if kind in (ast.ProceduralBlockKind.Initial, ast.ProceduralBlockKind.Final):
            timed = _has_timing(body)
            if kind == ast.ProceduralBlockKind.Final:
                self._never(body, "runs only in a final block, after coverage ends")
            elif not timed:
                self._never(body, "runs only at time 0 (an initial block without delays), "
                                  "before coverage starts")
            self._statement(body, initializes=not timed and kind == ast.ProceduralBlockKind.Initial)
            return ast.VisitAction.Skip
        events, stmt = (body.timing, body.stmt) if body.kind == _S.Timed else (None, body)
        if _combinational(kind, events):
            self._statement(stmt, initializes=False)
            for path in _definitely_assigned(stmt):
                self.facts.initialized.add(path)
        elif self._clocked(events):
            for top in _top_level(stmt):
                if top.kind in _TIMING:
                    self._statement(top, initializes=False)
                    continue
                self._statement(top, initializes=False, reset_test=True)
        else:
            self._statement(body, initializes=False)
        return ast.VisitAction.Skip

    def _clocked(self, events) -> bool:
        if events is None:
            return False
        for event in _events(events):
            expr = unwrap(event.expr)
            if event.edge != ast.EdgeKind.None_ and expr.kind == _E.NamedValue and \
                    expr.symbol.hierarchicalPath in self.signals.clock:
                return True
        return False

    # --- statements ------------------------------------------------------------------

    def _statement(self, stmt, initializes: bool, reset_test: bool = False) -> None:
        kind = stmt.kind
        if kind == _S.List:
            for item in stmt.list:
                self._statement(item, initializes)
        elif kind == _S.Block:
            self._statement(stmt.body, initializes)
        elif kind == _S.ExpressionStatement:
            self._scan(stmt.expr, initializes)
        elif kind == _S.Conditional:
            self._conditional(stmt, initializes, reset_test)
        elif kind == _S.Case:
            self._scan(stmt.expr, False)
            for group in stmt.items:
                for label in group.expressions:
                    self._scan(label, False)
                self._statement(group.stmt, False)
            if stmt.defaultCase is not None:
                self._statement(stmt.defaultCase, False)
        elif kind == _S.VariableDeclaration:  # a local variable: not followed
            self.facts.unknown.add(stmt.symbol.hierarchicalPath)
        else:  # loops, timing, waits ...: their writes count, but never as initializing
            self._scan(stmt, initializes=False)

    def _conditional(self, stmt, initializes: bool, reset_test: bool) -> None:
        single = len(stmt.conditions) == 1 and stmt.conditions[0].pattern is None
        cond = stmt.conditions[0].expr if single else None
        value = constant_int(cond.eval(ast.EvalContext(self.body))) if single else None
        if value is not None:  # the other arm never runs: its writes never happen
            taken = stmt.ifTrue if value else stmt.ifFalse
            if taken is not None:
                self._statement(taken, initializes)
            return
        for condition in stmt.conditions:
            self._scan(condition.expr, False)
        reset_then = self._asserted_implies(cond) if single and reset_test else None
        if reset_then is not None and stmt.syntax is not None:
            self.facts.reset_arms.add((key_of(stmt.syntax), reset_then))
        # only a reset arm surely runs before coverage starts; other arms may not run then
        self._statement(stmt.ifTrue, reset_then is True)
        if stmt.ifFalse is not None:
            self._statement(stmt.ifFalse, reset_then is False)

    def _asserted_implies(self, expr) -> bool | None:
        """True when an asserted reset makes `expr` true, False when false, else None."""
        expr = unwrap(expr)
        if expr.kind == _E.NamedValue:
            low = self.signals.reset.get(expr.symbol.hierarchicalPath)
            return None if low is None or expr.type.bitWidth != 1 else not low
        if expr.kind == _E.UnaryOp and expr.op in _NOT:
            inner = self._asserted_implies(expr.operand)
            return None if inner is None else not inner
        if expr.kind != _E.BinaryOp:
            return None
        if expr.op in (_OPS.LogicalOr, _OPS.LogicalAnd):
            sides = [self._asserted_implies(expr.left), self._asserted_implies(expr.right)]
            decisive = expr.op == _OPS.LogicalAnd  # one false side decides an &&, one true an ||
            if (not decisive) in sides:
                return not decisive
            return decisive if sides == [decisive, decisive] else None
        if expr.op in (_OPS.Equality, _OPS.CaseEquality, _OPS.Inequality, _OPS.CaseInequality):
            for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
                inner = self._asserted_implies(side)
                constant = constant_int(other.eval(ast.EvalContext(self.body)))
                if inner is not None and constant in (0, 1):
                    equal = inner == bool(constant)
                    return equal if expr.op in (_OPS.Equality, _OPS.CaseEquality) else not equal
        return None

    # --- writes ----------------------------------------------------------------------

    def _scan(self, node, initializes: bool) -> None:
        """Records every write inside an expression or statement."""
        def assignment(expr):
            target = unwrap(expr.left)
            if expr.isCompound or target.kind != _E.NamedValue:
                self._unknown(expr.left)
            else:
                self._record(target.symbol, expr.right, initializes)

        def unary(expr):
            if expr.op in _STEP:
                self._unknown(expr.operand)

        def call(expr):
            if expr.isSystemCall and expr.subroutineName in _READ_ONLY:
                return
            if not expr.isSystemCall:
                return  # output arguments are bound as assignments, found above
            for argument in expr.arguments:
                self._unknown(argument)

        node.visit(lookup_table={_E.Assignment: assignment, _E.UnaryOp: unary, _E.Call: call})

    def _record(self, symbol, value, initializes: bool) -> None:
        path = symbol.hierarchicalPath
        self.facts.writes.setdefault(path, []).append(Write(symbol, value))
        if initializes:
            self.facts.initialized.add(path)

    def _unknown(self, expr) -> None:
        def named(node):
            self.facts.unknown.add(node.symbol.hierarchicalPath)

        expr.visit(lookup_table={_E.NamedValue: named, _E.HierarchicalValue: named})

    def _never(self, stmt, why: str) -> None:
        def decision(node):
            if node.syntax is not None:
                self.facts.never_counted.setdefault(key_of(node.syntax), why)

        stmt.visit(lookup_table={_S.Conditional: decision, _S.Case: decision,
                                 _E.ConditionalOp: decision})


# --- helpers -------------------------------------------------------------------------


def _events(timing) -> list:
    if timing.kind == ast.TimingControlKind.EventList:
        return [e for e in timing.events if e.kind == ast.TimingControlKind.SignalEvent]
    return [timing] if timing.kind == ast.TimingControlKind.SignalEvent else []


def _combinational(kind, events) -> bool:
    if kind == ast.ProceduralBlockKind.AlwaysComb:
        return True
    if kind != ast.ProceduralBlockKind.Always or events is None:
        return False
    if events.kind == ast.TimingControlKind.ImplicitEvent:
        return True
    signals = _events(events)
    return bool(signals) and all(e.edge == ast.EdgeKind.None_ for e in signals) and \
        (events.kind != ast.TimingControlKind.EventList or
         len(signals) == len(list(events.events)))


def _top_level(stmt) -> list:
    """The statements that run on every activation of a block, up to its first timing control."""
    if stmt.kind == _S.Block:
        return _top_level(stmt.body)
    if stmt.kind == _S.List:
        found = []
        for item in stmt.list:
            found.extend(_top_level(item))
            if _has_timing(item):
                break
        return found
    return [stmt]


def _has_timing(stmt) -> bool:
    found = []

    def timed(node):
        found.append(node)
        return ast.VisitAction.Interrupt

    def delayed(node):
        if node.timingControl is not None:
            found.append(node)
            return ast.VisitAction.Interrupt
        return ast.VisitAction.Advance

    def task(node):  # a task may wait inside
        if not node.isSystemCall and node.subroutine.subroutineKind == ast.SubroutineKind.Task:
            found.append(node)
            return ast.VisitAction.Interrupt
        return ast.VisitAction.Advance

    stmt.visit(lookup_table={**{k: timed for k in _TIMING}, _E.Assignment: delayed,
                             _E.Call: task})
    return bool(found)


def _definitely_assigned(stmt) -> set[str]:
    """Variables a combinational block assigns on every path through it."""
    kind = stmt.kind
    if kind == _S.Block:
        return _definitely_assigned(stmt.body)
    if kind == _S.List:
        return set().union(*(_definitely_assigned(s) for s in stmt.list))
    if kind == _S.ExpressionStatement:
        expr = stmt.expr
        if expr.kind == _E.Assignment and not expr.isCompound:
            target = unwrap(expr.left)
            if target.kind == _E.NamedValue:
                return {target.symbol.hierarchicalPath}
        return set()
    if kind == _S.Conditional:
        if stmt.ifFalse is None:
            return set()
        return _definitely_assigned(stmt.ifTrue) & _definitely_assigned(stmt.ifFalse)
    if kind == _S.Case and stmt.defaultCase is not None:
        found = _definitely_assigned(stmt.defaultCase)
        for group in stmt.items:
            found &= _definitely_assigned(group.stmt)
        return found
    return set()
