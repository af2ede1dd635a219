"""The design model (pure) and the pyslang reader that builds it."""

from verilogreader.design.model import (
    BranchKind,
    BranchPoint,
    ClockReset,
    Constant,
    Design,
    Direction,
    Instance,
    Parameter,
    Port,
)

__all__ = [
    "BranchKind",
    "BranchPoint",
    "ClockReset",
    "Constant",
    "Design",
    "Direction",
    "Instance",
    "Parameter",
    "Port",
]
