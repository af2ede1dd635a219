"""LLM strategies against the random baselines at the same cycle budget, per benchmark design.

Run on demand (not a test; with the embedded model one LLM call takes about a minute on 2 cores):
    python benchmarks/measure_strategies.py [--category hard] [--seeds 1 2 3]
        [--budget 5000] [--llm-calls 5] [--strategies random random-dict llm hybrid] [--llm local]

Prints one row per design x strategy x seed: final reachable coverage, the cycles at which the
last new point was found, LLM calls and tokens, and wall time; then the median per design and
strategy. Same simulator (Icarus), same seeds, same cycle budget for every strategy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.engine.llm_strategy import HybridSource, LLMPolicy, LLMSource
from verilogreader.llm.connect import open_chat_client
from verilogreader.llm.prompts import Prompts
from verilogreader.llm.settings import resolve_settings
from verilogreader.sim import make_simulator
from verilogreader.stimuli.random import GENERATORS, RandomDictGenerator
from verilogreader.store.manifest import benchmark_folders, read_benchmark

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--category", default="hard")
    parser.add_argument("--designs", nargs="*")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--budget", type=int, default=5000)
    parser.add_argument("--llm-calls", type=int, default=5)
    parser.add_argument("--strategies", nargs="+", default=["random", "random-dict", "llm", "hybrid"])
    parser.add_argument("--llm", default="local")
    args = parser.parse_args()

    rows = defaultdict(list)
    print(f"{'design':14} {'strategy':11} {'seed':>4} {'reach %':>8} {'last new @cyc':>13} {'calls':>5} {'tokens':>7} {'wall s':>7}")
    with tempfile.TemporaryDirectory(prefix="vr-strategies-") as work, ExitStack() as stack:
        client = None
        if {"llm", "hybrid"} & set(args.strategies):
            settings = resolve_settings(args.llm)
            client = stack.enter_context(open_chat_client(settings, log_dir=Path(work)))
        for folder in benchmark_folders(HERE):
            manifest, design = read_benchmark(folder)
            if (args.designs and manifest.name not in args.designs) or (
                not args.designs and args.category != "all" and manifest.category != args.category
            ):
                continue
            simulator = make_simulator("icarus", design, Path(work) / manifest.name)
            for strategy in args.strategies:
                for seed in args.seeds:
                    llm = None
                    if strategy in GENERATORS:
                        source = GENERATORS[strategy](design, seed)
                    else:
                        llm = LLMSource(design, client, Prompts(), LLMPolicy(max_calls=args.llm_calls), seed=seed)
                        source = llm if strategy == "llm" else HybridSource(RandomDictGenerator(design, seed), llm)
                    started = time.monotonic()
                    state = run_campaign(design, simulator, source, Budget(args.budget))
                    wall = time.monotonic() - started
                    last_new = max((h.cycles for h in state.first_hits.values()), default=0)
                    calls = llm.accounting.calls if llm else 0
                    tokens = (llm.accounting.prompt_tokens + llm.accounting.completion_tokens) if llm else 0
                    percent = state.coverage.reachable_percent
                    rows[(manifest.name, strategy)].append((percent, last_new, calls, tokens, wall))
                    print(
                        f"{manifest.name:14} {strategy:11} {seed:>4} {percent:8.1f} {last_new:13,} {calls:5} {tokens:7,} {wall:7.1f}",
                        flush=True,
                    )
    print("\nmedian over seeds (min-max of reachable %)")
    for (name, strategy), values in rows.items():
        percents = [v[0] for v in values]
        medians = [statistics.median(v[i] for v in values) for i in range(1, 5)]
        print(
            f"{name:14} {strategy:11} {statistics.median(percents):6.1f}% ({min(percents):.1f}-{max(percents):.1f})"
            f"  last new @{medians[0]:,.0f}  calls {medians[1]:.0f}  tokens {medians[2]:,.0f}  wall {medians[3]:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
