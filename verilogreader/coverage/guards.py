"""Guard conditions evaluated on recorded state: pure, no simulator.

A hole's guard chain (its own condition and those of the arms around it, outermost first)
is evaluated at every cycle of every recorded sequence: the internal signals from the
sequence's StateTrace, the top's inputs from the stimulus itself. For a comparison we also
say how far it was from true (|a - b| for `==`, the step over the bound for `<` ...), so
the LLM can be told how close an attempt came, and the tool can pick the recorded cycle from
which one short continuation is most likely to reach the hole (its frontier prefix).
A signal that was not recorded makes its condition "unknown" (None), never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verilogreader.coverage.state import StateTrace, driven_values, instance_paths, qualified
from verilogreader.design.model import BranchPoint, Design, Direction, Expr

Env = Callable[[str], int | None]  # signal name (module-local) -> value, None when unknown
_FAR = 1 << 62  # the distance of a condition we cannot evaluate


def _mask(width: int) -> int:
    return (1 << max(width, 1)) - 1


def _signed(value: int, width: int) -> int:
    return value - (1 << width) if value >> (width - 1) & 1 else value


_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_ARITH = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b, "+": lambda a, b: a + b,
          "-": lambda a, b: a - b, "*": lambda a, b: a * b, "<<": lambda a, b: a << min(b, 4096),
          ">>": lambda a, b: a >> b}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_GAP = {"==": lambda a, b: abs(a - b), "!=": lambda a, b: int(a == b), "<": lambda a, b: max(a - b + 1, 0),
        "<=": lambda a, b: max(a - b, 0), ">": lambda a, b: max(b - a + 1, 0), ">=": lambda a, b: max(b - a, 0)}
Value = Callable[[Env], int | None]
_compiled: dict[int, tuple[Expr, Value]] = {}  # id -> (the expression, kept alive so ids stay unique; its code)


def evaluate(e: Expr, env: Env) -> int | None:
    """The value of an expression (unsigned, masked to its width); None when unknown."""
    return _code(e)(env)


def _code(e: Expr) -> Value:
    """The expression compiled once into closures: guards are evaluated at every recorded cycle."""
    found = _compiled.get(id(e))
    if found is None or found[0] is not e:
        found = _compiled[id(e)] = (e, _compile(e))
    return found[1]


def _compile(e: Expr) -> Value:
    op, m = e.op, _mask(e.width)
    args = [_code(a) for a in e.args]
    if op == "const":
        value = None if e.value is None else e.value & m
        return lambda env: value
    if op == "signal":
        name = e.name or ""

        def signal(env: Env) -> int | None:
            v = env(name)
            return None if v is None else v & m

        return signal
    if op in ("&&", "||"):
        stop = 0 if op == "&&" else 1  # a known operand that decides alone
        left, right = args

        def logic(env: Env) -> int | None:
            a, b = left(env), right(env)
            if (a is not None and bool(a) == bool(stop)) or (b is not None and bool(b) == bool(stop)):
                return stop
            return None if a is None or b is None else 1 - stop

        return logic
    if op == "?:":
        cond, yes, no = args

        def choose(env: Env) -> int | None:
            c = cond(env)
            if c is None:
                x, y = yes(env), no(env)
                return x if x == y else None
            return yes(env) if c else no(env)

        return choose
    if op == "inside":
        return lambda env: _inside(e, env)
    if op == "unknown":
        return lambda env: None
    apply = _operator(e, m)

    def operate(env: Env) -> int | None:
        values = [a(env) for a in args]
        return None if None in values else apply(values)

    return operate


def _operator(e: Expr, m: int) -> Callable[[list], int | None]:
    op, args = e.op, e.args
    if op == "conv":
        inner = args[0]
        return lambda v: (_signed(v[0], inner.width) if inner.signed else v[0]) & m
    unary = {"!": lambda a: int(a == 0), "~": lambda a: ~a & m, "neg": lambda a: -a & m, "+": lambda a: a,
             "|r": lambda a: int(a != 0), "&r": lambda a: int(a == _mask(args[0].width)),
             "^r": lambda a: bin(a).count("1") & 1}
    if op in unary and len(args) == 1:
        return lambda v: unary[op](v[0])
    if op in _COMPARE:
        test, signed = _COMPARE[op], args[0].signed and args[1].signed
        w0, w1 = args[0].width, args[1].width
        if signed:
            return lambda v: int(test(_signed(v[0], w0), _signed(v[1], w1)))
        return lambda v: int(test(v[0], v[1]))
    if op in _ARITH and len(args) == 2:
        arith = _ARITH[op]
        return lambda v: arith(v[0], v[1]) & m
    if op == "bit":
        width = args[0].width
        return lambda v: (v[0] >> v[1]) & 1 if v[1] < width else None
    if op == "slice":
        low = e.value or 0
        return lambda v: (v[0] >> low) & m
    if op == "concat":
        widths = [a.width for a in args]

        def concat(v: list) -> int:
            result = 0
            for value, width in zip(v, widths):
                result = (result << width) | (value & _mask(width))
            return result & m

        return concat
    return lambda v: None


def _inside(e: Expr, env: Env) -> int | None:
    value = evaluate(e.args[0], env)
    if value is None:
        return None
    unknown = False
    for item in e.args[1:]:
        if item.op == "range":
            low, high = evaluate(item.args[0], env), evaluate(item.args[1], env)
            hit = None if low is None or high is None else low <= value <= high
        else:
            other = evaluate(item, env)
            hit = None if other is None else other == value
        if hit:
            return 1
        unknown |= hit is None
    return None if unknown else 0


def distance(e: Expr, env: Env, want: bool = True) -> int | None:
    """0 when the condition is `want`; else how far it is: |a - b| for a failed `==`, the
    distance over the bound for `<`, `<=`, `>`, `>=`, 1 for anything else. None: unknown."""
    return _distance_code(e, want)(env)


def _distance_code(e: Expr, want: bool) -> Value:
    key = (id(e), want)
    found = _distances.get(key)
    if found is None or found[0] is not e:
        found = _distances[key] = (e, _compile_distance(e, want))
    return found[1]


_distances: dict[tuple[int, bool], tuple[Expr, Value]] = {}


def _compile_distance(e: Expr, want: bool) -> Value:
    op, args = e.op, e.args
    if op == "!":
        return _distance_code(args[0], not want)
    if op in ("&&", "||"):
        left, right = _distance_code(args[0], want), _distance_code(args[1], want)
        if (op == "&&") == want:  # both must be `want`: the distances add up
            def both(env: Env) -> int | None:
                a, b = left(env), right(env)
                return None if a is None or b is None else a + b

            return both

        def either(env: Env) -> int | None:
            a, b = left(env), right(env)
            if a == 0 or b == 0:
                return 0
            return None if a is None or b is None else min(a, b)

        return either
    if op in _GAP and args[0].width <= 64 and args[1].width <= 64:
        gap = _GAP[op if want else _NEGATED[op]]
        left, right = _code(args[0]), _code(args[1])
        signed = args[0].signed and args[1].signed
        w0, w1 = args[0].width, args[1].width

        def compare(env: Env) -> int | None:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            return gap(_signed(a, w0), _signed(b, w1)) if signed else gap(a, b)

        return compare
    value = _code(e)
    return lambda env: None if (v := value(env)) is None else int(bool(v) != want)


# --- a hole's guard chain on recorded sequences ------------------------------------------------


@dataclass(frozen=True)
class Condition:
    text: str  # as written, e.g. "step == STEP_LAST"
    expr: Expr | None  # None: the reader could not build a tree; always unknown
    on_state: bool  # reads a register (assigned with `<=`): a stimulus cannot set it in one cycle
    on_inputs: bool = False  # reads an input the stimulus drives: the next cycle's inputs take part

    @property
    def state_only(self) -> bool:
        """Only the state decides it (`step == 3'd2`, not `code == expected`): no input of the
        next cycle can make it true, so it is what a prefix must reach."""
        return self.on_state and not self.on_inputs


def chain(design: Design, point: BranchPoint) -> list[Condition]:
    """The conditions that must all hold for the point's arm to run, outermost first."""
    by_id = {b.id: b for b in design.branch_points}
    registers = {a.signal for a in design.assignments if a.nonblocking and a.module == point.module}
    # a submodule's ports are driven by its parent's logic, not by a stimulus
    inputs = {p.name for p in design.driven_inputs} if point.module == design.top else set()
    arms = [point]
    while arms[-1].parent is not None and arms[-1].parent in by_id:
        arms.append(by_id[arms[-1].parent])
    result = []
    for arm in reversed(arms):
        names = arm.guard.signals() if arm.guard else []
        result.append(Condition(_bare(arm.condition), arm.guard, any(n in registers for n in names),
                                any(n in inputs for n in names)))
    return result


