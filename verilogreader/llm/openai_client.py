"""Any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama) through the `openai` package.

The answer format is asked for as strictly as the endpoint allows: a JSON schema first
(llama.cpp's server enforces it, integer ranges included), then plain JSON mode, then free
text; the first mode the endpoint accepts is remembered. Only a refusal that names the format
downgrades it: a context overflow is also an HTTP 400, and once dropped the schema for the
whole run. Whatever comes back is still parsed and validated by the caller: no endpoint is
trusted to follow the schema. Retries with backoff on connection errors, 429 and 5xx are the
openai client's own, inside the call's deadline.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from verilogreader.errors import LLMCallAbandoned, LLMCallFailed
from verilogreader.llm.grammar import compact_grammar, opened_answer
from verilogreader.llm.interface import Completion, Message
from verilogreader.llm.redact import redact, url_secrets

MODES = ("json_schema", "json_object", "text")
LLAMA_CPP_MODES = ("grammar", *MODES)  # its own compact grammar first (llm/grammar.py)


class OpenAIChatClient:
    """`timeout` is a deadline on wall time for one call, the openai client's retries and every
    read included (its own timeout is per read: a server dripping a byte a second never trips
    it). A call past its deadline is cancelled and its connection closed, which is what makes
    llama.cpp's server drop the abandoned request instead of finishing it for nobody."""

    def __init__(self, base_url: str | None, model: str, api_key: str | None, timeout: float, max_retries: int = 2,
                 modes: tuple[str, ...] = MODES):
        self.model = model
        self.modes = modes
        self.timeout = timeout
        # The key is handed to the openai client only; every text this client hands out is scrubbed of it.
        self._options: dict[str, Any] = {"base_url": base_url, "api_key": api_key or "not-needed", "max_retries": max_retries}
        self._secrets = [api_key, *url_secrets(base_url or "")]
        self._mode_index = 0

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
        limit = self.timeout if timeout is None else min(self.timeout, timeout)
        if limit <= 0:
            raise LLMCallFailed("no time left in the budget for an LLM call")
        request = {
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
            **({"seed": seed} if seed is not None else {}),
        }
        try:
            completion = asyncio.run(self._complete(request, schema, limit))
        except LLMCallFailed as error:
            raise type(error)(redact(str(error), self._secrets)) from None
        return replace(completion, text=redact(completion.text, self._secrets))

    async def _complete(self, request: dict[str, Any], schema: dict[str, Any] | None, limit: float) -> Completion:
        started = time.monotonic()
        async with openai.AsyncOpenAI(**self._options, timeout=limit) as client:
            try:
                async with asyncio.timeout(limit):
                    while True:
                        mode = self.modes[self._mode_index] if schema is not None else "text"
                        opening, asked = _opened(mode, schema, request)
                        try:
                            response = await client.chat.completions.create(**asked)
                        except openai.BadRequestError as error:
                            if mode != "text" and _refuses_format(error):
                                self._mode_index += 1  # this answer format is not supported: try a looser one
                                continue
                            raise LLMCallFailed(_refusal(error)) from None
                        done = _completion(response, mode, time.monotonic() - started)
                        if opening and not done.text.startswith(opening):  # llama.cpp sends the opening back
                            done = replace(done, text=opening + done.text)
                        return done
            except TimeoutError:
                raise LLMCallAbandoned(f"no answer within {limit:.1f} s; the request was abandoned") from None
            except openai.APIStatusError as error:
                raise LLMCallFailed(f"the endpoint answered HTTP {error.status_code}: {_brief(error)}") from None
            except (openai.APIConnectionError, openai.APITimeoutError) as error:
                raise LLMCallFailed(f"cannot reach the endpoint: {_brief(error)}") from None
            except (openai.APIError, ValueError) as error:  # a body that is not JSON, or not the API's JSON
                raise LLMCallFailed(f"the endpoint's answer cannot be read: {_brief(error)}") from None


# What endpoints say when they do not support an answer format, and when the prompt is too long.
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "grammar", "structured output")
_OVERFLOW = re.compile(r"context (size|length|window)|too many tokens|prompt is too long", re.IGNORECASE)


def _refuses_format(error: openai.BadRequestError) -> bool:
    """Only a refusal that names the answer format downgrades it; any other 400 (a prompt too
    long for the context above all) would otherwise silently drop the schema for the run."""
    text = _brief(error).lower()
    return not _OVERFLOW.search(text) and any(word in text for word in _FORMAT_WORDS)


def _refusal(error: openai.BadRequestError) -> str:
    if _OVERFLOW.search(_brief(error)):
        return f"the prompt does not fit the model's context, so this call was skipped: {_brief(error)}"
    return f"the endpoint refused the request: {_brief(error)}"


def _opened(mode: str, schema: dict[str, Any] | None, request: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The request in this answer mode. With llama.cpp's grammar, an answer that can only start
    one way is opened for the model (an assistant message it continues, llm/grammar.opened_answer)
    and the grammar covers the rest: the opening is read as prompt, not generated."""
    if mode == "grammar" and schema is not None and (opened := opened_answer(schema)) is not None:
        opening, grammar = opened
        messages = [*request["messages"], {"role": "assistant", "content": opening}]
        return opening, {**request, "messages": messages, "extra_body": {"grammar": grammar}}
    return "", {**request, **_response_format(mode, schema)}


def _response_format(mode: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    if mode == "grammar" and schema is not None:
        return {"extra_body": {"grammar": compact_grammar(schema)}}
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "stimuli", "schema": schema, "strict": True}}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _completion(response: Any, mode: str, seconds: float) -> Completion:
    choices = getattr(response, "choices", None)
    if not isinstance(response, ChatCompletion) or not isinstance(choices, list):
        # A proxy's or a login page's HTML, served with HTTP 200: openai hands back the text.
        raise LLMCallFailed(f"the endpoint's answer is not a chat completion: {_brief(response)}")
    choice = choices[0] if choices else None
    if choice is not None and getattr(choice, "message", None) is None:
        raise LLMCallFailed(f"the endpoint's answer has a choice without a message: {_brief(response)}")
    usage = getattr(response, "usage", None)
    return Completion(
        text=(choice.message.content or "") if choice else "",
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        seconds=round(seconds, 3),
        finish_reason=(choice.finish_reason or "") if choice else "empty",
        mode=mode,
        **_timings(response),
    )


def _timings(response: Any) -> dict[str, Any]:
    """llama.cpp's `timings` (prompt_ms, predicted_ms, cache_n), when the server sends them."""
    timings = getattr(response, "timings", None)
    if not isinstance(timings, dict):
        return {}

    def seconds(key: str) -> float | None:
        value = timings.get(key)
        return round(value / 1000, 3) if isinstance(value, (int, float)) else None

    cached = timings.get("cache_n")
    return {"prompt_seconds": seconds("prompt_ms"), "generation_seconds": seconds("predicted_ms"),
            "prompt_cached_tokens": cached if isinstance(cached, int) else None}


def _brief(error: object) -> str:
    text = " ".join(str(error).split())
    return text if len(text) < 300 else text[:300] + "..."
