"""Mutations of stimulus sequences, for the coverage-guided fuzzer (pure, seeded, no I/O).

A sequence's cycles list only the inputs that change, so cutting or splicing them as they are
would change what the later cycles mean. The mutators work on *dense* cycles instead (every
driven input, reset included, has its value in every cycle) and `to_sparse` turns the result
back into an ordinary sequence from reset.

The mutations are those of AFL's havoc stage, on cycles instead of bytes, plus two that only
make sense for hardware: hold one cycle for a long run (a counter or a timeout wants the same
input for N cycles), and a reset pulse (one cycle that drives the reset port asserted, as
the random generators do, never the clock).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from verilogreader.design.model import Design
from verilogreader.stimuli.random import dictionary_for
from verilogreader.stimuli.schema import MAX_CYCLES_PER_SEQUENCE, Sequence

Dense = list[dict[str, int]]

MAX_LENGTH = MAX_CYCLES_PER_SEQUENCE  # the format's limit; scheduling favours short seeds
MAX_HOLD = 128  # the longest run one "hold" adds (the LLM answer's `repeat` allows as much)
MAX_EXTEND = 64
RECENT_WORDS = 8  # learned values tried most: the newest state is the frontier
MAX_STACK = 4  # havoc: up to this many mutations stacked on one child
MAX_CLONES = 16  # the most copies one "clone" adds of its chunk
FRONTIER_VALUES_SHARE = 0.75  # of a frontier's learned values, taken from its own end state


@dataclass(frozen=True)
class Ports:
    """What a mutator may drive: widths, dictionary words, the reset and its idle values."""

    widths: dict[str, int]  # driven inputs but the reset
    words: dict[str, list[int]]
    reset: str | None
    asserted: int
    idle: dict[str, int]  # every driven input at the start of a sequence (reset deasserted)
    clocked: bool
    learned: list[int] = field(default_factory=list)  # values the fuzzer saw in decision signals, newest last

    @classmethod
    def of(cls, design: Design) -> Ports:
        reset = design.clock_reset.reset if design.port(design.clock_reset.reset or "") else None
        ports = [p for p in design.driven_inputs if p.name != reset]
        asserted = design.clock_reset.reset_asserted
        idle = {p.name: 0 for p in design.driven_inputs}
        if reset is not None:
            idle[reset] = 1 - asserted
        return cls({p.name: p.width for p in ports}, {p.name: dictionary_for(p, design.constants) for p in ports},
                   reset, asserted, idle, not design.combinational)


def to_dense(sequence: Sequence, ports: Ports) -> Dense:
    current = dict(ports.idle)
    dense: Dense = []
    for cycle in sequence.cycles:
        current.update({k: v for k, v in cycle.items() if k in current})
        dense.append(dict(current))
    return dense


def to_sparse(dense: Dense, ports: Ports) -> Sequence:
    """The sequence from reset whose cycles list only what changes (what the harness applies)."""
    previous = dict(ports.idle)
    cycles = []
    for cycle in dense:
        cycles.append({k: v for k, v in cycle.items() if previous.get(k) != v})
        previous = cycle
    return Sequence(reset=True, cycles=cycles)


def _word(rng: random.Random, ports: Ports, name: str) -> int:
    """Half the time a recently learned value (or its complement: guards compare with ~x too),
    else a dictionary word (constants and their neighbours)."""
    mask = (1 << ports.widths[name]) - 1
    learned = [v for v in _recent(ports) if v <= mask]
    roll = rng.random()
    if learned and (roll < 0.5 or not ports.words[name]):
        return rng.choice(learned) ^ (mask if roll < 0.15 else 0)
    return rng.choice(ports.words[name]) if ports.words[name] else rng.getrandbits(ports.widths[name])


def _recent(ports: Ports) -> list[int]:
    """The RECENT_WORDS newest distinct learned values."""
    recent: list[int] = []
    for value in reversed(ports.learned):
        if value > 1 and value not in recent:  # 0 and 1 are in every dictionary already
            recent.append(value)
            if len(recent) == RECENT_WORDS:
                break
    return recent


def _value(rng: random.Random, ports: Ports, name: str) -> int:
    """A word (learned or from the dictionary) half the time, else uniform."""
    if rng.random() < 0.5:
        return _word(rng, ports, name)
    return rng.getrandbits(ports.widths[name])


def _run_length(rng: random.Random, most: int) -> int:
    """Log-uniform in 1..most: short runs often, long ones now and then."""
    return min(most, int(math.exp(rng.uniform(0, math.log(most + 1)))))


def extend(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """New cycles at the end: random, dictionary words, or the last cycle held."""
    last = dense[-1] if dense else dict(ports.idle)
    count = _run_length(rng, MAX_EXTEND)
    mode = rng.randrange(3)
    added = []
    for _ in range(count):
        cycle = dict(last)
        if mode < 2 and ports.widths:
            names = list(ports.widths) if mode == 0 else [rng.choice(list(ports.widths))]
            for name in names:
                cycle[name] = rng.getrandbits(ports.widths[name]) if mode == 0 else _value(rng, ports, name)
        added.append(cycle)
        last = cycle
    return dense + added


def cut(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """Drop the tail, or a chunk from the middle."""
    if len(dense) < 2:
        return dense
    if rng.random() < 0.5:
        return dense[: rng.randrange(1, len(dense))]
    start = rng.randrange(len(dense) - 1)
    end = rng.randrange(start + 1, len(dense))
    return dense[:start] + dense[end:]


def splice(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """A prefix of this seed, then a suffix of another."""
    if not other:
        return dense
    return dense[: rng.randrange(1, len(dense) + 1)] + other[rng.randrange(len(other)) :]


def dictionary(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """One input set to a dictionary word (a constant or its neighbour) for a few cycles."""
    names = [n for n in ports.widths if ports.words[n]]
    if not names or not dense:
        return dense
    name = rng.choice(names)
    word = _word(rng, ports, name)
    start = rng.randrange(len(dense))
    out = [dict(c) for c in dense]
    for cycle in out[start : start + _run_length(rng, 8)]:
        cycle[name] = word
    return out


def flip(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """One bit of one input in one cycle."""
    if not ports.widths or not dense:
        return dense
    name = rng.choice(list(ports.widths))
    at = rng.randrange(len(dense))
    out = list(dense)
    out[at] = {**dense[at], name: dense[at][name] ^ (1 << rng.randrange(ports.widths[name]))}
    return out


def hold(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """One cycle held for a long run (`repeat`)."""
    if not dense:
        return dense
    at = rng.randrange(len(dense))
    return dense[: at + 1] + [dict(dense[at]) for _ in range(_run_length(rng, MAX_HOLD))] + dense[at + 1 :]


def learned(rng: random.Random, dense: Dense, ports: Ports, other: Dense, at_end: bool | None = None,
            values: tuple[int, ...] = ()) -> Dense:
    """A value a decision signal took (or its complement) on an input it fits, in a new last
    cycle or for a few cycles anywhere: the value picks the input, as in input-to-state
    matching, so a guard `din == expected` gets `expected`'s value on the inputs as wide.
    `values`: what the decision signals held at the seed's end; a new last cycle tries them
    first (what the state just reached compares with), else the newest learned values."""
    recent = list(values) if values and rng.random() < FRONTIER_VALUES_SHARE else _recent(ports)
    if not recent or not ports.widths or not dense:
        return dense
    value = rng.choice(recent)
    names = [n for n, w in ports.widths.items() if value.bit_length() <= w]
    if not names:
        return dense
    name = rng.choice(names)
    if rng.random() < 0.15:
        value ^= (1 << ports.widths[name]) - 1
    if at_end or (at_end is None and rng.random() < 0.5):
        return dense + [{**dense[-1], name: value}]
    start = rng.randrange(len(dense))
    out = [dict(c) for c in dense]
    for cycle in out[start : start + _run_length(rng, 8)]:
        cycle[name] = value
    return out


def clone(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """A chunk of the seed repeated right after itself (AFL's clone, several times over): a
    transaction that counts once, sent again and again, makes a counter of transactions climb."""
    if not dense:
        return dense
    start = rng.randrange(len(dense))
    end = min(len(dense), start + _run_length(rng, MAX_EXTEND))
    chunk = dense[start:end]
    return dense[:end] + [dict(c) for _ in range(_run_length(rng, MAX_CLONES)) for c in chunk] + dense[end:]


def reset_pulse(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """A cycle that drives the reset port asserted, inserted before a cycle: the cycles after
    it run from reset again, with the inputs they had (the reset's own arm gets hit after reset)."""
    if ports.reset is None or not ports.clocked or not dense:
        return dense
    at = rng.randrange(len(dense) + 1)
    pulse = {**(dense[at - 1] if at else ports.idle), ports.reset: ports.asserted}
    return dense[:at] + [pulse] + dense[at:]


MUTATORS: dict[str, Callable[[random.Random, Dense, Ports, Dense], Dense]] = {
    "extend": extend, "cut": cut, "splice": splice, "dictionary": dictionary,
    "flip": flip, "hold": hold, "reset": reset_pulse, "learned": learned, "clone": clone,
}


def _hold_last(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    return dense + [dict(dense[-1]) for _ in range(_run_length(rng, MAX_HOLD))] if dense else dense


def _repeat_tail(rng: random.Random, dense: Dense, ports: Ports, other: Dense) -> Dense:
    """The seed's last cycles once more, half the time all of it: a frontier cut short to its
    path (fuzz.shortcut) often is one transaction, and sending it again steps its counter again."""
    if not dense:
        return dense
    start = 0 if rng.random() < 0.5 else len(dense) - _run_length(rng, len(dense))
    return dense + [dict(c) for c in dense[start:]]


# What continues a seed from its last cycle: new cycles, a learned value (twice the share:
# the state just reached is what its guards compare with), the last cycle held, its tail again.
FRONTIER = ("extend", "learned", "learned", "hold", "repeat")
FRONTIER_SHARE = 0.75


def havoc(rng: random.Random, dense: Dense, ports: Ports, other: Dense, frontier: bool = False,
          values: tuple[int, ...] = ()) -> Dense:
    """1, 2 or 4 stacked mutations (AFL's havoc), never empty, at most MAX_LENGTH cycles.
    A `frontier` seed (cut where it showed new state) gets, FRONTIER_SHARE of the time, one
    mutation that continues it from its end and nothing else, so its prefix still leads there;
    `values` are what its decision signals held there (see `learned`)."""
    if frontier and rng.random() < FRONTIER_SHARE:
        how = rng.choice(FRONTIER)
        if how == "extend":
            out = extend(rng, dense, ports, other)
        elif how == "learned":
            out = learned(rng, dense, ports, other, at_end=True, values=values)
        elif how == "hold":
            out = _hold_last(rng, dense, ports, other)
        else:
            out = _repeat_tail(rng, dense, ports, other)
        return out[:MAX_LENGTH] or [dict(ports.idle)]
    out = dense
    names = list(MUTATORS)
    for _ in range(1 << rng.randrange(MAX_STACK.bit_length())):
        out = MUTATORS[rng.choice(names)](rng, out, ports, other)
    out = out[:MAX_LENGTH]
    return out or [dict(ports.idle)]
