"""Stimulus sources that are not generators: a fixed list (a stimulus file), and a chain."""

from __future__ import annotations

from collections.abc import Sequence as Seq

from verilogreader.stimuli.schema import Sequence


class FixedSource:
    """Hands out given sequences in order, a batch of about `cycles` cycles at a time."""

    def __init__(self, sequences: Seq[Sequence], name: str = "stimuli-file") -> None:
        self.name = name
        self._pending = list(sequences)

    @property
    def exhausted(self) -> bool:
        return not self._pending

    def next_batch(self, cycles: int, state: object = None) -> list[Sequence]:
        batch: list[Sequence] = []
        spent = 0
        while self._pending and (not batch or spent + self._pending[0].cycle_count <= cycles):
            sequence = self._pending.pop(0)
            batch.append(sequence)
            spent += sequence.cycle_count
        return batch

    def observe(self, batch: list[Sequence], outcomes: object, state: object) -> None:
        pass


class ChainedSource:
    """A fixed source first, then a generator: directed tests, then the strategy."""

    def __init__(self, first: FixedSource, then) -> None:
        self.first = first
        self.then = then

    @property
    def _current(self):
        return self.then if self.first.exhausted else self.first

    @property
    def name(self) -> str:
        return self._current.name

    def next_batch(self, cycles: int, state: object = None) -> list[Sequence]:
        return self._current.next_batch(cycles, state)

    def observe(self, batch: list[Sequence], outcomes: object, state: object) -> None:
        """The strategy learns from the fixed sequences too: a fuzzer takes a replayed corpus as seeds."""
        self.then.observe(batch, outcomes, state)

    @property
    def stop_note(self) -> str:
        return getattr(self._current, "stop_note", "")
