"""`fuzz`: a coverage-guided fuzzer on stimulus sequences (AFL's loop, DifuzzRTL's feedback).

Loop: pick a seed (scheduling below) → mutate it (stimuli/mutate.py, havoc-style) → simulate
the batch → keep a child that found something as a new seed. Deterministic per seed: every
choice comes from one seeded generator, and what it learns comes from the simulator.

Seeds: the campaign's sequences that added coverage (a replayed corpus, a stimulus file, the
LLM's in hybrid), or, with none, the first batch of random-dict sequences.

Feedback: new branch points, and new values of the decision signals (the registers and wires
branch conditions read, recorded by the state probe, coverage/state.py): a counter one step
further or an FSM one state deeper is new state before it is a new branch, so the search has
a gradient. Per signal, each value counts while the signal has shown fewer than
EXACT_VALUES distinct values; past that only a new maximum counts (a counter still climbs, a
data register no longer floods the queue: packet_parser's checksum made 160 seeds in 50k
cycles with 256, and its packet counter then stalled at 5 of 15). A child with only new
state goes into the fuzzer's own queue, cut before the cycle whose sample showed it and
without the loops its observed state made on the way (`shortcut`: a frontier; most of its
children continue it from its end, so its length is what each costs: fsm32's state climbed to
6 in 50k cycles with the random prefixes kept, to 17 without). The values the decision
signals held at a frontier's end, then the newest seen anywhere, are tried on the inputs they
fit, or their complement (input-to-state correspondence, as Redqueen and AFL++'s cmplog): a
guard `din == expected`, `expected` computed from the state, gets its value tried on `din`.
Only branch-adding sequences enter the campaign's corpus (the campaign decides that).
When no decision signal can be read (none exists, or the simulator cannot see them), the
feedback is branch coverage alone, and the run's problems say so once.

Scheduling (a weighted draw per child): weight 1; ×8 when the seed or one of its children
found something in the last batch that found anything (the newest finds stay favoured while
the search stalls), ×2 when that was within RECENT batches before it; ×2 when the seed is no
longer than the median seed, ×4 when a quarter of it or shorter (its children cost that many
fewer cycles); ×3 when it hits a rare point (one that at most RARE_SHARE of the simulated
sequences hit). A share of each batch is fresh random-dict sequences, so the fuzzer keeps
exploring as widely as its yardstick does (seeds that narrow the search early cost it points
random-dict finds by chance: 19 against 20 on magic_compare, 20 against 23 on packet_parser,
with none). The share, between a quarter and three quarters, follows the new points and states per
cycle that fresh sequences and mutants found in the last batches (a fixed quarter left fuzz
at 20 against random-dict's 22 on packet_parser at 5,000 cycles). Batches are BATCH_CYCLES
cycles, so the queue learns often (fsm32's state climbed 1 -> 11 in 50k cycles with 2,000,
against 1 -> 5 in 20k with 4,000); after PATIENCE batches in a row that found nothing,
neither points nor state, each next one is twice as long, up to MAX_GROWTH doublings: there
is nothing new to learn from, and each batch costs a simulator start (~0.4 s). Growing from
the first idle batch cost points at 50k cycles (credit_window 15 against 17, fletcher_frame
23 against 25, consecutive64 14 against 15); after four, none were lost. `idle_batches` is also what tells
hybrid the fuzzer has stalled.

The probe's cost, measured on Icarus (8,000 cycles of fsm32 and packet_parser, 2 loaded
cores): recording every cycle takes 5-45% more time than not recording; the gradient is worth it.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from verilogreader.coverage.state import StateTrace, decision_signals
from verilogreader.design.model import Design
from verilogreader.engine.campaign import CampaignState
from verilogreader.sim.interface import SequenceOutcome
from verilogreader.stimuli.mutate import Dense, Ports, havoc, to_dense, to_sparse
from verilogreader.stimuli.random import RandomDictGenerator
from verilogreader.stimuli.schema import Sequence

FUZZ = "fuzz"
BATCH_CYCLES = 2000
PATIENCE = 4  # batches in a row that found nothing before the batches grow
MAX_GROWTH = 3  # a stalled fuzzer's batches then double, up to BATCH_CYCLES << MAX_GROWTH
EXACT_VALUES = 32
RECENT = 2
RARE_SHARE = 0.01
FRESH_SHARE = (0.25, 0.75)  # bounds of the share of fresh random-dict cycles per batch
DECAY = 0.7  # per batch, of the finds-per-cycle tallies that set that share


@dataclass
class Seed:
    dense: Dense
    covered: frozenset[str]
    found: int  # the last batch in which it, or a child of it, found something
    state_only: bool  # kept for new decision-signal values alone (never in the user's corpus)
    values: tuple[int, ...] = ()  # what the decision signals held at its end (its state's comparands)


def state_features(trace: StateTrace, seen: dict[str, set[int]]) -> dict[tuple[str, int], int]:
    """The (signal, value) features of a sequence's trace, each with the first cycle it was
    seen in; past EXACT_VALUES values seen, a signal's value counts only above its maximum."""
    found: dict[tuple[str, int], int] = {}
    for signal, series in trace.values.items():
        known = seen.get(signal, ())
        exact = len(known) < EXACT_VALUES
        top = max(known, default=-1)
        for cycle, value in enumerate(series):
            if value is not None and (exact or value > top):
                found.setdefault((signal, value), cycle)
    return found


