"""Reachable coverage of the random baselines at 10k and 100k cycles, per benchmark design.

Run on demand (not a test):  python benchmarks/measure_baselines.py [--category hard|reasoning|all]
    [--sim icarus] [--seeds 1 2 3] [--budget 100000] [--checkpoints 10000 100000]
Prints one row per design x strategy: median (min-max) reachable coverage over the seeds at
each checkpoint, and the wall time spent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.sim.registry import make_simulator
from verilogreader.stimuli.random import GENERATORS
from verilogreader.store.manifest import benchmark_folders, read_benchmark

HERE = Path(__file__).resolve().parent


def coverage_at(state, cycles: int) -> float:
    """Reachable coverage (%) after `cycles` cycles, read off the run's timeline."""
    reachable = len(state.coverage.reachable) or 1
    covered = max((t.reachable_covered for t in state.timeline if t.cycles <= cycles), default=0)
    return 100.0 * covered / reachable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", default="hard", help="simple, medium, hard, reasoning or all")
    parser.add_argument("--sim", default="icarus")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--budget", type=int, default=100_000)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--designs", nargs="*", help="only these benchmark names")
    args = parser.parse_args()

    header = f"{'design':16} {'strategy':12} " + " ".join(f"{'@' + str(c):>22}" for c in args.checkpoints) + "   wall s"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="vr-baselines-") as work:
        for folder in benchmark_folders(HERE):
            manifest, design = read_benchmark(folder)
            if args.category != "all" and manifest.category != args.category:
                continue
            if args.designs and manifest.name not in args.designs:
                continue
            simulator = make_simulator(args.sim, design, Path(work) / manifest.name, timeout_s=600)
            for strategy, make in GENERATORS.items():
                finals = {c: [] for c in args.checkpoints}
                started = time.monotonic()
                for seed in args.seeds:
                    state = run_campaign(design, simulator, make(design, seed), Budget(args.budget))
                    for c in args.checkpoints:
                        finals[c].append(coverage_at(state, c))
                cells = " ".join(f"{_spread(finals[c]):>22}" for c in args.checkpoints)
                print(f"{manifest.name:16} {strategy:12} {cells}   {time.monotonic() - started:6.1f}", flush=True)
    return 0


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.1f}% ({min(values):.1f}-{max(values):.1f})"


if __name__ == "__main__":
    sys.exit(main())
