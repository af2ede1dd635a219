"""The small interface between the LLM loop and whatever answers it.

The loop only needs: send chat messages (optionally with a JSON schema for the answer), get
text back with token counts. The openai adapter implements it for any OpenAI-compatible
endpoint; unit tests of the loop use a scripted client at exactly this boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str = "stop"
    mode: str = "json_schema"  # how the answer format was requested: json_schema, json_object, text
    cached: bool = False
    # llama.cpp's server reports these in `timings` (None when the endpoint does not):
    prompt_seconds: float | None = None  # reading the prompt
    generation_seconds: float | None = None  # writing the answer
    prompt_cached_tokens: int | None = None  # prompt tokens reused from its cache


class ChatClient(Protocol):
    model: str

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
        """One chat completion (`seed` makes sampling repeatable where the endpoint supports it),
        within `timeout` seconds of wall time when given (the client's own limit otherwise).
        Raises LLMCallFailed when the endpoint cannot answer in time."""
        ...
