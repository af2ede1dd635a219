"""JSON files: atomic writes (a reader or a Ctrl-C never sees a half-written file), checked reads."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from verilogreader.errors import StoreError


_UMASK = os.umask(0)  # read once, at import (single-threaded): os.umask has no getter
os.umask(_UMASK)


def write_json(path: Path, document: Any) -> None:
    write_text(path, json.dumps(document, indent=1) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600: reports are meant to be shared
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, what: str) -> Any:
    """A JSON file's content; a missing, unreadable or broken file is one clear StoreError."""
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise StoreError(f"cannot read {what} {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise StoreError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); is the file truncated?"
        ) from None
    except (ValueError, RecursionError) as error:  # valid JSON beyond the reader's limits
        raise StoreError(f"{path}: cannot be read as {what}: {_limit(error)}") from None


def _limit(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "its values nest too deeply"
    if "digits" in str(error):
        return "it has an integer with more digits than Python reads (4300)"
    return str(error)
