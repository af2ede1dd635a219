"""The cocotb test that applies a whole batch of sequences in one simulator process.

The only module that imports cocotb; it runs inside the simulator. It reads the plan JSON
named by $VERILOGREADER_PLAN (written by the adapter) and appends one JSON line per completed
sequence to the plan's results file, flushed at once, so that a timeout, a crash or a
`$finish` in the design keeps every sequence completed before it.

Semantics (see stimuli/schema.py): per sequence, with `reset` and a reset port, every driven
input is 0 and reset is asserted for 2 rising edges, then released at a falling edge. Coverage
starts there (hits during reset do not count; the adapter credits such a sequence with the
reset arms instead, which run while reset is held). Every driven input starts the sequence at 0
(reset deasserted); each cycle writes only its listed inputs on a falling edge and the next
rising edge clocks them; after the last cycle we wait for the next falling edge and snapshot.
Without a clock, a cycle is: write the inputs, wait `settle_ns` for the logic to settle.
Per cycle the Python work is the writes plus one await; the clock is cocotb's C clock.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, Timer

_INDEX = re.compile(r"^(?P<name>[^\[]+)\[(?P<index>\d+)\]$")


def _handle(root: Any, path: str) -> Any:
    handle = root
    for part in filter(None, path.split(".")):
        match = _INDEX.match(part)
        if match:
            handle = getattr(handle, match["name"])[int(match["index"])]
        else:
            handle = getattr(handle, part)
    return handle


class _Probe:
    """Starts and reads per-sequence coverage: Icarus markers or Verilator's counters."""

    def __init__(self, dut: Any, probe: dict[str, Any]) -> None:
        self.kind = probe["kind"]
        self.instances = [(_handle(dut, i["path"]), i) for i in probe.get("instances", [])]
        if self.kind == "verilator":
            self.zero_reg = dut.verilogreader_cov_zero
            self.write_reg = dut.verilogreader_cov_write

    async def start(self, number: int) -> None:
        """Called right after the sequence's first writes; coverage counts from one step later.

        The step lets the writes settle first, so zero-delay glitches of applying several
        inputs at once do not count. Verilator: zero the counters (it re-runs the input-driven
        logic in that step), then one more step later raise the epoch that makes every
        combinational block run again. Icarus: raise the epoch that re-arms the markers.
        """
        await Timer(1, unit="ps")
        if self.kind == "verilator":
            self.zero_reg.value = number & 0xFFFFFFFF
            if not self.instances:
                return
            await Timer(1, unit="ps")
        for instance, _ in self.instances:
            instance.verilogreader_epoch.value = number & 0xFFFFFFFF

    def final(self) -> dict[str, Any]:
        """Coverage of the sequence the simulation ended in, read without advancing time."""
        if self.kind == "verilator":  # the model writes coverage.dat (counts since the zero) on exit
            return {"coverage": "coverage.dat"}
        try:
            return self._read_hits()
        except Exception:  # the simulator may no longer answer
            return {"hits": []}

    async def snapshot(self, number: int) -> dict[str, Any]:
        if self.kind == "verilator":
            self.write_reg.value = number & 0xFFFFFFFF
            await Timer(1, unit="ps")
            return {"coverage": f"verilogreader_cov_{number}.dat"}
        return self._read_hits()

    def _read_hits(self) -> dict[str, Any]:
        hits: set[str] = set()
        for instance, info in self.instances:
            bits = str(instance.verilogreader_hits.value)[::-1]  # LSB first
            hits.update(point for point, bit in zip(info["ids"], bits) if bit == "1")
        return {"hits": sorted(hits)}


class _Trace:
    """The state probe: reads the plan's `trace` signals once per cycle, after the cycle's
    inputs have settled (ReadOnly), i.e. the values its clock edge decides on. A signal the
    simulator cannot find or read (optimised away, not public) is listed as unavailable."""

    def __init__(self, dut: Any, paths: list[str]) -> None:
        self.handles: dict[str, Any] = {}
        self.unavailable: list[str] = []
        for path in paths:
            try:
                self.handles[path] = _handle(dut, path)
                _value(self.handles[path])
            except Exception:
                self.handles.pop(path, None)
                self.unavailable.append(path)
        self.values: dict[str, list[int | None]] = {}

    def begin(self) -> None:
        self.values = {path: [] for path in self.handles}

    async def sample(self) -> None:
        await ReadOnly()
        for path, handle in self.handles.items():
            self.values[path].append(_value(handle))

    def record(self) -> dict[str, Any]:
        return {"values": self.values, "unavailable": self.unavailable}


