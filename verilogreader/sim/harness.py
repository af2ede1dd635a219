"""The cocotb test that runs a whole batch of sequences in one simulator process.

The only module that imports cocotb; it runs inside the simulator, whose top is the player
(player.py). The player applies the batch's rows, starts and snapshots coverage and appends
one JSON line per completed sequence to the results file, flushed at once, so that a timeout,
a crash or a `$finish` in the design keeps every sequence completed before it. This test
orchestrates: it reads the plan JSON named by $VERILOGREADER_PLAN (written by the adapter),
waits for the player to finish and appends `done`; when the design's `$finish` ends the run,
the `partial` record of the sequence it cut short; on an error, an `error` record.

Semantics (see stimuli/schema.py, carried out by the player): per sequence, with `reset` and a
reset port, every driven input is 0 and reset is asserted for 2 rising edges, then released at
a falling edge. Coverage starts there (hits during reset do not count; the adapter credits such
a sequence with the reset arms instead, which run while reset is held). Every driven input
starts the sequence at 0 (reset deasserted); each cycle writes only its listed inputs on a
falling edge and the next rising edge clocks them; after the last cycle the next falling edge
takes the snapshot. Without a clock, a cycle is: write the inputs, wait `settle_ns` for the
logic to settle. Python wakes per cycle only when the plan traces signals the player does not
record itself (player.py).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge, ValueChange

_INDEX = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>\d+)\]$")
DUT = "verilogreader_dut"  # the design's instance in the player (player.py; not imported: it needs pydantic)


def _handle(root: Any, path: str) -> Any:
    handle = root
    for part in filter(None, path.split(".")):
        match = _INDEX.match(part)
        if match:
            handle = getattr(handle, match["name"])[int(match["index"])]
        else:
            handle = getattr(handle, part)
    return handle


def _final(dut: Any, probe: dict[str, Any]) -> dict[str, Any]:
    """Coverage of the sequence the simulation ended in, read without advancing time."""
    if probe["kind"] == "verilator":  # the model writes coverage.dat (counts since the zero) on exit
        return {"coverage": "coverage.dat"}
    try:
        design = getattr(dut, DUT)  # looked up only here: Verilator keeps the design's scopes private
        return {"bits": [str(_handle(design, i["path"]).verilogreader_hits.value) for i in probe["instances"]]}
    except Exception:  # the simulator may no longer answer
        return {"bits": []}


class _Trace:
    """The state probe: reads the plan's `trace` signals once per cycle, after the cycle's
    inputs have settled (ReadOnly after the player's tick), i.e. the values its clock edge
    decides on. A signal the simulator cannot find or read (optimised away, not public) is
    listed as unavailable. Each sequence's values go into a `trace_of` record of their own
    (the player writes the coverage record), once the next sequence starts or the batch ends."""

    def __init__(self, dut: Any, paths: list[str]) -> None:
        self.handles: dict[str, Any] = {}
        self.unavailable: list[str] = []
        for path in paths:
            try:
                self.handles[path] = _handle(dut, f"{DUT}.{path}")  # no scope without public signals
                _value(self.handles[path])
            except Exception:
                self.handles.pop(path, None)
                self.unavailable.append(path)
        self.number = 0  # the sequence whose values are pending
        self.values: dict[str, list[int | None]] = {}

    def sample(self, number: int, out: Any) -> None:
        if number != self.number:
            self.flush(out)
            self.number, self.values = number, {path: [] for path in self.handles}
        for path, handle in self.handles.items():
            self.values[path].append(_value(handle))

    def flush(self, out: Any) -> None:
        if self.number:
            out.write(json.dumps({"trace_of": self.number, "values": self.values, "unavailable": self.unavailable}) + "\n")
            out.flush()
            self.number = 0


def _value(handle: Any) -> int | None:
    """The signal's value as an unsigned int; None when any bit is X or Z."""
    value = handle.value
    try:
        return int(value)
    except (ValueError, TypeError):
        return None


@cocotb.test()
async def verilogreader_batch(dut: Any) -> None:
    with open(os.environ["VERILOGREADER_PLAN"]) as f:
        plan = json.load(f)
    trace = _Trace(dut, plan["trace"]) if plan.get("trace") else None
    with open(plan["results"], "a") as out:
        try:
            if trace is not None:
                tick = ValueChange(dut.verilogreader_tick)
                for _ in range(plan["ticks"]):
                    await tick
                    await ReadOnly()
                    trace.sample(int(dut.verilogreader_sequence.value), out)
            if not dut.verilogreader_done.value:
                await RisingEdge(dut.verilogreader_done)
            if trace is not None:
                trace.flush(out)
        except Exception as error:  # recorded for the adapter, then re-raised for the log
            out.write(json.dumps({"error": f"{type(error).__name__}: {error}"}) + "\n")
            out.flush()
            raise
        except BaseException:  # the simulation ended under us ($finish in the design)
            _ended(dut, plan, trace, out)
            raise
        out.write(json.dumps({"done": True}) + "\n")
        out.flush()


def _ended(dut: Any, plan: dict[str, Any], trace: _Trace | None, out: Any) -> None:
    """The design's `$finish`: the last completed sequence's trace, then the one it cut short."""
    try:
        completed = int(dut.verilogreader_completed.value)
        started = bool(int(dut.verilogreader_started.value))
        cycles = int(dut.verilogreader_cycles.value)
    except Exception:  # the simulator may no longer answer
        return
    if trace is not None and trace.number and trace.number <= completed:
        trace.flush(out)
    if started:
        record: dict[str, Any] = {"partial": True, "cycles": cycles}
        record.update(_final(dut, plan["probe"]))
        out.write(json.dumps(record) + "\n")
        out.flush()
