"""The stimulus format: JSON sequences of per-cycle input values, validated against a design.

A stimulus file (and an LLM answer) looks like:

    {"sequences": [
        {"reset": true,
         "cycles": [{"a": 5, "b": "8'hA5"}, {"a": "4'b1010"}, {}]}
    ]}

Semantics (the harness implements them):
- `reset: true` (the default) holds the design's reset asserted for a few cycles with every
  driven input at 0 before the first cycle; coverage hit during reset does not count.
  `reset: false` continues from the state the previous sequence left.
- At the start of a sequence every driven input is 0 (reset deasserted); a cycle lists only
  the inputs it changes, the others keep their value.
- Inputs change on the falling clock edge; the rising edge after it is the cycle's clock.
  For a combinational design a cycle is one settled evaluation of the inputs.
- Values are integers (negative ones allowed on signed ports) or Verilog literals such as
  `8'hA5`, `4'b1010`, `'d12`, `16'sd-3` is not Verilog: write `-3`. Underscores are allowed.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from verilogreader.design.model import Design, Direction

MAX_CYCLES_PER_SEQUENCE = 4096
MAX_VALUE_CHARS = 4096  # a 4096-bit port in binary, under Python's 4300-digit int limit

_LITERAL = re.compile(r"^\s*(?P<size>\d+)?\s*'\s*(?P<signed>[sS])?(?P<base>[bBoOdDhH])\s*(?P<digits>[0-9a-fA-F_xXzZ?]+)\s*$")
_BASES = {"b": 2, "o": 8, "d": 10, "h": 16}
# Keys that carry metadata (a corpus file is a stimulus file with these): accepted, not applied.
_DOCUMENT_METADATA = {"format", "version", "design", "simulator", "notes", "unreachable"}
_SEQUENCE_METADATA = {"note", "target", "covers", "new_points", "strategy", "found_at_cycles", "trace"}


class Sequence(BaseModel):
    """One stimulus sequence. Values here are already checked bit patterns (non-negative)."""

    model_config = ConfigDict(extra="forbid")

    reset: bool = True
    cycles: list[dict[str, int]] = Field(default_factory=list)

    @property
    def cycle_count(self) -> int:
        return len(self.cycles)


class StimulusIssue(BaseModel):
    """One precise complaint about a stimulus: where it is and what is wrong."""

    sequence: int
    cycle: int | None = None
    port: str | None = None
    message: str

    def __str__(self) -> str:
        where = [f"sequence {self.sequence}"]
        if self.cycle is not None:
            where.append(f"cycle {self.cycle}")
        if self.port is not None:
            where.append(f"port '{self.port}'")
        return f"{', '.join(where)}: {self.message}"


def parse_value(value: Any) -> int:
    """An integer from an int or a Verilog literal / decimal string. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is neither an integer nor a Verilog literal")
    text = value.strip().replace("_", "")
    if len(text) > MAX_VALUE_CHARS:  # Python refuses longer decimal strings; no port needs them
        raise ValueError(f"a value of {len(text)} characters is longer than any port needs ({MAX_VALUE_CHARS} at most)")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        return int(text, 16)
    match = _LITERAL.match(text)
    if not match:
        raise ValueError(f"{value!r} is not an integer or a Verilog literal like 8'hA5")
    digits = match["digits"]
    if re.search(r"[xXzZ?]", digits):
        raise ValueError(f"{value!r} has x/z bits; stimuli are 2-state")
    number = int(digits, _BASES[match["base"].lower()])
    if match["size"] is not None:
        size = int(match["size"])
        if size > MAX_VALUE_CHARS * 4:  # a hex digit is 4 bits: wider than any value that fits
            raise ValueError(f"a size of {size} bits is wider than any port")
        if number >= 1 << size:
            raise ValueError(f"{value!r} does not fit its own size of {size} bits")
        if match["signed"] and size and number >= 1 << (size - 1):
            number -= 1 << size
    return number


