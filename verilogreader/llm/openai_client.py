"""Any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama) through the `openai` package.

The answer format is asked for as strictly as the endpoint allows: a JSON schema first
(llama.cpp's server enforces it, integer ranges included), then plain JSON mode, then free
text; the first mode the endpoint accepts is remembered. Whatever comes back is still parsed
and validated by the caller: no endpoint is trusted to follow the schema.
Retries with backoff on connection errors, timeouts, 429 and 5xx are the openai client's own.
"""

from __future__ import annotations

import time
from typing import Any

import openai

from verilogreader.errors import LLMCallFailed
from verilogreader.llm.interface import Completion, Message

MODES = ("json_schema", "json_object", "text")


class OpenAIChatClient:
    def __init__(self, base_url: str | None, model: str, api_key: str | None, timeout: float, max_retries: int = 3):
        self.model = model
        # The key is handed to the client only; it is never logged or written anywhere.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries
        )
        self._mode_index = 0

    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
        seed: int | None = None,
    ) -> Completion:
        while True:
            mode = MODES[self._mode_index] if schema is not None else "text"
            started = time.monotonic()
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=temperature,
                    max_tokens=max_tokens,
                    **({"seed": seed} if seed is not None else {}),
                    **_response_format(mode, schema),
                )
            except openai.BadRequestError as error:
                if mode != "text" and self._mode_index < len(MODES) - 1:
                    self._mode_index += 1  # the endpoint refused this answer format: try a looser one
                    continue
                raise LLMCallFailed(f"the endpoint refused the request: {_brief(error)}") from None
            except openai.APIStatusError as error:
                raise LLMCallFailed(f"the endpoint answered HTTP {error.status_code}: {_brief(error)}") from None
            except (openai.APIConnectionError, openai.APITimeoutError) as error:
                raise LLMCallFailed(f"cannot reach the endpoint: {_brief(error)}") from None
            return _completion(response, mode, time.monotonic() - started)


def _response_format(mode: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "stimuli", "schema": schema, "strict": True}}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _completion(response: Any, mode: str, seconds: float) -> Completion:
    choice = response.choices[0] if response.choices else None
    usage = getattr(response, "usage", None)
    return Completion(
        text=(choice.message.content or "") if choice else "",
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        seconds=round(seconds, 3),
        finish_reason=(choice.finish_reason or "") if choice else "empty",
        mode=mode,
    )


def _brief(error: Exception) -> str:
    text = str(error)
    return text if len(text) < 300 else text[:300] + "..."
