"""Corpus figures: replay time of a 1,000-sequence corpus, and what `corpus minimize` saves.

Run on demand (not a test):  python benchmarks/measure_corpus.py [--sequences 1000]
    [--sims icarus verilator] [--replay-designs seq_lock uart_rx]

1. Replay: a corpus of N random-dict sequences (every sequence kept, with what it covers) is
   replayed on each simulator; prints wall time (build excluded), cycles and cycles/s.
2. Minimize: for every benchmark design, the same kind of N-sequence corpus is minimized;
   prints sequences and cycles before and after (the covered points stay the same).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from verilogreader.engine.minimize import minimize
from verilogreader.engine.replay import replay_corpus
from verilogreader.report.documents import design_identity
from verilogreader.sim import make_simulator
from verilogreader.stimuli.random import RandomDictGenerator
from verilogreader.store.corpus import Corpus, CorpusSequence
from verilogreader.store.manifest import benchmark_folders, read_benchmark

HERE = Path(__file__).resolve().parent


def full_corpus(design, simulator, count: int, seed: int = 1) -> Corpus:
    """`count` random-dict sequences, each stored with the points it covers."""
    generator = RandomDictGenerator(design, seed)
    sequences = []
    while len(sequences) < count:
        sequences += generator.next_batch(20_000)
    sequences = sequences[:count]
    result = simulator.run(sequences)
    stored = [
        CorpusSequence(reset=s.reset, cycles=s.cycles, covers=sorted(o.covered), strategy="random-dict")
        for s, o in zip(sequences, result.outcomes)
    ]
    return Corpus(design=design_identity(design), simulator=simulator.name, sequences=stored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--sims", nargs="+", default=["icarus", "verilator"])
    parser.add_argument("--replay-designs", nargs="+", default=["seq_lock", "uart_rx"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vr-corpus-") as work:
        work = Path(work)
        print(f"Replay of a {args.sequences}-sequence corpus (build excluded)")
        print(f"{'design':16} {'sim':10} {'cycles':>9} {'wall s':>8} {'cycles/s':>10}")
        for name in args.replay_designs:
            _, design = read_benchmark(HERE / name)
            corpus = full_corpus(design, make_simulator("icarus", design, work / name), args.sequences)
            for sim in args.sims:
                simulator = make_simulator(sim, design, work / name)
                started = time.monotonic()
                replay = replay_corpus(design, simulator, corpus)
                seconds = time.monotonic() - started
                print(f"{name:16} {sim:10} {replay.state.cycles:9,} {seconds:8.2f} {replay.state.cycles / seconds:10,.0f}", flush=True)

        print(f"\n`corpus minimize` on {args.sequences}-sequence random-dict corpora")
        print(f"{'design':16} {'sequences':>16} {'cycles':>22} {'points':>7}")
        for folder in benchmark_folders(HERE):
            _, design = read_benchmark(folder)
            corpus = full_corpus(design, make_simulator("icarus", design, work / folder.name), args.sequences)
            smaller = minimize(corpus)
            assert smaller.covered() == corpus.covered()
            print(
                f"{folder.name:16} {len(corpus.sequences):>7} -> {len(smaller.sequences):<6} "
                f"{corpus.cycles:>10,} -> {smaller.cycles:<9,} {len(corpus.covered()):>7}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