def validate_sequences(document: Any, design: Design) -> tuple[list[Sequence], list[StimulusIssue]]:
    """Check a stimulus document against the design's ports and widths.

    Returns the valid sequences (as bit patterns) and the issues of the invalid ones:
    a partly wrong document keeps its good sequences.
    """
    raw_sequences = _raw_sequences(document)
    if isinstance(raw_sequences, StimulusIssue):
        return [], [raw_sequences]
    valid: list[Sequence] = []
    issues: list[StimulusIssue] = []
    for index, raw in enumerate(raw_sequences):
        sequence, problems = _validate_one(index, raw, design)
        issues.extend(problems)
        if sequence is not None and not problems:
            valid.append(sequence)
    return valid, issues


def _raw_sequences(document: Any) -> list[Any] | StimulusIssue:
    if isinstance(document, dict) and "sequences" in document:
        extra = sorted(set(document) - {"sequences"} - _DOCUMENT_METADATA)
        if extra:
            return StimulusIssue(sequence=0, message=f"unexpected top-level keys {extra}")
        document = document["sequences"]
    if not isinstance(document, list):
        return StimulusIssue(sequence=0, message='expected {"sequences": [...]} with a list of sequences')
    return document


def _validate_one(index: int, raw: Any, design: Design) -> tuple[Sequence | None, list[StimulusIssue]]:
    def issue(message: str, cycle: int | None = None, port: str | None = None) -> StimulusIssue:
        return StimulusIssue(sequence=index, cycle=cycle, port=port, message=message)

    if isinstance(raw, list):  # a bare list of cycles is a sequence with reset
        raw = {"cycles": raw}
    if not isinstance(raw, dict):
        return None, [issue('expected an object like {"reset": true, "cycles": [...]}')]
    unknown = sorted(set(raw) - {"reset", "cycles"} - _SEQUENCE_METADATA)
    if unknown:
        return None, [issue(f"unexpected keys {unknown}; a sequence has 'reset' and 'cycles'")]
    reset = raw.get("reset", True)
    if not isinstance(reset, bool):
        return None, [issue(f"'reset' must be true or false, not {reset!r}")]
    cycles = raw.get("cycles", [])
    if not isinstance(cycles, list):
        return None, [issue("'cycles' must be a list of {port: value} objects")]
    if len(cycles) > MAX_CYCLES_PER_SEQUENCE:
        return None, [issue(f"{len(cycles)} cycles is more than the limit of {MAX_CYCLES_PER_SEQUENCE}")]
    if not cycles:
        return None, [issue("a sequence needs at least one cycle")]

    problems: list[StimulusIssue] = []
    checked: list[dict[str, int]] = []
    for number, cycle in enumerate(cycles):
        if not isinstance(cycle, dict):
            problems.append(issue("a cycle must be an object {port: value}", cycle=number))
            continue
        values: dict[str, int] = {}
        for name, value in cycle.items():
            bits, message = _check_value(design, name, value)
            if message:
                problems.append(issue(message, cycle=number, port=name))
            else:
                values[name] = bits
        checked.append(values)
    if problems:
        return None, problems
    try:
        return Sequence(reset=reset, cycles=checked), []
    except ValidationError as error:  # pragma: no cover - the checks above cover the schema
        return None, [issue(str(error))]


def _check_value(design: Design, name: str, value: Any) -> tuple[int, str | None]:
    port = design.port(name)
    if port is None:
        known = ", ".join(p.name for p in design.driven_inputs) or "none"
        return 0, f"no such port; the inputs are: {known}"
    if port.direction is not Direction.INPUT:
        return 0, f"is an {port.direction.value}; only inputs can be driven"
    if name == design.clock_reset.clock:
        return 0, "is the clock; the harness drives it"
    try:
        number = parse_value(value)
    except ValueError as error:
        return 0, str(error)
    if not port.min_value <= number <= port.max_value:
        kind = "signed " if port.signed else ""
        return 0, (
            f"value {value!r} does not fit the {port.width}-bit {kind}port "
            f"(allowed {port.min_value}..{port.max_value})"
        )
    return number & ((1 << port.width) - 1), None
