"""The state probe on the real simulators: recorded values are what the design must do.

`counted` counts enabled cycles and steps a submodule FSM on `go` once the count passes 3.
A value is sampled after the cycle's inputs settle, before its clock edge: in cycle c the
counter holds the number of enabled cycles before c.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verilogreader.coverage.state import decision_signals
from verilogreader.design.reader import read_design
from verilogreader.engine.campaign import Budget, run_campaign
from verilogreader.sim import make_simulator
from verilogreader.stimuli.schema import Sequence
from verilogreader.store.corpus import load_corpus

DESIGN = Path(__file__).parent / "designs" / "state" / "counted.v"


@pytest.fixture(scope="module")
def counted():
    return read_design([DESIGN], top="counted")


def test_decision_signals_reach_into_submodules_and_leave_top_inputs_out(counted):
    signals = decision_signals(counted)
    assert {"u_step.state", "u_step.go"} <= set(signals)  # by hierarchical path
    assert "en" not in signals and "rst" not in signals


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_traced_values_follow_the_design_cycle_by_cycle(counted, tmp_path, sim):
    enables = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0]
    cycles = [{"en": e, "go": 1} for e in enables]
    simulator = make_simulator(sim, counted, tmp_path)
    signals = ["count", "big", "u_step.state", "no_such.signal"]
    plain = simulator.run([Sequence(cycles=cycles)])
    traced = simulator.run([Sequence(cycles=cycles), Sequence(cycles=cycles[:3])], trace=signals)

    assert plain.outcomes[0].trace is None  # recorded only when asked
    assert traced.outcomes[0].covered == plain.outcomes[0].covered  # the probe changes nothing
    trace = traced.outcomes[0].trace
    assert trace is not None and trace.cycles == len(cycles)
    assert trace.values["count"] == [sum(enables[:c]) for c in range(len(cycles))]
    assert trace.values["big"] == [int(sum(enables[:c]) > 3) for c in range(len(cycles))]
    state, expected = [], 0
    for count in trace.values["count"]:  # go && big steps the FSM: IDLE -> ONE -> TWO, then stays
        state.append(expected)
        if count > 3:
            expected = min(expected + 1, 2)
    assert trace.values["u_step.state"] == state
    assert trace.unavailable == ["no_such.signal"]
    assert traced.outcomes[1].trace.values["count"] == [0, 1, 2]  # each sequence from its reset


def test_a_corpus_without_traces_stays_valid_and_one_with_them_reloads(tmp_path):
    base = {"format": "verilogreader.corpus", "version": 1, "design": {"top": "counted"}, "simulator": "icarus"}
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({**base, "sequences": [{"cycles": [{"en": 1}]}]}))
    assert load_corpus(plain).sequences[0].trace is None
    with_trace = tmp_path / "traced.json"
    trace = {"version": 1, "cycles": 2, "values": {"count": [0, None]}, "unavailable": ["x"]}
    with_trace.write_text(json.dumps({**base, "sequences": [{"cycles": [{"en": 1}, {}], "trace": trace}]}))
    loaded = load_corpus(with_trace).sequences[0].trace
    assert loaded is not None and loaded.values["count"] == [0, None] and loaded.at("count", 1) is None


class _Traced:
    """A stimulus source that asks for the state probe, as the LLM strategies do."""

    name = "given"

    def __init__(self, batches, signals) -> None:
        self.sequences, self.signals = list(batches), tuple(signals)

    def next_batch(self, cycles, state):
        state.trace_signals = self.signals
        return self.sequences.pop(0) if self.sequences else []

    def observe(self, batch, outcomes, state) -> None:
        pass


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_a_corpus_entry_whose_replay_covers_something_else_is_reported(tmp_path, sim):
    design = read_design([DESIGN.parent / "sticky.v"], top="sticky")
    simulator = make_simulator(sim, design, tmp_path)
    first = Sequence(cycles=[{"go": 1}, {"go": 0}, {}])
    second = Sequence(cycles=[{"b": 1}, {}])  # `seen && b` only because `seen` survived the reset
    # batch 2 repeats `first` (nothing new, so no corpus entry): only `second` is replayed, alone
    source = _Traced([[first], [first, second]], decision_signals(design))
    state = run_campaign(design, simulator, source, Budget(cycles=100))
    assert len(state.corpus) == 2 and set(state.traces) == {0, 1}
    problems = [p for p in state.problems if "not deterministic" in p]
    assert len(problems) == 1 and "corpus sequence 2" in problems[0]
    assert state.traces[0].values["seen"][1:] == [1, 1]