def end_values(trace: StateTrace | None, cycle: int) -> tuple[int, ...]:
    """The distinct values (above 1: 0 and 1 are in every dictionary) the decision signals
    held in the sample of `cycle`, the state a child appending that cycle acts on."""
    if trace is None:
        return ()
    cycle = min(cycle, trace.cycles - 1)
    found = (trace.at(signal, cycle) for signal in trace.values)
    return tuple(dict.fromkeys(v for v in found if v is not None and v > 1))


def shortcut(dense: Dense, trace: StateTrace | None) -> Dense:
    """The cycles of `dense` without its loops in the observed state: when the decision
    signals showed the same values before cycle i and before cycle j > i, cycles i..j-1 led
    back where they started, and dropping them reaches the same end state sooner (what the
    signals do not show may differ: the children are simulated anyway). A frontier's children
    cost its length each, and a random prefix wanders a long time before it finds a step."""
    if trace is None or not trace.values:
        return dense
    samples = [tuple(trace.at(signal, cycle) for signal in trace.values) for cycle in range(len(dense))]
    last = {sample: cycle for cycle, sample in enumerate(samples)}
    kept, cycle = [], 0
    while cycle < len(dense):
        cycle = last[samples[cycle]]
        kept.append(dense[cycle])
        cycle += 1
    return kept


def weight(seed: Seed, last_find: int, median_length: float, rare: frozenset[str]) -> float:
    """The scheduling energy (see the module docstring); `last_find`: the last batch that found something."""
    energy = 1.0
    if seed.found == last_find:
        energy *= 8
    elif last_find - seed.found <= RECENT:
        energy *= 2
    if len(seed.dense) <= median_length:
        energy *= 2
        if len(seed.dense) * 4 <= median_length:  # its children cost a quarter of the cycles, or less
            energy *= 2
    if seed.covered & rare:
        energy *= 3
    return energy