def _value(handle: Any) -> int | None:
    """The signal's value as an unsigned int; None when any bit is X or Z."""
    value = handle.value
    try:
        return int(value)
    except (ValueError, TypeError):
        return None


class _Progress:
    """Where the batch is, so a `$finish` mid-sequence can still report that sequence."""

    def __init__(self) -> None:
        self.probe: _Probe | None = None
        self.started = False  # coverage of the current sequence has started
        self.cycles = 0
        self.trace: _Trace | None = None


@cocotb.test()
async def verilogreader_batch(dut: Any) -> None:
    with open(os.environ["VERILOGREADER_PLAN"]) as f:
        plan = json.load(f)
    progress = _Progress()
    with open(plan["results"], "a") as out:
        try:
            await _run(dut, plan, out, progress)
        except Exception as error:  # recorded for the adapter, then re-raised for the log
            out.write(json.dumps({"error": f"{type(error).__name__}: {error}"}) + "\n")
            out.flush()
            raise
        except BaseException:  # the simulation ended under us ($finish in the design)
            if progress.probe is not None and progress.started:
                record = {"partial": True, "cycles": progress.cycles}
                record.update(progress.probe.final())
                out.write(json.dumps(record) + "\n")
                out.flush()
            raise
        out.write(json.dumps({"done": True}) + "\n")
        out.flush()


async def _run(dut: Any, plan: dict[str, Any], out: Any, progress: _Progress) -> None:
    inputs = {name: _handle(dut, name) for name in plan["inputs"]}
    reset_name = plan.get("reset")
    asserted = 0 if plan.get("reset_active_low") else 1
    idle = {name: 0 for name in inputs}
    if reset_name in idle:
        idle[reset_name] = 1 - asserted
    probe = progress.probe = _Probe(dut, plan["probe"])
    if plan.get("trace"):
        progress.trace = _Trace(dut, plan["trace"])
    clock = plan.get("clock")
    if clock is None:
        await _run_combinational(plan, inputs, idle, probe, out, progress)
        return

    clk = _handle(dut, clock)
    Clock(clk, plan["period_ns"], unit="ns", impl="gpi").start(start_high=False)
    fall = FallingEdge(clk)
    sequences = plan["sequences"]
    first_reset = bool(sequences and sequences[0]["reset"] and reset_name)
    for name, handle in inputs.items():
        handle.value = asserted if (first_reset and name == reset_name) else idle[name]
    await fall
    for number, sequence in enumerate(sequences, start=1):
        if sequence["reset"] and reset_name:
            for name, handle in inputs.items():
                handle.value = asserted if name == reset_name else 0
            await fall
            await fall
        await _sequence(number, sequence["cycles"], inputs, idle, probe, fall, out, progress)


async def _run_combinational(plan: dict[str, Any], inputs: dict[str, Any], idle: dict[str, int],
                             probe: _Probe, out: Any, progress: _Progress) -> None:
    settle = Timer(plan["settle_ns"], unit="ns")
    for name, handle in inputs.items():
        handle.value = idle[name]
    await settle
    for number, sequence in enumerate(plan["sequences"], start=1):
        await _sequence(number, sequence["cycles"], inputs, idle, probe, settle, out, progress)


async def _sequence(number: int, cycles: list[dict[str, int]], inputs: dict[str, Any], idle: dict[str, int],
                    probe: _Probe, advance: Any, out: Any, progress: _Progress) -> None:
    """Apply one sequence (reset already done) and append its record. `advance` is the
    falling edge (clocked) or the settling time (combinational)."""
    progress.started, progress.cycles = False, 0
    trace = progress.trace
    if trace is not None:
        trace.begin()
    first = dict(idle)
    first.update(cycles[0] if cycles else {})
    for name, value in first.items():
        inputs[name].value = value
    await probe.start(number)
    progress.started, progress.cycles = True, 1
    if trace is not None:
        await trace.sample()
    await advance
    for count, cycle in enumerate(cycles[1:], start=2):
        for name, value in cycle.items():
            inputs[name].value = value
        progress.cycles = count
        if trace is not None:
            await trace.sample()
        await advance
    record: dict[str, Any] = {"cycles": len(cycles)}
    if trace is not None:
        record["trace"] = trace.record()
    record.update(await probe.snapshot(number))
    progress.started = False
    out.write(json.dumps(record) + "\n")
    out.flush()
