"""Which LLM to use, from (highest first) the command line, the environment, a config file.

`--llm` takes `local` (the embedded model, the default), `local:/path/model.gguf` (any GGUF
file, served locally) or the base URL of an OpenAI-compatible endpoint
(`https://api.openai.com/v1`, `http://localhost:8000/v1` for vLLM, `http://localhost:11434/v1`
for Ollama ...). The API key is read from the environment variable named by `api_key_env`
(default OPENAI_API_KEY) and is never stored in settings, logs or results.

Config file (TOML, `--llm-config FILE`):

    [llm]
    endpoint = "http://localhost:8000/v1"
    model = "Qwen/Qwen2.5-Coder-7B-Instruct"
    api_key_env = "VLLM_KEY"
    temperature = 0.2
    max_tokens = 1024
    timeout = 120

Environment: VERILOGREADER_LLM (like --llm), VERILOGREADER_LLM_MODEL, VERILOGREADER_LLM_API_KEY_ENV.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from verilogreader.errors import UsageError
from verilogreader.llm.redact import public_url

LOCAL = "local"
# The default deadline of one call. The embedded model on 2 cores reads ~40 prompt tokens/s and
# writes ~17/s: a 2.5k-token prompt plus a 1k-token answer is ~2.5 min on an idle machine and
# more than 3 on a busy one, so 180 s (ample for a hosted endpoint) abandoned every call of the
# README example when other work shared the cores.
LOCAL_TIMEOUT_S = 600.0
ENDPOINT_TIMEOUT_S = 180.0


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = LOCAL
    model: str | None = None  # None: the endpoint's default (the local server has one model)
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(1024, ge=64, le=32768)
    timeout: float = Field(ENDPOINT_TIMEOUT_S, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _default_timeout(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("timeout") is None:
            endpoint = str(values.get("endpoint") or LOCAL)
            local = endpoint == LOCAL or endpoint.startswith(LOCAL + ":")
            values = {**values, "timeout": LOCAL_TIMEOUT_S if local else ENDPOINT_TIMEOUT_S}
        return values

    @property
    def is_local(self) -> bool:
        return self.endpoint == LOCAL or self.endpoint.startswith(LOCAL + ":")

    def api_key(self, environ: Mapping[str, str] = os.environ) -> str | None:
        return environ.get(self.api_key_env)

    def describe(self) -> dict[str, Any]:
        """For results and logs: everything but secrets (the key's variable name only, the
        endpoint without userinfo)."""
        return {**self.model_dump(), "endpoint": public_url(self.endpoint), "api_key_set": bool(self.api_key())}


def resolve_settings(
    llm: str | None = None,
    model: str | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> LLMSettings:
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(_from_file(config_file))
    env = {
        "endpoint": environ.get("VERILOGREADER_LLM"),
        "model": environ.get("VERILOGREADER_LLM_MODEL"),
        "api_key_env": environ.get("VERILOGREADER_LLM_API_KEY_ENV"),
    }
    values.update({k: v for k, v in env.items() if v})
    values.update({k: v for k, v in {"endpoint": llm, "model": model}.items() if v})
    try:
        settings = LLMSettings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        raise UsageError(f"LLM settings: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if not settings.is_local and not settings.endpoint.startswith(("http://", "https://")):
        raise UsageError(
            f"--llm {public_url(settings.endpoint)!r}: use 'local', 'local:/path/model.gguf' or an http(s):// base URL"
        )
    return settings


def _from_file(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise UsageError(f"cannot read LLM config {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: {error}") from None
    section = document.get("llm")
    if not isinstance(section, dict):
        raise UsageError(f"{path} has no [llm] table")
    return section