class FuzzSource:
    """The `fuzz` strategy as a stimulus source; `observe` is its feedback."""

    name = FUZZ

    def __init__(self, design: Design, seed: int = 0) -> None:
        self.design = design
        self.rng = random.Random(seed)
        self.ports = Ports.of(design)
        self.signals = tuple(decision_signals(design))
        self.start = RandomDictGenerator(design, seed)  # the first seeds, when there are none
        self.queue: list[Seed] = []
        self.stop_note = ""
        self._seen_points: set[str] = set()
        self._seen_values: dict[str, set[int]] = {}
        self._features: set[tuple[str, int]] = set()
        self._batch = 0
        self.idle_batches = 0  # its own batches in a row that found nothing, neither points nor state
        self._parents: list[Seed | None] = []  # per sequence of the batch in flight
        # new points and cycles of fresh sequences and of mutants, decayed per batch (one of
        # each as a prior): the fresh share follows whichever has found more per cycle lately
        self._yield = {"fresh": [1.0, 1000.0], "mutant": [1.0, 1000.0]}
        self._noted = False

    def next_batch(self, cycles: int, state: CampaignState) -> list[Sequence]:
        self._batch += 1
        # while nothing is found there is nothing to learn between batches, and each costs a
        # simulator start: stalled, the batches grow
        cycles = min(cycles, BATCH_CYCLES << min(max(self.idle_batches - PATIENCE, 0), MAX_GROWTH))
        if not self.signals and not self._noted:
            self._noted = True
            state.problems.append("fuzz: the design has no internal decision signals to record: feedback is branch coverage alone")
        if self.signals:
            state.trace_signals = state.trace_signals or self.signals
        state.trace_batch = state.trace_batch or bool(state.trace_signals)
        if not self.queue:
            batch = self.start.next_batch(cycles, state)
            self._parents = [None] * len(batch)
            return batch
        # a share of fresh random-dict sequences: the search never stops exploring as widely as its yardstick
        share = self._fresh_share()
        batch = self.start.next_batch(int(cycles * share), state) if cycles * share >= 1 else []
        parents: list[Seed | None] = [None] * len(batch)
        left = cycles - sum(s.cycle_count for s in batch)
        lengths = statistics.median(len(s.dense) for s in self.queue)
        rare = self._rare_points(state)
        last_find = max(s.found for s in self.queue)
        weights = [weight(s, last_find, lengths, rare) for s in self.queue]
        while left > 0:
            parent = self.rng.choices(self.queue, weights)[0]
            other = self.rng.choice(self.queue).dense
            child = havoc(self.rng, parent.dense, self.ports, other, frontier=parent.state_only, values=parent.values)
            # the probe samples a cycle before its clock edge: one more cycle shows where the last one led
            child = (child + [dict(child[-1])])[:left]
            batch.append(to_sparse(child, self.ports))
            parents.append(parent)
            left -= len(child)
        self._parents = parents
        return batch

    def _fresh_share(self) -> float:
        """Fresh sequences get the share of the batch their recent finds per cycle earn against
        the mutants', within FRESH_SHARE: while random-dict still finds things by chance the
        fuzzer keeps up with it, and once mutation is what finds things, it mutates."""
        (fresh, fresh_cycles), (mutant, mutant_cycles) = self._yield["fresh"], self._yield["mutant"]
        rate_fresh, rate_mutant = fresh / fresh_cycles, mutant / mutant_cycles
        low, high = FRESH_SHARE
        return min(max(rate_fresh / (rate_fresh + rate_mutant), low), high)

    def _rare_points(self, state: CampaignState) -> frozenset[str]:
        limit = max(1, int(state.sequences * RARE_SHARE))
        return frozenset(p for p, n in state.coverage.hits.items() if n <= limit)

    def observe(self, batch: list[Sequence], outcomes: list[SequenceOutcome], state: CampaignState) -> None:
        """Keep the children (or any sequence of the batch) that found something as seeds."""
        parents = self._parents if len(self._parents) == len(batch) else [None] * len(batch)
        mine = len(self._parents) == len(batch)  # not a batch of the LLM's (hybrid)
        self._parents = []
        found_before = (len(self._seen_points), len(self._features))
        for tally in self._yield.values():
            tally[0], tally[1] = tally[0] * DECAY, tally[1] * DECAY
        for sequence, outcome, parent in zip(batch, outcomes, parents):
            if not sequence.reset or not sequence.cycles:
                continue  # a continuation depends on what ran before it: no seed on its own
            new_points = outcome.covered - self._seen_points
            self._seen_points |= outcome.covered
            new_features, new_state = self._learn_state(outcome.trace, state)
            if mine:  # a new state counts as a find: on a deep FSM it is most of what mutants find
                tally = self._yield["fresh" if parent is None else "mutant"]
                tally[0] += len(new_points) + new_features
                tally[1] += sequence.cycle_count
            if not (new_points or new_state is not None):
                continue
            dense = to_dense(sequence, self.ports)
            if new_points:
                self.queue.append(Seed(dense, outcome.covered, self._batch, False, end_values(outcome.trace, len(dense) - 1)))
            if new_state is not None and (not new_points or new_state < len(dense)):
                # cut before the cycle whose sample showed the newest state (the cycles before it
                # led there; its own inputs act on that state): extending it continues from the
                # frontier. Its `covered` is the whole sequence's, for the rarity bonus only.
                cut = max(new_state, 1)
                path = shortcut(dense[:cut], outcome.trace)
                self.queue.append(Seed(path, outcome.covered, self._batch, True, end_values(outcome.trace, cut)))
            if parent is not None:
                parent.found = self._batch
        if (len(self._seen_points), len(self._features)) != found_before:
            self.idle_batches = 0  # the LLM's finds too (hybrid): there is something to mutate again
        elif mine:
            self.idle_batches += 1

    def _learn_state(self, trace: StateTrace | None, state: CampaignState) -> tuple[int, int | None]:
        """How many new features the trace showed, and the last cycle it showed one at (None: nothing new)."""
        if trace is None:
            return 0, None
        if not self._noted:
            self._noted = True
            readable = [s for s in trace.values]
            if not readable:
                state.problems.append(f"fuzz: the simulator cannot read the design's decision signals "
                                      f"({', '.join(trace.unavailable[:4])}): feedback is branch coverage alone")
                state.trace_signals, state.trace_batch = (), False
                self.signals = ()
                return 0, None
            if trace.unavailable:
                state.problems.append(f"fuzz: decision signals the simulator cannot read, left out of the feedback: "
                                      f"{', '.join(trace.unavailable[:4])}{' ...' if len(trace.unavailable) > 4 else ''}")
        found = state_features(trace, self._seen_values)
        features = {f: cycle for f, cycle in found.items() if f not in self._features}
        for (signal, value), _ in sorted(features.items(), key=lambda item: (item[1], item[0])):
            self._seen_values.setdefault(signal, set()).add(value)
            self.ports.learned.append(value)
        self._features |= set(features)
        return len(features), max(features.values()) if features else None
