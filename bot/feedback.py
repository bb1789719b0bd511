"""Thumbs up/down on answers, kept in a small SQLite file under the data folder for organisers."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.index.namespace import pack_file
from bot.models import Answer
from bot.settings import Settings

Vote = Literal["up", "down", "clear"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down', 'clear')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    engine TEXT NOT NULL DEFAULT '',
    abstained INTEGER NOT NULL DEFAULT 0,
    citations TEXT NOT NULL DEFAULT '[]'
)
"""


class FeedbackStore:
    """One SQLite file in WAL mode; a lock serialises this process's writers."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
            self._conn.commit()

    def record(self, answer: Answer, vote: Vote) -> int:
        """Store one vote on one answer, with its question, text and citations; return its id."""
        if vote not in ("up", "down", "clear"):
            raise ValueError(f"unknown vote {vote!r}")
        cites = [c.model_dump() for c in (answer.citations or answer.related)]
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            vote,
            answer.question,
            answer.answer,
            answer.engine,
            int(answer.abstained),
            json.dumps(cites, ensure_ascii=False),
        )
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO feedback (created_at, vote, question, answer, engine, abstained,"
                " citations) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            self._conn.commit()
            return int(cur.lastrowid or 0)

    def counts(self) -> dict[str, int]:
        """Votes so far, by kind."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT vote, COUNT(*) FROM feedback GROUP BY vote"
            ).fetchall()
        return {vote: n for vote, n in rows}

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest votes, newest first, with citations decoded."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT id, created_at, vote, question, answer, engine, abstained, citations"
                " FROM feedback ORDER BY id DESC LIMIT ?",
                (limit,),
            )
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        for r in rows:
            r["citations"] = json.loads(r["citations"])
            r["abstained"] = bool(r["abstained"])
        return rows

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_STORES: dict[Path, FeedbackStore] = {}
_STORES_LOCK = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    """The pack's own feedback file, so packs sharing a data folder keep their votes apart."""
    return pack_file(settings, "feedback.sqlite3")


def feedback_store(settings: Settings) -> FeedbackStore:
    """The process's store for these settings (one connection per file)."""
    path = feedback_path(settings).resolve()
    with _STORES_LOCK:
        if path not in _STORES:
            _STORES[path] = FeedbackStore(path)
        return _STORES[path]
