"""`export-test`: a corpus as a standalone cocotb regression test module.

A pure renderer: corpus and design facts in, Python source out. The generated module imports
only cocotb and the standard library, and replays the sequences with the harness's semantics
(sim/harness.py). Corpus data enters the module only as checked literals: port names must be
plain Verilog identifiers, values non-negative integers, and every other string is written
with repr(); nothing from the corpus becomes code.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import jinja2

from verilogreader.errors import StoreError, UsageError
from verilogreader.store.corpus import Corpus

TEMPLATE = "regression_test.py.j2"
CLOCK_PERIOD_NS = 10  # as sim/adapter.py
SETTLE_NS = 1

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def render_regression_test(
    corpus: Corpus,
    *,
    clock: str | None,
    reset: str | None,
    reset_active_low: bool,
    inputs: list[str],
    outputs: list[str],
    module: str = "test_regression",
) -> str:
    """The text of a cocotb test module replaying every sequence of `corpus`.

    `inputs` are the driven inputs (every input but the clock), `outputs` the outputs checked
    for X/Z at the end of each sequence, `module` the name the file will be imported as
    (its stem), used in the how-to-run text. Raises StoreError when the corpus does not fit
    these ports, UsageError when `module` is not a Python module name.
    """
    top = str(corpus.design.get("top", ""))
    _identifier(top, "top module")
    for name in [*inputs, *outputs, *(n for n in (clock, reset) if n is not None)]:
        _identifier(name, "port")
    if not _MODULE.fullmatch(module):
        raise UsageError(f"{module!r} cannot be a Python module name; name the file like test_regression.py")
    sha256 = str(corpus.design.get("sha256", ""))
    if not _SHA256.fullmatch(sha256):
        sha256 = "(unknown)"
    simulator = corpus.simulator if _IDENTIFIER.fullmatch(corpus.simulator) else "(unknown)"

    known = set(inputs)
    lines = []
    for index, sequence in enumerate(corpus.sequences):
        for number, cycle in enumerate(sequence.cycles):
            for name, value in cycle.items():
                if name not in known:
                    raise StoreError(f"corpus sequence {index}, cycle {number} drives {name!r}, which is not an input of {top}")
                if type(value) is not int or value < 0:
                    raise StoreError(f"corpus sequence {index}, cycle {number}, port {name!r}: {value!r} is not a bit pattern")
        comment = f"# {index}: {len(sequence.cycles)} cycles, strategy {sequence.strategy!r}, {len(sequence.new_points)} new point(s)"
        lines.append(f"    {comment}\n    {{'reset': {sequence.reset!r}, 'cycles': {_cycles(sequence.cycles)}}},\n")

    facts: dict[str, Any] = {
        "top": top,
        "module": module,
        "count": len(corpus.sequences),
        "cycles": corpus.cycles,
        "simulator": simulator,
        "sha256": sha256,
        "period_ns": CLOCK_PERIOD_NS,
        "settle_ns": SETTLE_NS,
        "toplevel_literal": repr(top),
        "sources_literal": repr([str(f) for f in corpus.design.get("files", [])]),
        "defines_literal": repr(_strings(corpus.design.get("defines", {}))),
        "parameters_literal": repr(_strings(corpus.design.get("parameters", {}))),
        "clock_literal": repr(clock),
        "reset_literal": repr(reset),
        "reset_active_low_literal": repr(bool(reset_active_low)),
        "inputs_literal": repr(list(inputs)),
        "outputs_literal": repr(list(outputs)),
        "sequences_block": "".join(lines),
    }
    return _template().render(**facts)


def _identifier(name: str, what: str) -> None:
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise StoreError(f"{what} {name!r} is not a plain Verilog identifier; export-test cannot address it")


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(mapping).items()}


def _cycles(cycles: list[dict[str, int]]) -> str:
    """Compact literal: names are checked identifiers, values ints."""
    return "[" + ", ".join("{" + ", ".join(f"{name!r}: {value}" for name, value in c.items()) + "}" for c in cycles) + "]"


def _template() -> jinja2.Template:
    text = resources.files("verilogreader.report").joinpath(TEMPLATE).read_text()
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    return environment.from_string(text)
