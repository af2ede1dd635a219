"""The next step towards a hole from its frontier state (pure: no simulator).

A deep hole's guard fails on a register (`step == 3'd2` while step is 1): no input makes it
true in the cycle itself. What does is one of the statements that assign the register. For
the first failing register condition we find the assignments that would make it true (or
bring it closer) from the recorded state, evaluating their right-hand sides there, and the
conditions guarding each of them. That turns "reach step 2" into "make `valid && code ==
expected` true now, with expected = 167": one step from a known state, the kind of
problem a small model can solve. What those conditions ask of the inputs directly
(`code == expected` with `expected` known) is worked out too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from verilogreader.coverage.guards import Condition, Env, Frontier, Status, chain, distance, env_at, evaluate, statuses
from verilogreader.coverage.input_search import env_with, inputs_for
from verilogreader.design.model import Assignment, BranchPoint, Design, Expr


MAX_REPEATS = 1024  # the longest run of one step worth telling the model to hold


@dataclass(frozen=True)
class Step:
    """An assignment that moves the register a failing condition reads, and what it needs."""

    register: str
    assignment: Assignment
    gives: int | None  # the register's value after it, from the frontier state (None: unknown)
    makes_true: bool  # that value makes the failing condition true
    conditions: list[Condition]  # the guard chain of the arm holding the assignment
    statuses: list[Status]  # of those conditions at the frontier state
    values: dict[str, int | None]  # the internal signals those conditions read, at the frontier
    needs: dict[str, int]  # input -> the value the conditions ask for
    cycles: int = 1  # how many cycles of it in a row make the condition true (a counter's count)
    reaches: int | None = None  # the register's value after those cycles


def next_steps(design: Design, point: BranchPoint, found: Frontier, limit: int = 2) -> list[Step]:
    conditions = chain(design, point)
    failing = next((c for c, s in zip(conditions, found.statuses) if c.state_only and s.held is False), None)
    if failing is None or failing.expr is None:
        return []
    env = env_at(design, found)
    inputs = _inputs(design, found)
    reset = design.clock_reset.reset
    registers = {a.signal for a in design.assignments if a.module == point.module and a.nonblocking}
    arms = _arms_by_file(design, point.module)
    now = distance(failing.expr, env)
    wires = _wire_values(design, point.module, env)
    ranked = []
    for register in [n for n in failing.expr.signals() if n in registers]:
        current = env(register)
        for a in design.assignments:
            if a.module != point.module or a.signal != register or a.offset is None:
                continue
            arm = _innermost(arms.get(a.file, []), a.offset)
            if arm is not None and arm.runs_on_reset:
                continue  # reset is the harness's, and it goes back, not forward
            gives = evaluate(a.value, env) if a.value is not None else None
            if gives is not None and gives == current:
                continue  # it would not move the register from here
            after = _with(env, register, gives)
            gap = distance(failing.expr, after) if gives is not None else None
            if gap is not None and now is not None and gap >= now:
                continue  # it moves the register away from what the condition needs
            # the reset test is the harness's business: in a continuation reset is never applied
            guard = [c for c in chain(design, arm) if not _reads_only(c, reset)] if arm is not None else []
            now_there = statuses(guard, env)
            needs = _needs(design, guard, env, found, wires)

            def runs(state: Env) -> bool:  # the step's whole guard, with the inputs held at `needs`
                held = env_with(needs, lambda n: None if n in inputs else state(n), found.inputs, inputs,
                                _wire_values(design, point.module, state))
                return all(c.expr is not None and evaluate(c.expr, held) == 1 for c in guard)

            repeats, reaches = (1, gives) if gap == 0 else _repeats(a, register, gives, failing.expr, env, runs)
            step = Step(register, a, gives, repeats is not None, guard, now_there,
                        _state_values(guard, env, inputs), needs, repeats or 1, reaches)
            # a step whose own guard fails on state is not the next one from here
            blocked = sum(1 for c, st in zip(guard, now_there) if c.state_only and st.held is False)
            ranked.append(((blocked, not step.makes_true, gap is None, gap or 0, len(guard)), step))
    ranked.sort(key=lambda pair: pair[0])
    steps = [step for _, step in ranked[:limit]]
    # an unblocked step that makes the condition true is the answer: alternatives only cost tokens
    return steps[:1] if steps and steps[0].makes_true and ranked[0][0][0] == 0 else steps


def _repeats(a: Assignment, register: str, gives: int | None, condition: Expr, env: Env,
             runs: Callable[[Env], bool]) -> tuple[int | None, int | None]:
    """How many cycles of a step that only moves its register (`idle <= idle + 1`) make the
    condition true, while its guard keeps holding with the same inputs, and the value they
    give; (None, None): not within reach. A lock whose every step wants another code is not a
    counter: its guard fails on the second cycle with the first cycle's inputs.
    A small model asked for "idle == 11" from idle = 8 writes one cycle; it needs to be told 3."""
    if a.value is None or gives is None or a.value.signals() != [register]:
        return None, None
    value, seen = gives, set()
    for count in range(2, MAX_REPEATS + 1):
        after = _with(env, register, value)
        if value in seen or not runs(after):
            return None, None  # the step stops running, or the register cycles without getting there
        seen.add(value)
        value = evaluate(a.value, after)
        if value is None:
            return None, None
        if distance(condition, _with(env, register, value)) == 0:
            return count, value
    return None, None


def input_needs(design: Design, point: BranchPoint, found: Frontier) -> dict[str, int]:
    """What the inputs must be in the continuation's first cycle for the hole's own guard to
    hold there (when its state conditions already do)."""
    reset = design.clock_reset.reset
    conditions = [c for c in chain(design, point) if not _reads_only(c, reset)]
    env = env_at(design, found)
    return _needs(design, conditions, env, found, _wire_values(design, point.module, env))


def _inputs(design: Design, found: Frontier) -> dict[str, int]:
    """The inputs a continuation drives, with their widths. In a submodule the conditions read
    its ports, which no stimulus drives directly."""
    if found.path:
        return {}
    return {p.name: p.width for p in design.driven_inputs if p.name != design.clock_reset.reset}


def _reads_only(condition: Condition, name: str | None) -> bool:
    return condition.expr is not None and name is not None and condition.expr.signals() == [name]


def _with(env: Env, name: str, value: int | None) -> Env:
    return lambda n: value if n == name else env(n)


def _arms_by_file(design: Design, module: str) -> dict[str, list[BranchPoint]]:
    found: dict[str, list[BranchPoint]] = {}
    for b in design.branch_points:
        if b.module == module and b.span[1] > b.span[0]:
            found.setdefault(b.file, []).append(b)
    return found


def _innermost(arms: list[BranchPoint], offset: int) -> BranchPoint | None:
    inside = [b for b in arms if b.span[0] <= offset < b.span[1]]
    return min(inside, key=lambda b: b.span[1] - b.span[0], default=None)


def _state_values(conditions: list[Condition], env: Env, inputs: Collection[str]) -> dict[str, int | None]:
    names = [n for c in conditions if c.expr for n in c.expr.signals() if n not in inputs]
    return {n: env(n) for n in dict.fromkeys(names)}


def _needs(design: Design, conditions: list[Condition], env: Env, found_at: Frontier,
           wires: dict[str, Expr]) -> dict[str, int]:
    """Input values that make the conditions true in the frontier's state, found by search
    (coverage/input_search.py); failing that, what the conditions say directly, with the
    state's values filled in: `code == expected` (expected = 167) -> code = 167; `valid` -> 1."""
    inputs = _inputs(design, found_at)
    state_only: Env = lambda n: None if n in inputs else env(n)  # noqa: E731 (what the state alone decides)
    exprs = [c.expr for c in conditions if c.expr is not None]
    solved = inputs_for(exprs, state_only, inputs, found_at.inputs, wires, sorted({k.value for k in design.constants}))
    if solved is not None:
        return solved
    found: dict[str, int] = {}
    for c in conditions:
        if c.expr is not None:
            _collect_needs(c.expr, state_only, inputs, found, wires)
    return found


