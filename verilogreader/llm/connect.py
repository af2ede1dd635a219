"""Turn LLM settings into a ready chat client: the embedded server or a remote endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from verilogreader.errors import UsageError
from verilogreader.llm.cache import CachedChatClient
from verilogreader.llm.interface import ChatClient
from verilogreader.llm.openai_client import OpenAIChatClient
from verilogreader.llm.redact import public_url
from verilogreader.llm.settings import LLMSettings


@contextmanager
def open_chat_client(settings: LLMSettings, *, log_dir: Path, cache_dir: Path | None = None) -> Iterator[ChatClient]:
    """Yield a client; a local server started for it is stopped on exit, error or Ctrl-C."""
    if settings.is_local:
        from verilogreader.llm.local import model_from_spec
        from verilogreader.llm.server import LocalServer

        with LocalServer(model_from_spec(settings.endpoint), log_dir=log_dir) as server:
            client = OpenAIChatClient(server.base_url, server.model, server.api_key, settings.timeout)
            yield _cached(client, cache_dir)
        return
    if not settings.model:
        raise UsageError(f"name the model to use at {public_url(settings.endpoint)} with --llm-model (or VERILOGREADER_LLM_MODEL)")
    client = OpenAIChatClient(settings.endpoint, settings.model, settings.api_key(), settings.timeout)
    yield _cached(client, cache_dir)


def _cached(client: ChatClient, cache_dir: Path | None) -> ChatClient:
    return CachedChatClient(client, cache_dir) if cache_dir is not None else client
