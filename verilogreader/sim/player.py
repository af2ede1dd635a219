"""The HDL player: a generated top module that applies a whole batch inside the simulator.

Python waking up once per cycle cost most of a batch's time, so the adapter writes the batch
as binary rows (`verilogreader_rows_<k>.bin`, CHUNK_ROWS rows of `row_bytes` big-endian bytes
per file, read with `$fread` one file at a time; each file is a named pipe that RowWriter
fills while the simulator runs, so building the rows overlaps simulating them) and this top,
`verilogreader_player`, applies one row per clock itself: it drives the clock and the
design's inputs (the design is instance `verilogreader_dut`), starts coverage
at each sequence's first cycle and, at its end, snapshots it and appends the sequence's JSON
record to `results.jsonl` (flushed at once, so a `$finish` or a timeout keeps it). The cocotb
harness only orchestrates: it waits for `verilogreader_done` and writes the partial record of
a sequence cut by `$finish`.

The state probe: a player built with `traced` signals (the design's decision signals, when
the backend allows and they compile as hierarchical references) writes their values every
cycle to TRACE, with +verilogreader_trace; a batch tracing any other signal is sampled by the
harness instead, from Python on each cycle's `verilogreader_tick`. Both sample after the
cycle's inputs have settled, in the cycle's last time step before its clock edge.

A row is {every driven input, in `driven_inputs` order, first in the high bits; control}.
The timing is the harness's (harness.py): the clock starts low and rises every period, half a
period after it falls (first at half a period); the first row is applied at time 0 and held
until the first falling edge, every later row right after a falling edge, in the same time
step (without a clock: every `SETTLE` after the previous one). HOLD rows (before the first sequence, reset) are held for one edge
and belong to no sequence. A START row is a sequence's first cycle: 1 ps after it is applied
the backend's `start` statements run (the step lets zero-delay glitches of the new inputs
pass uncounted). At the falling edge after a LAST row, before the next row, the backend's
`snapshot` statements run and the record is written. EMPTY marks the one idle row of a
sequence without cycles (its record says 0 cycles). END ends the batch.
"""

from __future__ import annotations

import os
import sys
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from verilogreader.design.model import Design
from verilogreader.stimuli.schema import Sequence

TOP = "verilogreader_player"
DUT = "verilogreader_dut"
RESULTS = "results.jsonl"
TRACE = "verilogreader_trace.txt"
TRACE_PLUSARG = "+verilogreader_trace"
ROWS = "verilogreader_rows_{}.bin"
CHUNK_ROWS = 8192  # rows per file, the player's memory: few files per batch, small padding
HOLD, START, LAST, EMPTY, END = 1, 2, 4, 8, 16
CONTROL_BITS = 5
RESET_HOLD = 2  # falling edges reset is held per sequence (so 2 rising edges under reset)


@dataclass(frozen=True)
class CoverageControl:
    """A backend's part of the player. Statements are Verilog (they may use
    `verilogreader_sequence`, the 1-based sequence number, and delays); `fields` are the
    JSON members the record adds, a `$fwrite` format whose arguments are `args`."""

    start: list[str] = field(default_factory=list)
    snapshot: list[str] = field(default_factory=list)
    fields: str = ""
    args: list[str] = field(default_factory=list)


def _inputs(design: Design) -> list[tuple[str, int]]:
    return [(p.name, p.width) for p in design.driven_inputs]


def _reset(design: Design) -> str | None:
    reset = design.clock_reset.reset
    return reset if design.clock_reset.clock and reset in {name for name, _ in _inputs(design)} else None


def row_chunks(design: Design, sequences: list[Sequence]) -> Iterator[list[int]]:
    """The batch as row words, END included, CHUNK_ROWS at a time (the last chunk is shorter);
    the same inputs the cocotb writes used to give."""
    inputs = _inputs(design)
    reset = _reset(design)
    asserted = design.clock_reset.reset_asserted
    place: dict[str, tuple[int, int, int]] = {}  # input -> (shift, mask, clearing mask) in a row word
    shift = CONTROL_BITS
    for name, width in reversed(inputs):
        mask = (1 << width) - 1
        place[name] = (shift, mask, ~(mask << shift))
        shift += width

    def word(values: dict[str, int]) -> int:
        return sum((value & place[name][1]) << place[name][0] for name, value in values.items())

    idle = word({reset: 1 - asserted}) if reset is not None else 0
    held = word({reset: asserted}) if reset is not None else 0
    first_resets = bool(sequences and sequences[0].reset and reset is not None)
    out = [(held if first_resets else idle) | HOLD]
    append = out.append
    for sequence in sequences:
        if sequence.reset and reset is not None:
            out += [held | HOLD] * RESET_HOLD
        if not sequence.cycles:
            append(idle | START | LAST | EMPTY)
            continue
        state, cycles, first = idle, sequence.cycles, len(out)
        for low in range(0, len(cycles), CHUNK_ROWS):  # a chunk at a time: a long sequence streams too
            for cycle in cycles[low:low + CHUNK_ROWS]:  # a cycle lists only the inputs it changes
                for name, value in cycle.items():
                    at, mask, clear = place[name]
                    state = (state & clear) | ((value & mask) << at)
                append(state)
            if low == 0:
                out[first] |= START
            if low + CHUNK_ROWS >= len(cycles):
                out[-1] |= LAST
            while len(out) > CHUNK_ROWS:  # (kept > so that the flags above always land in `out`)
                yield out[:CHUNK_ROWS]
                del out[:CHUNK_ROWS]
    out.append(idle | END)
    while out:
        yield out[:CHUNK_ROWS]
        del out[:CHUNK_ROWS]