def _bare(text: str) -> str:
    """`(valid)` -> `valid`: the arms' texts carry the if's parentheses."""
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


@dataclass(frozen=True)
class Recording:
    """One recorded sequence (from reset): its stimulus cycles and its traced state."""

    label: str  # where it comes from, for messages ("corpus 3", "attempt 2 sequence 1")
    cycles: list[dict[str, int]]
    trace: StateTrace


class _Cycles:
    """Evaluation environments for every cycle of one recording, per instance path."""

    def __init__(self, design: Design, recording: Recording) -> None:
        self.trace = recording.trace
        self.inputs = driven_values(design, recording.cycles)
        self.count = min(len(recording.cycles), recording.trace.cycles)

    def env(self, path: str, cycle: int) -> Env:
        def lookup(name: str) -> int | None:
            if not path and name in self.inputs:
                return self.inputs[name][cycle]
            return self.trace.at(qualified(path, name), cycle)

        return lookup


@dataclass(frozen=True)
class Status:
    held: bool | None  # None: unknown (a signal it reads was not recorded)
    distance: int | None


def statuses(conditions: list[Condition], env: Env) -> list[Status]:
    result = []
    for c in conditions:
        d = None if c.expr is None else _distance_code(c.expr, True)(env)
        result.append(_UNKNOWN if d is None else _HELD if d == 0 else Status(False, d))
    return result


