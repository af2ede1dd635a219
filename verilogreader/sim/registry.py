"""Simulator names -> adapters; the one place that knows which simulators exist."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from verilogreader.design.model import Design
from verilogreader.errors import UsageError
from verilogreader.sim.interface import Simulator


def _icarus(design: Design, work_dir: Path, timeout_s: float) -> Simulator:
    from verilogreader.sim.icarus import IcarusSimulator

    return IcarusSimulator(design, work_dir, timeout_s)


def _verilator(design: Design, work_dir: Path, timeout_s: float) -> Simulator:
    from verilogreader.sim.verilator import VerilatorSimulator

    return VerilatorSimulator(design, work_dir, timeout_s)


SIMULATORS: dict[str, Callable[[Design, Path, float], Simulator]] = {"icarus": _icarus, "verilator": _verilator}


def make_simulator(name: str, design: Design, work_dir: Path, timeout_s: float = 60.0) -> Simulator:
    """Build (or reuse the cached build of) `design` for simulator `name`.

    Raises UsageError for an unknown name, SimulatorNotFound when the tool is missing and
    SimulationFailed when the design does not compile.
    """
    factory = SIMULATORS.get(name.strip().lower())
    if factory is None:
        raise UsageError(f"unknown simulator {name!r}; the simulators are: {', '.join(SIMULATORS)}")
    return factory(design, Path(work_dir), timeout_s)
