"""Turn LLM settings into a ready chat client: the embedded server or a remote endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from verilogreader.errors import LLMCallAbandoned, UsageError
from verilogreader.llm.cache import CachedChatClient
from verilogreader.llm.interface import ChatClient, Completion, Message
from verilogreader.llm.openai_client import LLAMA_CPP_MODES, OpenAIChatClient
from verilogreader.llm.redact import public_url
from verilogreader.llm.settings import LLMSettings


@contextmanager
def open_chat_client(settings: LLMSettings, *, log_dir: Path, cache_dir: Path | None = None) -> Iterator[ChatClient]:
    """Yield a client; a local server started for it is stopped on exit, error or Ctrl-C."""
    if settings.is_local:
        from verilogreader.llm.local import model_from_spec
        from verilogreader.llm.server import LocalServer

        with LocalServer(model_from_spec(settings.endpoint), log_dir=log_dir) as server:
            yield _cached(RestartingClient(server, settings.timeout), cache_dir)
        return
    if not settings.model:
        raise UsageError(f"name the model to use at {public_url(settings.endpoint)} with --llm-model (or VERILOGREADER_LLM_MODEL)")
    client = OpenAIChatClient(settings.endpoint, settings.model, settings.api_key(), settings.timeout)
    yield _cached(client, cache_dir)


class RestartingClient:
    """The local server after an abandoned call is restarted before the next one.

    It has one slot, and closing the connection does not free it: llama.cpp logs "cancel task"
    but reads the abandoned prompt to its end. Measured (benchmarks/measure_abandoned_request.py,
    1.5B model, 2 busy cores): a short request took 5.9 s on the idle server and 318 s right
    after a 5k-token prompt abandoned at 15 s. A restart costs one model load (the file is in
    the page cache by then), taken from the next call's time."""

    def __init__(self, server, timeout: float) -> None:
        self.server, self.timeout = server, timeout
        self.model = server.model
        self._client = self._connect()
        self._busy = False  # an abandoned request may still hold the slot

    def _connect(self) -> OpenAIChatClient:
        return OpenAIChatClient(self.server.base_url, self.server.model, self.server.api_key, self.timeout,
                                modes=LLAMA_CPP_MODES)

    def complete(self, messages: list[Message], *, timeout: float | None = None, **request: Any) -> Completion:
        if self._busy:
            started = time.monotonic()
            self.server.stop()
            self.server.start()
            self._client, self._busy = self._connect(), False
            timeout = None if timeout is None else timeout - (time.monotonic() - started)
        try:
            return self._client.complete(messages, timeout=timeout, **request)
        except LLMCallAbandoned:
            self._busy = True
            raise


def _cached(client: ChatClient, cache_dir: Path | None) -> ChatClient:
    return CachedChatClient(client, cache_dir) if cache_dir is not None else client
