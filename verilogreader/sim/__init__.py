"""Simulators behind one small interface (see interface.py).

`make_simulator(name, design, work_dir)` builds a design once for Icarus or Verilator and
returns a `Simulator` whose `run(sequences)` applies a batch in one simulator process.
Imported lazily: the cocotb harness lives in this package and runs inside the simulator,
where the adapters are not needed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SIMULATORS", "make_simulator"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from verilogreader.sim import registry

        return getattr(registry, name)
    raise AttributeError(name)
