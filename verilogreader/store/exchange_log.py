"""The LLM exchange log: every prompt, response and validation error of a run, one JSON line
per stimulus request, appended and flushed so an interrupted run keeps it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ExchangeLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def __call__(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")