def rows(design: Design, sequences: list[Sequence]) -> list[int]:
    return [word for chunk in row_chunks(design, sequences) for word in chunk]


def _row_count(design: Design, sequences: list[Sequence]) -> int:
    resets = RESET_HOLD * sum(s.reset for s in sequences) if _reset(design) is not None else 0
    return 2 + resets + sum(len(s.cycles) or 1 for s in sequences)


_ARRAY_TYPES = {1: "B", 2: "H", 4: "I", 8: "Q"}  # item sizes `array` packs natively


def row_bytes(design: Design) -> int:
    """Bytes per row in a row file: 1, 2, 4 or 8 (packed by `array`), else whole 64-bit words."""
    bits = sum(w for _, w in _inputs(design)) + CONTROL_BITS
    return next((size for size in _ARRAY_TYPES if 8 * size >= bits), 8 * -(-bits // 64))


def pack(words: list[int], size: int) -> bytes:
    """Rows as `$fread` reads them into the player's memory: `size` bytes each, big-endian.
    (`$readmemh` parsing hex lines was a sixth of a Verilator model's instructions.)"""
    kind = _ARRAY_TYPES.get(size)
    if kind is None or array(kind).itemsize != size:
        return b"".join(word.to_bytes(size, "big") for word in words)
    packed = array(kind, words)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


class RowWriter:
    """Writes a batch's row files while the simulator runs, so building them in Python (about
    0.35 us a row, about as long as Verilator takes to simulate one) overlaps the simulation.
    Each file is a named pipe: the player's `$fread` of chunk k blocks until this thread has
    written it. `close` (after the simulator ended, however) releases a writer still waiting."""

    def __init__(self, design: Design, sequences: list[Sequence], folder: Path) -> None:
        chunks = -(-_row_count(design, sequences) // CHUNK_ROWS)
        self.paths = [folder / ROWS.format(k) for k in range(chunks)]
        for path in self.paths:
            os.mkfifo(path)
        self.ticks = sum(len(s.cycles) or 1 for s in sequences)
        self._size = row_bytes(design)
        self._stop = threading.Event()
        self._chunks = row_chunks(design, sequences)
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        for path in self.paths:
            words = next(self._chunks, [])
            words += [0] * (CHUNK_ROWS - len(words))  # the player reads whole chunks
            data = pack(words, self._size)
            if self._stop.is_set():
                return
            try:
                with open(path, "wb") as pipe:  # blocks until the player opens it
                    if self._stop.is_set():
                        return
                    pipe.write(data)
            except OSError:  # the simulator ended before this chunk, or an interrupt removed the batch's folder
                return

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():  # open each pipe for a moment: a writer blocked in open() returns
            for path in self.paths:
                try:
                    os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
                except OSError:
                    pass
            self._thread.join(0.01)


def player_source(design: Design, coverage: CoverageControl, period_ns: int, settle_ns: int,
                  traced: list[str] = ()) -> str:
    """The Verilog of the player top for this design and backend. With +verilogreader_trace,
    it writes the `traced` signals (paths in the design) of every cycle to TRACE (see `traces`)."""
    inputs = _inputs(design)
    clock = design.clock_reset.clock
    width = sum(w for _, w in inputs) + CONTROL_BITS
    regs = [f"  reg [{w - 1}:0] {name} = 0;" for name, w in inputs]
    conns = [f".{name}({name})" for name, _ in inputs]
    if clock:
        regs.append(f"  reg {clock} = 0, verilogreader_late = 0;\n  real verilogreader_fall = 0;")
        conns.append(f".{clock}({clock})")
    params = ", ".join(f".{k}({v})" for k, v in design.parameter_overrides.items())
    instance = f"  {design.top} {f'#({params}) ' if params else ''}{DUT}({', '.join(conns)});"
    # The player drives the clock itself: one process woken by delays costs Verilator a tenth
    # fewer instructions than a clock process and a player woken by its edges. The coverage statements' delays
    # (after a START row, after a snapshot) mark the cycle late: its rising edge then comes half
    # a period after the last fall all the same, so every edge stays on the period's grid.
    half = f"{period_ns / 2:g}"
    late = "if (!verilogreader_late) begin verilogreader_fall = $realtime; verilogreader_late = 1; end" if clock else ""
    advance = (f"if (verilogreader_late) begin #(verilogreader_fall + {half} - $realtime) {clock} = 1; "
               f"verilogreader_late = 0; end else #{half} {clock} = 1; #{half} {clock} = 0;"
               if clock else f"#{settle_ns};")
    # one write per input, in port order (as the cocotb harness wrote them): on Icarus the order
    # decides which zero-delay glitches a cycle's change shows (test_backends_agree.py)
    apply, low = [], width
    for name, bits in inputs:
        low -= bits
        apply.append(f"{name} = verilogreader_row[{low + bits - 1}:{low}];")
    args = "".join(f", {a}" for a in coverage.args)
    fields = ", " + coverage.fields.replace('"', '\\"') if coverage.fields else ""
    start = " ".join(coverage.start)
    # $fstrobe: the values at the end of the time step, settled, as the harness's ReadOnly; after
    # a START row's coverage start, whose epoch runs the `always @*` blocks that no input woke yet
    strobe = flush = ""
    if traced:
        signals = "".join(f", {DUT}.{path}" for path in traced)
        strobe = (f'if (verilogreader_trace) $fstrobe(verilogreader_trace, "%0d{" %h" * len(traced)}", '
                  f"verilogreader_sequence{signals});")
        flush = "if (verilogreader_trace) $fflush(verilogreader_trace);"
    snapshot = " ".join(coverage.snapshot)
    return f"""`timescale 1ns/1ps
/* verilator coverage_off */
// Generated by verilogreader (sim/player.py): applies the batch in verilogreader_rows_<k>.bin.
module {TOP};
{chr(10).join(regs)}
{instance}
  reg [{8 * row_bytes(design) - 1}:0] verilogreader_rows [0:{CHUNK_ROWS - 1}];
  reg [{width - 1}:0] verilogreader_row;
  integer verilogreader_index = {CHUNK_ROWS}, verilogreader_chunk = -1, verilogreader_file = 0, verilogreader_read = 0;
  integer verilogreader_out = 0, verilogreader_trace = 0;
  reg [31:0] verilogreader_sequence = 0, verilogreader_cycles = 0, verilogreader_completed = 0;
  reg verilogreader_started = 0, verilogreader_done = 0, verilogreader_tick = 0;
  task verilogreader_next_row;
    begin
      if (verilogreader_index == {CHUNK_ROWS}) begin
        verilogreader_chunk = verilogreader_chunk + 1;
        verilogreader_file = $fopen($sformatf("verilogreader_rows_%0d.bin", verilogreader_chunk), "rb");
        verilogreader_read = $fread(verilogreader_rows, verilogreader_file);
        $fclose(verilogreader_file);
        verilogreader_index = 0;
      end
      verilogreader_row = verilogreader_rows[verilogreader_index];
      verilogreader_index = verilogreader_index + 1;
    end
  endtask
  initial begin
    verilogreader_out = $fopen("{RESULTS}", "a");
    if ({"1" if traced else "0"} && $test$plusargs("verilogreader_trace")) verilogreader_trace = $fopen("{TRACE}", "w");
    verilogreader_next_row;
    while (!verilogreader_row[{END.bit_length() - 1}]) begin
      {" ".join(apply)}
      if (verilogreader_row[{HOLD.bit_length() - 1}]) begin
        {advance}
      end else begin
        if (verilogreader_row[{START.bit_length() - 1}]) begin
          {late}
          verilogreader_sequence = verilogreader_sequence + 1;
          verilogreader_cycles = 0;
          #0.001;
          {start}
          verilogreader_started = 1;
        end
        verilogreader_cycles = verilogreader_cycles + 1;
        verilogreader_tick = !verilogreader_tick;
        {strobe}
        {advance}
        if (verilogreader_row[{LAST.bit_length() - 1}]) begin
          {late}
          #0; // the falling edge's own logic runs before the snapshot, as it did when an edge woke the player
          {snapshot}
          if (verilogreader_row[{EMPTY.bit_length() - 1}]) verilogreader_cycles = 0;
          $fwrite(verilogreader_out, "{{\\"sequence\\": %0d, \\"cycles\\": %0d{fields}}}\\n", verilogreader_sequence, verilogreader_cycles{args});
          $fflush(verilogreader_out);
          {flush}
          verilogreader_started = 0;
          verilogreader_completed = verilogreader_sequence;
        end
      end
      verilogreader_next_row;
    end
    verilogreader_done = 1;
  end
endmodule
/* verilator coverage_on */
"""


def traces(path: Path, traced: list[str], wanted: list[str]) -> dict[int, dict[str, list[int | None]]]:
    """The values the player wrote, per sequence number, of the `wanted` signals (all among
    `traced`): a line is the sequence number and every traced signal in hex; a value with an
    x or z digit is None, as in the harness's own probe."""
    columns = [traced.index(w) + 1 for w in wanted]
    found: dict[int, dict[str, list[int | None]]] = {}
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) != len(traced) + 1:  # a line cut by a kill
            break
        values = found.setdefault(int(fields[0]), {w: [] for w in wanted})
        for name, column in zip(wanted, columns):
            try:
                values[name].append(int(fields[column], 16))
            except ValueError:
                values[name].append(None)
    return found

