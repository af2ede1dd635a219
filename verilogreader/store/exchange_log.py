"""The LLM exchange log: every prompt, response and validation error of a run, one JSON line
per stimulus request, appended and flushed so an interrupted run keeps it.

Each text in a record is cut at MAX_TEXT characters, with a marker saying how much was left
out: three 5 MB answers once made a 47 MB log. A prompt is ~10k characters, a useful answer far less.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_TEXT = 32_000


class ExchangeLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def __call__(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(capped(record)) + "\n")


def capped(value: Any, limit: int = MAX_TEXT) -> Any:
    """`value` with every string longer than `limit` cut, and marked as cut."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... [cut: {len(value) - limit} more characters not logged]"
    if isinstance(value, dict):
        return {key: capped(item, limit) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [capped(item, limit) for item in value]
    return value
