"""SQLite for the live debate: WAL, full sync, one lock per file, each write its own transaction.

The console's promise is "acknowledged means stored": a write returns only after its
transaction has committed, so a SIGKILL right after the acknowledgement loses nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.index.namespace import pack_file
from bot.settings import Settings


def queue_path(settings: Settings) -> Path:
    """The audience queue's file (setting `debate.queue_db`, else the pack's own folder)."""
    return settings.debate.queue_db or pack_file(settings, "audience.sqlite3")


def console_path(settings: Settings) -> Path:
    """The agenda state and prompt-feed log (setting `debate.console_db`, else the pack's)."""
    return settings.debate.console_db or pack_file(settings, "moderator.sqlite3")


class Database:
    """One SQLite file: a writer connection under a lock, and a reader connection of its own.

    Writes queue up behind each other's fsync; reads (the public list, the moderator's queue, a
    rate check) need not wait for them: in WAL mode a reader sees every committed write.
    """

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing stays pending.
        self._conn = sqlite3.connect(
            path, check_same_thread=False, timeout=30.0, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.executescript(schema)
        self._reader = sqlite3.connect(
            path, check_same_thread=False, timeout=30.0, isolation_level=None
        )
        self._reader.row_factory = sqlite3.Row
        self._read_lock = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) when the block ends without error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._read_lock:
            return self._reader.execute(sql, args).fetchone()

    def close(self) -> None:
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self._conn.close()
