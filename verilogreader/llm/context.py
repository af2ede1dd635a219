"""What the prompts show, as plain data (pure: no I/O, no templates).

- the design explainer: ports, clock/reset, the signals decisions switch on and the
  constants they are compared with;
- the holes: each uncovered reachable branch with a short alias (H1, H2 ...), its line, and
  the chain of conditions that guards it, extracted by the reader rather than left for the
  model to find (a small model covers far more targets when the conditions are spelled out);
- the answer format: a JSON schema built from the design's real ports and widths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from verilogreader.coverage.guards import Closeness, Frontier, chain
from verilogreader.coverage.steps import Step, input_needs, next_steps
from verilogreader.coverage.model import CoverageMap
from verilogreader.design.model import BranchPoint, Design, Expr
from verilogreader.stimuli.schema import parse_value


@dataclass(frozen=True)
class Hole:
    alias: str
    point: BranchPoint
    line_text: str
    guards: tuple[str, ...]  # outermost first; all must hold for the arm to run
    input_values: tuple[str, ...] = ()  # what the guards say directly about inputs, e.g. "op = 5"
    start: Start | None = None  # where its sequence continues from (None: from reset)


def holes(design: Design, coverage: CoverageMap, limit: int, offset: int = 0) -> list[Hole]:
    """Up to `limit` uncovered reachable points, starting at `offset` (rotating the view on
    stagnation), each with its guard chain. Aliases are stable within one run."""
    by_id = {b.id: b for b in design.branch_points}
    # The frontier first: a hole whose enclosing arm is not covered yet cannot be reached
    # before that arm is, so asking about it wastes the call.
    covered = coverage.covered  # a frozenset: one lookup per hole, not a tuple built per hole
    missing = sorted(
        coverage.uncovered_reachable, key=lambda p: by_id[p].parent is not None and by_id[p].parent not in covered
    )
    if not missing:
        return []
    start = offset % len(missing)
    chosen = (missing[start:] + missing[:start])[:limit]
    aliases = {point_id: f"H{n}" for n, point_id in enumerate(coverage.reachable, 1)}
    values = {p.name: p.value for p in design.parameters if p.value is not None}
    result = []
    for point_id in chosen:
        point = by_id[point_id]
        lines = design.sources[point.file].splitlines()
        chain = guard_chain(point, by_id, design.clock_reset.reset)
        guards = tuple(with_values(g, values) for g in chain)
        hints = tuple(dict.fromkeys(h for g in chain if (h := input_value(g, design, values))))
        result.append(Hole(aliases[point_id], point, lines[point.line - 1].strip(), guards, hints))
    return result


_EQUALS = re.compile(r"^\(?\s*([A-Za-z_]\w*)\s*==\s*([\w']+)\s*\)?$")
_TRUE = re.compile(r"^\(?\s*([A-Za-z_]\w*)\s*\)?$")
_FALSE = re.compile(r"^!\(\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*\)$")
_NOT_NOT = re.compile(r"^!\(\s*!\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*\)$")


def input_value(condition: str, design: Design, values: dict[str, int]) -> str | None:
    """`op == OP_SHL` → "op = 5", `(valid)` and `!(!valid)` → "valid = 1", `!(valid)` → "valid = 0",
    when the name is an input the model drives (not the reset: the harness applies it): the
    plainest help a small model can get."""
    inputs = {p.name: p for p in design.driven_inputs if p.name != design.clock_reset.reset}
    if (match := _EQUALS.match(condition)) and match[1] in inputs:
        value = values.get(match[2])
        if value is None:
            try:
                value = parse_value(match[2])
            except ValueError:
                return None
        return f"{match[1]} = {value}"
    for pattern, bit in ((_TRUE, 1), (_FALSE, 0), (_NOT_NOT, 1)):
        if (match := pattern.match(condition)) and match[1] in inputs and inputs[match[1]].width == 1:
            return f"{match[1]} = {bit}"
    return None


def with_values(condition: str, values: dict[str, int]) -> str:
    """`op == OP_SHL` becomes `op == OP_SHL (OP_SHL = 5)`: small models do not look names up."""
    named = [name for name in dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", condition)) if name in values]
    if not named:
        return condition
    return f"{condition} ({', '.join(f'{name} = {values[name]}' for name in named)})"


def guard_chain(point: BranchPoint, by_id: dict[str, BranchPoint], reset: str | None = None) -> tuple[str, ...]:
    """Outermost first, without the "not in reset" test around a clocked block: every cycle of
    a stimulus passes it (the harness alone applies reset), so it only costs prompt tokens."""
    arms = [point]
    while arms[-1].parent is not None and arms[-1].parent in by_id:
        arms.append(by_id[arms[-1].parent])
    kept = [a for a in arms if a is point or not (reset and a.guard and a.guard.signals() == [reset])]
    return tuple(a.condition for a in reversed(kept))


def numbered_source(design: Design) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every file of the design as (file, [(line number, text)])."""
    return [(file, list(enumerate(design.sources[file].splitlines(), 1))) for file in design.files]


