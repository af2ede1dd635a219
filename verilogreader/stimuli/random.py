"""Random stimulus generators: the yardsticks the LLM is measured against.

`random`: every driven input gets a uniform value every cycle.
`random-dict`: like `random`, but half of the values come from the design's constants
dictionary (and their neighbours), the way fuzzers splice dictionary tokens into inputs,
and inputs sometimes hold their previous value so multi-cycle conditions get a chance.

Reset, for both: every sequence starts from reset (the harness asserts it; those cycles do not
count), the reset port is otherwise held deasserted, except that each cycle asserts it with
probability 1/RESET_ONE_IN so that the design's reset branches can be covered after reset.
Sequence lengths are log-uniform between MIN_LENGTH and MAX_LENGTH cycles: short sequences
explore shallow branches cheaply, long ones reach deep state.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable

from verilogreader.design.model import Constant, Design, Port
from verilogreader.stimuli.schema import Sequence

MIN_LENGTH = 8
MAX_LENGTH = 512
RESET_ONE_IN = 256
DICTIONARY_SHARE = 0.5
HOLD_SHARE = 0.25


class RandomGenerator:
    """Seeded uniform random sequences; `name` is what reports call the strategy."""

    name = "random"

    def __init__(self, design: Design, seed: int = 0) -> None:
        self.design = design
        self.rng = _random.Random(seed)
        self.ports = [p for p in design.driven_inputs if p.name != design.clock_reset.reset]
        self.reset = design.port(design.clock_reset.reset) if design.clock_reset.reset else None
        self.clocked = not design.combinational

    def next_batch(self, cycles: int, state: object = None) -> list[Sequence]:
        """Sequences adding up to `cycles` cycles (the last one is cut to fit)."""
        batch: list[Sequence] = []
        left = cycles
        while left > 0:
            length = min(left, self._length())
            batch.append(self._sequence(length))
            left -= length
        return batch

    def observe(self, batch: list[Sequence], outcomes: object, state: object) -> None:
        """Random learns nothing from outcomes (the yardstick)."""

    def _length(self) -> int:
        if not self.clocked:  # no state: every cycle is an independent vector
            return MIN_LENGTH
        return int(math.exp(self.rng.uniform(math.log(MIN_LENGTH), math.log(MAX_LENGTH + 1))))

    def _sequence(self, length: int) -> Sequence:
        cycles: list[dict[str, int]] = []
        previous: dict[str, int] = {}
        for _ in range(length):
            values = {p.name: self._value(p, previous.get(p.name, 0)) for p in self.ports}
            if self.reset is not None:
                values[self.reset.name] = self._reset_value()
            previous = values
            cycles.append(values)
        return Sequence(reset=True, cycles=cycles)

    def _reset_value(self) -> int:
        asserted = self.rng.randrange(RESET_ONE_IN) == 0
        active = self.design.clock_reset.reset_asserted
        return active if asserted else 1 - active

    def _value(self, port: Port, previous: int) -> int:
        return self.rng.getrandbits(port.width)


class RandomDictGenerator(RandomGenerator):
    """Random that mixes in the design's constants, their neighbours and held values."""

    name = "random-dict"

    def __init__(self, design: Design, seed: int = 0) -> None:
        super().__init__(design, seed)
        self.dictionary = {p.name: dictionary_for(p, design.constants) for p in self.ports}

    def _value(self, port: Port, previous: int) -> int:
        roll = self.rng.random()
        if roll < HOLD_SHARE:
            return previous
        words = self.dictionary[port.name]
        if words and roll < HOLD_SHARE + DICTIONARY_SHARE:
            return self.rng.choice(words)
        return self.rng.getrandbits(port.width)


def dictionary_for(port: Port, constants: list[Constant]) -> list[int]:
    """Values worth trying on a port: constants compared with it first, then any that fit.

    Constants compared with this very port are listed three times so they dominate the
    draw; each constant brings its neighbours (off-by-one is where boundaries live) and the
    port's extremes are always in.
    """
    mask = (1 << port.width) - 1
    own = [c.value for c in constants if c.signal == port.name]
    other = [c.value for c in constants if c.signal != port.name]
    words: list[int] = []
    for value in own * 3 + other:
        for near in (value, value - 1, value + 1):
            if _fits(near, port):
                words.append(near & mask)
    words += [0, 1, mask, mask >> 1]
    return words


def _fits(value: int, port: Port) -> bool:
    return port.min_value <= value <= port.max_value or 0 <= value <= (1 << port.width) - 1


GENERATORS: dict[str, Callable[[Design, int], RandomGenerator]] = {
    RandomGenerator.name: RandomGenerator,
    RandomDictGenerator.name: RandomDictGenerator,
}
