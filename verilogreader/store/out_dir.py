"""The output folder: checked before any work is done, and locked while a command writes it.

Two commands writing one folder at once would interleave their files (the last writer wins
corpus.json), so the second one is refused, naming the folder. The lock is an flock on a small
file in the folder: the kernel releases it when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from verilogreader.errors import UsageError

LOCK_NAME = ".verilogreader.lock"


@contextmanager
def claimed(out_dir: Path) -> Iterator[Path]:
    """Create `out_dir` if needed and hold its lock; a file, an unwritable or a busy folder is a UsageError."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file, not a folder: give a folder to write the results into")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = open(out_dir / LOCK_NAME, "a")
    except OSError as error:
        raise UsageError(f"cannot write into the output folder {out_dir}: {error.strerror}") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"the output folder {out_dir} is in use by another verilogreader command: "
                "wait for it to finish, or give another --out"
            ) from None
        yield out_dir
