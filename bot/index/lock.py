"""One ingest at a time per data folder: an advisory file lock, released even when killed.

Two ingests writing the same store at once would interleave their generations; the second one
waits (up to `ingest.lock_wait_s`) and then stops with a message naming who holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bot.ingest.messages import message
from bot.settings import Settings


class IngestBusyError(RuntimeError):
    """Another ingest holds the data folder's lock."""


@contextmanager
def ingest_lock(settings: Settings, wait_s: float | None = None) -> Iterator[None]:
    """Hold `<data_dir>/ingest.lock` for the block; the kernel drops it if the process dies."""
    wait = settings.ingest.lock_wait_s if wait_s is None else wait_s
    path = settings.data_dir / "ingest.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "?"
                    raise IngestBusyError(
                        message("ingest_busy", path=settings.data_dir, holder=holder, seconds=wait)
                    ) from None
                time.sleep(0.2)
        stamp = f"pid {os.getpid()}, since {datetime.now(UTC):%H:%M:%S} UTC"
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
