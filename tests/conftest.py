"""Shared fixtures: a hand-built design model for the pure-core tests."""

from __future__ import annotations

import pytest

from verilogreader.design.model import (
    BranchKind,
    BranchPoint,
    ClockReset,
    Constant,
    Design,
    Direction,
    Port,
)


def _point(line: int, kind: BranchKind, unreachable: str | None = None) -> BranchPoint:
    return BranchPoint(
        id=f"lock.v:{line}:5:{kind.value}",
        module="lock",
        file="lock.v",
        line=line,
        column=5,
        kind=kind,
        condition="code == 8'h42",
        span=(0, 0),
        unreachable=unreachable,
    )


@pytest.fixture
def lock_model() -> Design:
    """A model of a small clocked design: the pure core needs no Verilog to be tested."""
    return Design(
        top="lock",
        files=["lock.v"],
        sources={"lock.v": "\n".join(f"// line {n}" for n in range(1, 21))},
        modules=["lock"],
        ports=[
            Port(name="clk", direction=Direction.INPUT, width=1),
            Port(name="rst_n", direction=Direction.INPUT, width=1),
            Port(name="code", direction=Direction.INPUT, width=8),
            Port(name="delta", direction=Direction.INPUT, width=4, signed=True),
            Port(name="open", direction=Direction.OUTPUT, width=1),
        ],
        clock_reset=ClockReset(clock="clk", reset="rst_n", reset_active_low=True),
        branch_points=[
            _point(5, BranchKind.IF),
            _point(5, BranchKind.ELSE_IMPLICIT),
            _point(9, BranchKind.CASE_ITEM),
            _point(12, BranchKind.CASE_DEFAULT, unreachable="all 4 values of state have items"),
        ],
        constants=[Constant(value=0x42, width=8, text="8'h42", signal="code", line=5)],
    )
