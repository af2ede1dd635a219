"""The bench document (`bench.json`): what every cell of a suite comparison measured.

Pure data (pydantic, no I/O). A cell is one design x strategy x seed; its timeline is what the
curves and the time-to-coverage figures are computed from. `format`/`version` let a later
tool refuse a file it does not understand instead of misreading it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BENCH_FORMAT = "verilogreader-bench"
BENCH_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimelinePoint(_Model):
    """The state after a new point was found or a batch ended."""

    cycles: int
    seconds: float
    covered: int = Field(description="reachable points covered so far")
    llm_calls: int = 0
    llm_tokens: int = 0


class PointHit(_Model):
    """When a cell first covered a point, and which stimulus source did (hybrid has two)."""

    cycles: int
    seconds: float
    llm_calls: int = 0
    by: str


class LLMTotals(_Model):
    calls: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    reasks: int = 0
    failures: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Cell(_Model):
    design: str
    strategy: str
    seed: int
    reachable: int = Field(description="reachable points of the design (the denominator)")
    covered: int = Field(description="reachable points covered at the end")
    cycles: int
    sequences: int
    seconds: float = Field(description="wall time of the cell, simulator build excluded")
    stop_reason: str
    llm: LLMTotals | None = None
    timeline: list[TimelinePoint]
    first_hits: dict[str, PointHit] = Field(description="reachable point id -> first hit")
    problems: list[str] = []

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.design, self.strategy, self.seed)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.reachable if self.reachable else 100.0


class DesignInfo(_Model):
    name: str
    category: str = ""
    top: str
    files: list[str]
    points: dict[str, str] = Field(description="reachable point id -> readable label (file:line kind)")
    unreachable: dict[str, str] = Field(description="point id excluded from the denominator -> reason")
    unobserved: dict[str, str] = Field(
        {}, description="point id the simulator cannot observe (also excluded from the denominator) -> reason"
    )


LLM_FACTS = ("endpoint", "model", "temperature", "max_tokens")  # what decides the answers


class BenchSettings(_Model):
    """What must be equal for cells to be comparable (and for a bench to be resumed)."""

    simulator: str
    budget_cycles: int
    llm: dict[str, str | int | float | None] | None = None  # LLM_FACTS of the endpoint, never a key
    llm_calls: int | None = None
    prompts: str | None = None  # a --prompts folder overriding the built-in templates


class Bench(_Model):
    format: Literal["verilogreader-bench"] = BENCH_FORMAT
    version: int = BENCH_VERSION
    settings: BenchSettings
    strategies: list[str]
    seeds: list[int]
    machine: dict[str, str | int] = {}
    wall_seconds: float = Field(0.0, description="bench wall time, summed over resumed sessions")
    designs: dict[str, DesignInfo] = {}
    skipped: dict[str, str] = Field({}, description="design name -> why it could not be read or built")
    failed: dict[str, str] = Field({}, description="cell folder (design/strategy-seedN) -> why it has no result; rerun to retry")
    cells: list[Cell] = []

    def cell(self, design: str, strategy: str, seed: int) -> Cell | None:
        return next((c for c in self.cells if c.key == (design, strategy, seed)), None)

    def cells_of(self, design: str, strategy: str) -> list[Cell]:
        return [c for c in self.cells if c.design == design and c.strategy == strategy]
