"""Input values that make a set of conditions true in a known state (pure: no simulator).

At a hole's frontier the state is recorded; what is left is for the inputs to meet the
remaining conditions in the next cycle. Reading the right value off a single `==` is easy;
`!(len == 0 || len > MAX_LEN)`, `first && byte == TAG` or `din == ~expected` are not, and a
small model that is told only "valid = 1" copies the values the inputs held. So we search:
each input takes in turn the candidate value (the constants the conditions compare with, the
values the other side of a comparison has in this state, their neighbours, 0, 1, all ones)
that makes the most conditions true and comes closest; two rounds. Conditions are evaluated
exactly as on recorded state (coverage/guards.py), through the combinational signals the
present state selects (`matched = (din == expected)`), so the answer is checked, not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping

from verilogreader.coverage.guards import Env, distance, evaluate
from verilogreader.design.model import Expr

_ROUNDS = 2
_MAX_CANDIDATES = 48  # per input: enough for the constants of a guard, bounded for wide inputs
_DEPTH = 3  # how many combinational signals deep a condition is followed to the inputs


def inputs_for(conditions: list[Expr], state: Env, inputs: Mapping[str, int], held: Mapping[str, int],
               wires: Mapping[str, Expr], constants: list[int] = ()) -> dict[str, int] | None:
    """Values for the inputs the conditions read (`inputs`: name -> width) that make every one
    of them true when the state is `state` and the other inputs keep `held`; None when the
    search finds none, or no condition reads an input."""
    targets = [c for c in conditions if _reads(c, inputs, wires)]
    names = list(dict.fromkeys(n for c in targets for n in _input_names(c, inputs, wires)))
    if not names:
        return None
    chosen = {n: held.get(n, 0) for n in names}
    pools = {n: _candidates(n, inputs[n], targets, state, inputs, wires, constants, held) for n in names}
    best = _score(targets, env_with(chosen, state, held, inputs, wires))
    for _ in range(_ROUNDS):
        for name in names:
            for value in pools[name]:
                trial = {**chosen, name: value}
                score = _score(targets, env_with(trial, state, held, inputs, wires))
                if score > best:
                    best, chosen = score, trial
        if best[0] == len(targets):
            return chosen
    return None


def _score(conditions: list[Expr], env: Env) -> tuple[int, int]:
    held, gap = 0, 0
    for c in conditions:
        d = distance(c, env)
        held += d == 0
        gap += (1 << 40) if d is None else min(d, 1 << 40)
    return held, -gap


def env_with(chosen: Mapping[str, int], state: Env, held: Mapping[str, int], inputs: Mapping[str, int],
         wires: Mapping[str, Expr]) -> Env:
    """The state, with the chosen inputs (the others as held) and the combinational signals
    recomputed from them."""

    def lookup(name: str, depth: int = 0) -> int | None:
        if name in chosen:
            return chosen[name]
        if name in inputs:
            return held.get(name, 0)
        if name in wires and depth < _DEPTH:  # recomputed from the candidate inputs, not recorded
            return evaluate(wires[name], lambda n: lookup(n, depth + 1))
        return state(name)

    return lookup


def _input_names(e: Expr, inputs: Mapping[str, int], wires: Mapping[str, Expr], depth: int = 0) -> list[str]:
    found = []
    for name in e.signals():
        if name in inputs:
            found.append(name)
        elif name in wires and depth < _DEPTH:
            found += _input_names(wires[name], inputs, wires, depth + 1)
    return found


def _reads(e: Expr, inputs: Mapping[str, int], wires: Mapping[str, Expr]) -> bool:
    return bool(_input_names(e, inputs, wires))


def _candidates(name: str, width: int, conditions: list[Expr], state: Env, inputs: Mapping[str, int],
                wires: Mapping[str, Expr], constants: list[int], held: Mapping[str, int]) -> list[int]:
    top = (1 << width) - 1
    seeds = [0, 1, top, held.get(name, 0)]
    seeds += _compared_values(conditions, state, inputs, wires)
    seeds += constants
    found: dict[int, None] = {}
    for seed in seeds:
        for value in (seed, seed + 1, seed - 1):
            if 0 <= value <= top:
                found.setdefault(value)
        if len(found) >= _MAX_CANDIDATES:
            break
    return list(found)


def _compared_values(conditions: list[Expr], state: Env, inputs: Mapping[str, int],
                     wires: Mapping[str, Expr]) -> list[int]:
    """What the input-free side of each comparison is worth in this state (`checksum` = 123)."""
    found: list[int] = []
    stack, depth = list(conditions), 0
    while stack and depth < 256:
        e = stack.pop()
        depth += 1
        if e.op == "signal" and e.name in wires:
            stack.append(wires[e.name])
            continue
        if e.op in ("==", "!=", "<", "<=", ">", ">=") or e.op == "inside":
            for side in e.args:
                if side.op == "range":
                    found += [v for a in side.args if (v := evaluate(a, state)) is not None]
                elif not _reads(side, inputs, wires) and (value := evaluate(side, state)) is not None:
                    found.append(value)
        stack.extend(e.args)
    return found