def decision_signals(design: Design) -> list[tuple[str, list[str]]]:
    """Internal signals the design compares with constants (state registers, counters), with
    the constants, e.g. ("state", ["S_IDLE = 3'd0", ...]) — from the constants dictionary."""
    inputs = {p.name for p in design.ports}
    found: dict[str, list[str]] = {}
    for constant in design.constants:
        if constant.signal and constant.signal not in inputs:
            found.setdefault(constant.signal, [])
            if constant.text not in found[constant.signal]:
                found[constant.signal].append(constant.text)
    return sorted(found.items())


def input_constants(design: Design) -> list[tuple[str, list[str]]]:
    """Per driven input, the constants the design compares it with."""
    result = []
    for port in design.driven_inputs:
        texts = list(dict.fromkeys(c.text for c in design.constants if c.signal == port.name))
        if texts:
            result.append((port.name, texts))
    return result


MAX_REPEAT = 1024  # a cycle may be held this many times: a long wait or count costs the model one object
MAX_EXPANDED_CYCLES = 2048  # per sequence after `repeat` is expanded


def answer_schema(design: Design, max_sequences: int, max_cycles: int,
                  targets: list[str] | None = None) -> dict[str, Any]:
    """The JSON schema of an answer: sequences of cycles over the real inputs with their real
    ranges (a cycle may carry `repeat`: a Verilog keyword, so never a port name), plus optional
    claims that a hole is unreachable (recorded, never trusted). `targets`: the aliases of the
    holes shown, the only ones a sequence may aim at."""
    target = {"type": "string", "enum": targets} if targets else {"type": "string", "maxLength": 8}
    reset = design.clock_reset.reset  # applied by the harness ("reset": true), never by the model
    properties = {p.name: _value_schema(p) for p in design.driven_inputs if p.name != reset}
    properties["repeat"] = {"type": "integer", "minimum": 1, "maximum": MAX_REPEAT}
    return {
        "type": "object",
        "properties": {
            "sequences": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_sequences,
                "items": {
                    "type": "object",
                    "properties": {
                        "target": target,  # an alias: "H12"
                        "reset": {"type": "boolean"},
                        "cycles": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": max_cycles,
                            "items": {"type": "object", "properties": properties, "additionalProperties": False},
                        },
                    },
                    "required": ["target", "reset", "cycles"],
                    "additionalProperties": False,
                },
            },
            "unreachable": {
                "type": "array",
                "maxItems": max_sequences,  # bounded like the rest: a small model rambles until the token cap
                "items": {
                    "type": "object",
                    "properties": {"hole": {"type": "string", "maxLength": 8},
                                   "reason": {"type": "string", "maxLength": 160}},
                    "required": ["hole", "reason"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["sequences"],
        "additionalProperties": False,
    }


WIDE = 8  # above this width a value may also be a Verilog literal: models convert hex badly


def _value_schema(port) -> dict[str, Any]:
    number = {"type": "integer", "minimum": port.min_value, "maximum": port.max_value}
    if port.width <= WIDE:
        return number
    return {"anyOf": [number, {"type": "string", "pattern": "^[0-9]+'[hHdDbB][0-9a-fA-F_]+$"}]}


# --- where each hole can be continued from (issue 11) ------------------------------------------


@dataclass(frozen=True)
class Start:
    """A hole's frontier prefix as the prompt shows it: the design's state after `cycles`
    cycles from reset of a recorded sequence, and which guard conditions hold there."""

    cycles: int
    values: tuple[str, ...]  # "step = 4", the internal signals the guard reads
    inputs: tuple[str, ...]  # what the inputs hold after the prefix, e.g. "valid = 1"
    holds: tuple[str, ...]
    fails: tuple[str, ...]
    unknown: tuple[str, ...]
    steps: tuple[str, ...] = ()  # the assignments that move a failing register condition, and what they need
    needs: tuple[str, ...] = ()  # what those ask of the inputs, e.g. "code = 167"
    hold: int = 1  # for how many cycles in a row (a counter that must count up)


def start_of(design: Design, point: BranchPoint, found: Frontier) -> Start:
    conditions = chain(design, point)
    widths = {n: w for c in conditions if c.expr for n, w in _widths(c.expr).items()}
    names = _value_names(design)
    values = tuple(f"{name} = {show_value(value, widths.get(name, 1), names.get((name, value)))}"
                   for name, value in found.values.items())
    reset = design.clock_reset.reset
    ports = {p.name: p.width for p in design.driven_inputs}
    inputs = tuple(f"{name} = {show_value(value, ports[name])}" for name, value in found.inputs.items()
                   if name != reset)
    groups: dict[bool | None, list[str]] = {True: [], False: [], None: []}
    for condition, status in zip(conditions, found.statuses):
        if not (reset and condition.expr and condition.expr.signals() == [reset]):  # see guard_chain
            groups[status.held].append(condition.text)
    found_steps = next_steps(design, point, found)
    # what the first step asks of the inputs; when the state already suits the hole, what its own guard asks
    state_fails = any(c.state_only and s.held is False for c, s in zip(conditions, found.statuses))
    wanted = found_steps[0].needs if found_steps else {} if state_fails else input_needs(design, point, found)
    needs = tuple(f"{name} = {show_value(value, ports.get(name, 1))}" for name, value in wanted.items())
    return Start(found.cycle, values, inputs, tuple(groups[True]), tuple(groups[False]), tuple(groups[None]),
                 tuple(step_text(step, names) for step in found_steps), needs,
                 found_steps[0].cycles if found_steps and needs else 1)


def step_text(step: Step, names: dict[tuple[str, int], str]) -> str:
    """`step <= step + 3'd1 (line 56) gives step = 2; it runs when: valid; code == expected; now
    expected = 167 (8'hA7)`."""
    a = step.assignment
    widths = {n: w for c in step.conditions if c.expr for n, w in _widths(c.expr).items()}
    width = a.value.width if a.value is not None else 32  # the assignment's width is the register's
    gives = f" gives {step.register} = {show_value(step.gives, width, names.get((step.register, step.gives)))}" \
        if step.gives is not None else ""
    when = "; ".join(c.text for c in step.conditions) or "always"
    now = ", ".join(f"{n} = {show_value(v, widths.get(n, 1), names.get((n, v)) if v is not None else None)}"
                    for n, v in step.values.items() if n != step.register)
    repeated = ""
    if step.cycles > 1:  # the condition's own value: what the register reaches after that many cycles
        repeated = f"; {step.cycles} cycles of it in a row give {step.register} = " \
                   f"{show_value(step.reaches, width, names.get((step.register, step.reaches)))}"
    return f"`{a.text}` (line {a.line}){gives}{repeated}; it runs when: {when}" + (f"; now {now}" if now else "")


def show_value(value: int | None, width: int, name: str | None = None) -> str:
    """`4`, `ST_ARMED (2)`, `200 (8'hC8)` for wide values, `X` for unknown bits."""
    if value is None:
        return "X"
    text = f"{value} ({width}'h{value:X})" if width > 4 and value > 9 else str(value)
    return f"{name} ({text})" if name else text


def closeness_text(design: Design, alias: str, point: BranchPoint, found: Closeness, offset: int) -> str:
    """`H3: valid held at cycle 4; code == expected failed, closest code = 93, expected = 94`.
    Cycles count from the continuation's first cycle (`offset` = the prefix length)."""
    conditions = chain(design, point)
    if found.held >= len(conditions):
        return f"{alias}: every condition held together"
    parts = []
    if found.held and found.held_at:
        cycle = found.held_at[1] - offset
        where = f"at cycle {cycle + 1}" if cycle >= 0 else "in the replayed prefix (not in your cycles)"
        parts.append(f"{conditions[found.held - 1].text} held {where}")
    failed = conditions[found.held]
    widths = _widths(failed.expr) if failed.expr else {}
    closest = ", ".join(f"{n} = {show_value(v, widths.get(n, 1))}" for n, v in found.failed_closest.items())
    parts.append(f"{failed.text} never held" + (f" (closest: {closest})" if closest else ""))
    return f"{alias}: " + "; ".join(parts)


def _widths(expr: Expr) -> dict[str, int]:
    found = {expr.name: expr.width} if expr.op == "signal" and expr.name else {}
    for arg in expr.args:
        found = {**_widths(arg), **found}
    return found


def _value_names(design: Design) -> dict[tuple[str, int], str]:
    """(signal, value) -> the constant's name the design compares that signal with."""
    return {(c.signal, c.value): c.text for c in design.constants
            if c.signal and re.fullmatch(r"[A-Za-z_]\w*", c.text)}
