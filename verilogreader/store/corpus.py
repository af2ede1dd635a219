"""The corpus file: the sequences that added coverage, replayable without an LLM.

Versioned JSON (`format: verilogreader.corpus`, `version: 1`), written atomically. It records
what it was made for (design identity: top, files, sources hash, parameters, simulator) and,
per sequence, the points it covered, so a replay can tell which sequences stopped covering
what they did when the design changed, and optionally (`trace`) the values its decision
signals took per cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from verilogreader.coverage.state import StateTrace
from verilogreader.errors import StoreError
from verilogreader.stimuli.schema import Sequence
from verilogreader.store.atomic import read_json, write_json

FORMAT = "verilogreader.corpus"
VERSION = 1


class CorpusSequence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reset: bool = True
    cycles: list[dict[str, int]]
    covers: list[str] = []  # every point this sequence hit when it was recorded
    new_points: list[str] = []  # the points it was first to hit in its run
    strategy: str = "unknown"
    found_at_cycles: int | None = None
    # Optional (absent in older files): the decision signals per cycle, recorded by the state
    # probe (coverage/state.py, its own `version`), for the LLM's frontier prefixes.
    trace: StateTrace | None = None

    def as_sequence(self) -> Sequence:
        return Sequence(reset=self.reset, cycles=self.cycles)


class Corpus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["verilogreader.corpus"] = FORMAT
    version: Literal[1] = VERSION
    design: dict[str, Any]  # see report.documents.design_identity
    simulator: str
    sequences: list[CorpusSequence] = Field(default_factory=list)

    @property
    def cycles(self) -> int:
        return sum(len(s.cycles) for s in self.sequences)

    def covered(self) -> frozenset[str]:
        return frozenset(p for s in self.sequences for p in s.covers)


def load_corpus(path: Path) -> Corpus:
    """Read and check a corpus file; every way it can be wrong is a StoreError."""
    document = read_json(path, "corpus")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StoreError(f"{path} is not a VerilogReader corpus (no \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise StoreError(
            f"{path} is corpus version {document.get('version')!r}; this VerilogReader reads version {VERSION}"
        )
    try:
        return Corpus.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StoreError(f"{path}: {where}: {first['msg']} ({error.error_count()} problem(s))") from None


def save_corpus(path: Path, corpus: Corpus) -> None:
    write_json(path, corpus.model_dump(mode="json"))
