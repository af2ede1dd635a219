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


def evaluate(e: Expr, env: Env) -> int | None:
    """The value of an expression (unsigned, masked to its width); None when unknown."""
    op, args = e.op, e.args
    m = _mask(e.width)
    if op == "const":
        return None if e.value is None else e.value & m
    if op == "signal":
        v = env(e.name or "")
        return None if v is None else v & m
    if op == "&&" or op == "||":
        a, b = evaluate(args[0], env), evaluate(args[1], env)
        stop = 0 if op == "&&" else 1  # a known operand that decides alone
        if (a is not None and bool(a) == bool(stop)) or (b is not None and bool(b) == bool(stop)):
            return stop
        return None if a is None or b is None else 1 - stop
    if op == "?:":
        c = evaluate(args[0], env)
        if c is None:
            x, y = evaluate(args[1], env), evaluate(args[2], env)
            return x if x == y else None
        return evaluate(args[1] if c else args[2], env)
    if op == "inside":
        return _inside(e, env)
    values = [evaluate(a, env) for a in args]
    if any(v is None for v in values) or op == "unknown":
        return None
    return _apply(e, [v for v in values if v is not None], m)


def _apply(e: Expr, v: list[int], m: int) -> int | None:
    op, args = e.op, e.args
    if op == "conv":
        inner = args[0]
        return (_signed(v[0], inner.width) if inner.signed else v[0]) & m
    unary = {"!": lambda a: int(a == 0), "~": lambda a: ~a & m, "neg": lambda a: -a & m, "+": lambda a: a,
             "|r": lambda a: int(a != 0), "&r": lambda a: int(a == _mask(args[0].width)),
             "^r": lambda a: bin(a).count("1") & 1}
    if op in unary and len(v) == 1:
        return unary[op](v[0])
    if op in ("==", "!=", "<", "<=", ">", ">="):
        a, b = v
        if args[0].signed and args[1].signed:
            a, b = _signed(a, args[0].width), _signed(b, args[1].width)
        return int({"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])
    binary = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b, "+": lambda a, b: a + b,
              "-": lambda a, b: a - b, "*": lambda a, b: a * b, "<<": lambda a, b: a << min(b, 4096),
              ">>": lambda a, b: a >> b}
    if op in binary and len(v) == 2:
        return binary[op](*v) & m
    if op == "bit":
        return (v[0] >> v[1]) & 1 if v[1] < args[0].width else None
    if op == "slice":
        return (v[0] >> (e.value or 0)) & m
    if op == "concat":
        result = 0
        for value, arg in zip(v, args):
            result = (result << arg.width) | (value & _mask(arg.width))
        return result & m
    return None


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
    op, args = e.op, e.args
    if op == "!":
        return distance(args[0], env, not want)
    if op in ("&&", "||"):
        parts = [distance(a, env, want) for a in args]
        if (op == "&&") == want:  # both must be `want`: the distances add up
            return None if None in parts else sum(p for p in parts if p is not None)
        known = [p for p in parts if p is not None]
        return min(known) if known and (0 in known or len(known) == len(parts)) else None
    if op in ("==", "!=", "<", "<=", ">", ">=") and args[0].width <= 64 and args[1].width <= 64:
        a, b = evaluate(args[0], env), evaluate(args[1], env)
        if a is None or b is None:
            return None
        if args[0].signed and args[1].signed:
            a, b = _signed(a, args[0].width), _signed(b, args[1].width)
        if not want:
            op = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        return {"==": abs(a - b), "!=": int(a == b), "<": max(a - b + 1, 0), "<=": max(a - b, 0),
                ">": max(b - a + 1, 0), ">=": max(b - a, 0)}[op]
    value = evaluate(e, env)
    return None if value is None else int(bool(value) != want)


# --- a hole's guard chain on recorded sequences ------------------------------------------------


@dataclass(frozen=True)
class Condition:
    text: str  # as written, e.g. "step == STEP_LAST"
    expr: Expr | None  # None: the reader could not build a tree; always unknown
    on_state: bool  # reads a register (assigned with `<=`): a stimulus cannot set it in one cycle


def chain(design: Design, point: BranchPoint) -> list[Condition]:
    """The conditions that must all hold for the point's arm to run, outermost first."""
    by_id = {b.id: b for b in design.branch_points}
    registers = {a.signal for a in design.assignments if a.nonblocking and a.module == point.module}
    arms = [point]
    while arms[-1].parent is not None and arms[-1].parent in by_id:
        arms.append(by_id[arms[-1].parent])
    result = []
    for arm in reversed(arms):
        names = arm.guard.signals() if arm.guard else []
        result.append(Condition(_bare(arm.condition), arm.guard, any(n in registers for n in names)))
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
        d = None if c.expr is None else distance(c.expr, env)
        result.append(Status(None if d is None else d == 0, d))
    return result


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
    """The recorded cycle where most of the hole's state conditions hold (then the smallest
    total distance, then the shortest prefix); None when nothing was recorded or no condition
    reads a register (inputs alone decide: any cycle from reset will do)."""
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
                state = [s for s, c in zip(now, conditions) if c.on_state]
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