_UNKNOWN, _HELD = Status(None, None), Status(True, 0)


@dataclass(frozen=True)
class Frontier:
    """Where to continue from for one hole: the first `cycle` cycles of a recording."""

    recording: Recording
    path: str  # the instance whose state is described ("" for the top)
    cycle: int  # prefix length: the continuation's first cycle is this one
    statuses: list[Status]  # of the chain's conditions at that cycle
    values: dict[str, int | None]  # the internal signals the chain reads, at that cycle
    inputs: dict[str, int]  # what the inputs hold after the prefix (the continuation starts from these)

    @property
    def prefix(self) -> list[dict[str, int]]:
        return self.recording.cycles[: self.cycle]


def frontier(design: Design, point: BranchPoint, recordings: list[Recording]) -> Frontier | None:
    """The recorded cycle where most of the hole's state-only conditions hold (then the
    smallest total distance, then the shortest prefix); None when nothing was recorded or no
    condition reads a register (inputs alone decide: any cycle from reset will do). A condition
    that also reads an input (`in_byte == checksum`) is left to the continuation's inputs: that
    it held by chance in a recorded cycle says nothing of how near that cycle is."""
    conditions = chain(design, point)
    if not any(c.on_state for c in conditions):
        return None
    best: tuple | None = None
    found: Frontier | None = None
    for recording in recordings:
        cycles = _Cycles(design, recording)
        for path in instance_paths(design, point.module):
            for cycle in range(cycles.count):
                now = statuses(conditions, cycles.env(path, cycle))
                state = [s for s, c in zip(now, conditions) if c.state_only]
                score = (sum(1 for s in state if s.held), -sum(_FAR if s.distance is None else s.distance for s in state),
                         sum(1 for s in now if s.held), -cycle)
                if best is None or score > best:
                    best = score
                    found = Frontier(recording, path, cycle, now, {}, {})
    if found is None:
        return None
    cycles = _Cycles(design, found.recording)
    env = cycles.env(found.path, found.cycle)
    inputs = {p.name for p in design.ports if p.direction is Direction.INPUT}
    names = [n for c in conditions if c.expr for n in c.expr.signals()]
    # what the guard's wires are computed from (`matched` from `expected`): what the model must match
    names += [r for a in design.assignments if a.module == point.module and a.signal in names and not a.nonblocking
              for r in a.reads]
    names = [n for n in names if found.path or n not in inputs]
    held = {name: series[found.cycle - 1] for name, series in cycles.inputs.items()} if found.cycle else {}
    return Frontier(found.recording, found.path, found.cycle, found.statuses,
                    {n: env(n) for n in dict.fromkeys(names)}, held)


def env_at(design: Design, found: Frontier) -> Env:
    """The recorded values at a frontier's cycle (the continuation's first cycle)."""
    return _Cycles(design, found.recording).env(found.path, found.cycle)


@dataclass(frozen=True)
class Closeness:
    """How far one hole's guard chain got on some recordings: the longest run of its
    conditions (outermost first) that held together, and the closest the next one came."""

    held: int  # how many leading conditions held together at some cycle
    held_at: tuple[str, int] | None  # (recording label, cycle) where they last did
    failed_closest: dict[str, int | None]  # the next condition's signals at its closest cycle
    failed_distance: int | None


def closeness(design: Design, point: BranchPoint, recordings: list[Recording]) -> Closeness:
    conditions = chain(design, point)
    held, held_at = 0, None
    closest: tuple[int, dict[str, int | None]] | None = None
    for recording in recordings:
        cycles = _Cycles(design, recording)
        for path in instance_paths(design, point.module):
            for cycle in range(cycles.count):
                env = cycles.env(path, cycle)
                now = statuses(conditions, env)
                run = next((i for i, s in enumerate(now) if not s.held), len(now))
                if run > held:
                    held, closest = run, None
                if run == held and run:
                    held_at = (recording.label, cycle)  # the latest: an attempt's own cycles, not its prefix
                if run == held and run < len(now) and now[run].distance is not None:
                    expr = conditions[run].expr
                    assert expr is not None
                    if closest is None or now[run].distance < closest[0]:
                        closest = (now[run].distance, {n: env(n) for n in expr.signals()})
    return Closeness(held, held_at, closest[1] if closest else {}, closest[0] if closest else None)