def _wire_values(design: Design, module: str, env: Env) -> dict[str, Expr]:
    """Per combinational signal, the expression that drives it in the present state: the
    assignment whose arm's conditions hold there (`matched = (din == expected)` in the
    default arm of `case (state)`), so a condition on `matched` asks something of `din`."""
    arms = _arms_by_file(design, module)
    found: dict[str, Expr] = {}
    for a in design.assignments:
        if a.module != module or a.nonblocking or a.value is None or a.offset is None or a.signal in found:
            continue
        arm = _innermost(arms.get(a.file, []), a.offset)
        guard = chain(design, arm) if arm is not None else []
        if all(s.held for s in statuses(guard, env)):
            found[a.signal] = a.value
    return found


def _collect_needs(e: Expr, env: Env, inputs: Collection[str], found: dict[str, int], wires: dict[str, Expr],
                   depth: int = 0) -> None:
    if e.op == "&&":
        for arg in e.args:
            _collect_needs(arg, env, inputs, found, wires, depth)
    elif e.op == "signal" and e.name in wires and e.name not in inputs and depth < 2:
        _collect_needs(wires[e.name], env, inputs, found, wires, depth + 1)  # a wire that must be true
    elif e.op == "signal" and e.name in inputs and e.width == 1:
        found.setdefault(e.name, 1)
    elif e.op == "!" and e.args[0].op == "signal" and e.args[0].name in inputs and e.args[0].width == 1:
        found.setdefault(e.args[0].name, 0)
    elif e.op == "==":
        for mine, other in (e.args, e.args[::-1]):
            if mine.op == "signal" and mine.name in inputs and not set(other.signals()) & inputs:
                value = evaluate(other, env)
                if value is not None and value <= (1 << mine.width) - 1:
                    found.setdefault(mine.name, value)
