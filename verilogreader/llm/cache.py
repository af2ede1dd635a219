"""A response cache in front of any chat client: a rerun with `--cache` is reproducible and free.

The key is a hash of everything that shapes the answer (model, messages, schema, temperature,
token limit). Entries are JSON files, written atomically; a broken entry is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from verilogreader.llm.interface import ChatClient, Completion, Message
from verilogreader.store.atomic import write_json


def tool_cache() -> Path:
    """The tool's cache folder: $XDG_CACHE_HOME/verilogreader, else ~/.cache/verilogreader."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "verilogreader"


def responses_folder() -> Path:
    """Where `--cache` keeps the LLM responses (beside the embedded model's folder, not in it)."""
    return tool_cache() / "llm-responses"


class CachedChatClient:
    def __init__(self, inner: ChatClient, folder: Path) -> None:
        self.inner, self.folder = inner, folder
        self.model = inner.model

    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
        seed: int | None = None,
        timeout: float | None = None,
    ) -> Completion:
        key = request_key(self.model, messages, schema, temperature, max_tokens, seed)
        path = self.folder / f"{key}.json"
        try:
            return replace(Completion(**json.loads(path.read_text())), cached=True)
        except (OSError, ValueError, TypeError):
            pass
        completion = self.inner.complete(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, timeout=timeout
        )
        write_json(path, asdict(completion))
        return completion


def request_key(
    model: str, messages: list[Message], schema: Any, temperature: float, max_tokens: int, seed: int | None
) -> str:
    request = {
        "model": model,
        "messages": messages,
        "schema": schema,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "seed": seed,
    }
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
