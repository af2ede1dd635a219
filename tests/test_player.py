"""The HDL player (sim/player.py) on both simulators: a whole batch applied inside the simulator
attributes coverage and traces to each sequence exactly as that sequence alone would get them.

The batches here mix sequences with and without reset, an empty sequence, and are long enough
to cross the player's row-file boundaries (CHUNK_ROWS rows per file).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from verilogreader.coverage.state import decision_signals
from verilogreader.design.reader import read_design
from verilogreader.sim import make_simulator
from verilogreader.sim.player import CHUNK_ROWS, CONTROL_BITS, EMPTY, END, HOLD, LAST, START, row_bytes, rows
from verilogreader.stimuli.schema import Sequence
from verilogreader.store.manifest import read_benchmark

DESIGNS = Path(__file__).parent / "designs"
BOTH = ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)]


@pytest.fixture(scope="module")
def counted():
    return read_design([DESIGNS / "state" / "counted.v"], top="counted")


@pytest.fixture(scope="module")
def comb():
    return read_design([DESIGNS / "sim" / "comb.v"], top="comb")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("playerwork")


def _random(design, count: int, seed: int, longest: int) -> list[Sequence]:
    rng = random.Random(seed)
    ports = [p for p in design.driven_inputs if p.name != design.clock_reset.reset]
    return [Sequence(reset=rng.random() < 0.6,
                     cycles=[{p.name: rng.randint(0, p.max_value) for p in ports if rng.random() < 0.6}
                             for _ in range(rng.randint(0, longest))])
            for _ in range(count)]


def _alone(simulator, sequences: list[Sequence], index: int, trace=()):
    """The outcome of sequence `index` run in a batch of its own: from its last reset (or the
    batch's start), since a sequence without reset continues from the one before."""
    first = index
    while first > 0 and not sequences[first].reset:
        first -= 1
    result = simulator.run(sequences[first:index + 1], trace=trace)
    assert result.stopped is None
    return result.outcomes[-1]


def test_rows_carry_reset_holds_sequence_bounds_and_only_the_changed_inputs(counted):
    # inputs in driven_inputs order (rst, en, go) from the high bits, then the control bits
    batch = [Sequence(cycles=[{"en": 1}, {"go": 1}]), Sequence(reset=False, cycles=[]), Sequence(cycles=[{}])]
    words = rows(counted, batch)

    def row(rst: int, en: int, go: int, control: int) -> int:
        return (((rst << 2) | (en << 1) | go) << CONTROL_BITS) | control

    assert words == [row(1, 0, 0, HOLD),  # before the first falling edge: already in reset
                     row(1, 0, 0, HOLD), row(1, 0, 0, HOLD),  # 2 edges of reset
                     row(0, 1, 0, START), row(0, 1, 1, LAST),  # `en` stays set in the second cycle
                     row(0, 0, 0, START | LAST | EMPTY),  # no cycles: one idle row, 0 cycles reported
                     row(1, 0, 0, HOLD), row(1, 0, 0, HOLD), row(0, 0, 0, START | LAST),
                     row(0, 0, 0, END)]


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_a_long_batch_attributes_each_sequence_as_if_run_alone(name: str, counted, work: Path) -> None:
    sequences = _random(counted, 700, seed=3, longest=30)
    assert len(rows(counted, sequences)) > CHUNK_ROWS  # crosses row files
    simulator = make_simulator(name, counted, work)
    signals = ["count", "u_step.state"]
    batch = simulator.run(sequences, trace=signals)
    plain = simulator.run(sequences)
    assert batch.stopped is None and plain.stopped is None
    assert [o.cycles for o in batch.outcomes] == [len(s.cycles) for s in sequences]
    assert [o.covered for o in batch.outcomes] == [o.covered for o in plain.outcomes]  # tracing changes nothing
    for index in sorted(random.Random(5).sample(range(len(sequences)), 12)) + [len(sequences) - 1]:
        alone = _alone(simulator, sequences, index, trace=signals)
        assert batch.outcomes[index].covered == alone.covered, index
        assert batch.outcomes[index].trace == alone.trace, index
    for sequence, outcome in zip(sequences, batch.outcomes):  # one sample per applied row
        assert len(outcome.trace.values["count"]) == (len(sequence.cycles) or 1)


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_a_combinational_batch_traces_the_settled_outputs(name: str, comb, work: Path) -> None:
    sequences = _random(comb, 40, seed=9, longest=6)
    simulator = make_simulator(name, comb, work)
    batch = simulator.run(sequences, trace=["y", "w"])
    assert batch.stopped is None and len(batch.outcomes) == len(sequences)
    for sequence, outcome in zip(sequences, batch.outcomes):
        state = {"sel": 0, "x": 0}  # every input starts a sequence at 0
        expected_y, expected_w = [], []
        for cycle in sequence.cycles or [{}]:
            state.update(cycle)
            sel, x = state["sel"], state["x"]
            expected_y.append({0: x, 1: ~x & 15, 2: 9 if x & 8 else 0, 3: 0}[sel])
            expected_w.append((x >> (0 if sel & 1 else 1 if sel & 2 else 2)) & 1)
        assert outcome.trace.values == {"y": expected_y, "w": expected_w}
    for index in (0, 17, 39):
        assert batch.outcomes[index].covered == _alone(simulator, sequences, index).covered


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
@pytest.mark.parametrize("which", ["counted", "decoder"])
def test_the_players_own_trace_equals_the_harnesss(name: str, which: str, counted, work: Path) -> None:
    """The player writes the decision signals it was built with itself ($fstrobe, no Python per
    cycle); asking for one more signal makes the harness sample them all from Python instead."""
    if which == "counted":
        design, extra = counted, "count"
    else:  # combinational
        design = read_benchmark(Path(__file__).resolve().parents[1] / "benchmarks" / "decoder")[1]
        extra = "y"
    simulator = make_simulator(name, design, work)
    signals = decision_signals(design)
    assert simulator._traced == signals  # built with them: those batches take the player's path
    sequences = _random(design, 300, seed=4, longest=12)
    in_hdl = simulator.run(sequences, trace=signals)
    in_python = simulator.run(sequences, trace=signals + [extra])
    assert in_hdl.stopped is None and in_python.stopped is None
    for number, (a, b) in enumerate(zip(in_hdl.outcomes, in_python.outcomes, strict=True)):
        assert a.covered == b.covered, number
        assert a.trace.values == {s: b.trace.values[s] for s in signals}, number
        assert a.trace.unavailable == [] and a.trace.cycles == b.trace.cycles


@pytest.mark.sim
@pytest.mark.parametrize("name", BOTH)
def test_rows_wider_than_a_word_reach_the_design_bit_for_bit(name: str, work: Path) -> None:
    design = read_design([DESIGNS / "sim" / "wide.v"], top="wide")
    assert row_bytes(design) == 16  # 100 + 8 input bits and the control bits: two words a row
    sequences = [Sequence(cycles=[{"a": (1 << 99) | 5, "b": 0x81}, {"a": (1 << 100) - 1}, {"b": 0}, {}]),
                 Sequence(cycles=[{"b": 0xFF}, {"a": 0x123456789ABCDEF0123456789}])]
    batch = make_simulator(name, design, work).run(sequences, trace=["seen"])
    assert batch.stopped is None
    for sequence, outcome in zip(sequences, batch.outcomes, strict=True):
        state, expected = {"a": 0, "b": 0}, []
        for cycle in sequence.cycles:  # sampled before each rising edge: the previous cycle's inputs
            expected.append(state["b"] << 100 | state["a"] if expected else 0)
            state.update(cycle)
        assert outcome.trace.values == {"seen": expected}


def test_a_row_writer_whose_batch_folder_is_removed_ends_quietly(counted, tmp_path, monkeypatch):
    """An interrupt during a batch removes its folder while the row thread may be between two
    chunks; the thread then ends without a traceback (one once broke a SIGTERMed run's exit)."""
    import shutil
    import threading

    from verilogreader.sim import player

    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    second_chunk = threading.Event()
    packed, pack = [], player.pack

    def pack_after_removal(words, size):
        if packed:
            second_chunk.wait(10)  # the folder is gone before chunk 1 is opened
        packed.append(size)
        return pack(words, size)

    monkeypatch.setattr(player, "pack", pack_after_removal)
    folder = tmp_path / "batch"
    folder.mkdir()
    writer = player.RowWriter(counted, [Sequence(reset=True, cycles=[{}] * (CHUNK_ROWS + 5))], folder)
    assert len(writer.paths) >= 2
    with open(writer.paths[0], "rb") as pipe:
        assert len(pipe.read()) == CHUNK_ROWS * row_bytes(counted)
    shutil.rmtree(folder)
    second_chunk.set()
    writer._thread.join(10)
    assert not writer._thread.is_alive() and errors == []
