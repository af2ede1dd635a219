"""bench.json: loaded with clear errors, written atomically after every finished cell."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from verilogreader.bench.model import BENCH_FORMAT, BENCH_VERSION, Bench
from verilogreader.errors import StoreError
from verilogreader.store.atomic import read_json, write_text


def load_bench(path: Path) -> Bench:
    document = read_json(path, "bench file")
    if not isinstance(document, dict) or document.get("format") != BENCH_FORMAT:
        raise StoreError(f"{path} is not a verilogreader bench file (no \"format\": \"{BENCH_FORMAT}\")")
    if document.get("version") != BENCH_VERSION:
        raise StoreError(f"{path} is bench format version {document.get('version')}; this tool reads version {BENCH_VERSION}")
    try:
        return Bench.model_validate(document)
    except ValidationError as error:
        raise StoreError(f"{path}: not a valid bench file: {error}") from None


def save_bench(path: Path, bench: Bench) -> None:
    write_text(path, bench.model_dump_json(indent=1) + "\n")
