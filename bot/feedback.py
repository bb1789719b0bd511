"""Thumbs up/down on answers, kept in a small SQLite file under the data folder for organisers.

The server keeps every answer it gave in the chat, under an id of its own and the name of the
attendee it gave it to (`bot.ui.identity`). A thumb names that id; it counts only when the
answer was given to that same attendee, and the row it writes copies the answer the server
stored, never text the client sends. Each attendee has one vote per answer (a new thumb
replaces the old one).
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.index.namespace import pack_file
from bot.models import Answer
from bot.settings import Settings

Vote = Literal["up", "down", "clear"]
ANSWER_ID = re.compile(r"^ans-[A-Za-z0-9_-]{16}$")

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
);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answer_json TEXT NOT NULL
);
"""
# Columns added after the first release: older files get them on open.
_ADDED = {"answer_id": "TEXT", "client": "TEXT"}
_ONE_PER_CLIENT = (
    "CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_per_client "
    "ON feedback(answer_id, client) WHERE answer_id IS NOT NULL"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
            self._conn.executescript(_SCHEMA)
            have = {r[1] for r in self._conn.execute("PRAGMA table_info(feedback)")}
            for column, kind in _ADDED.items():
                if column not in have:
                    self._conn.execute(f"ALTER TABLE feedback ADD COLUMN {column} {kind}")
            self._conn.execute(_ONE_PER_CLIENT)
            self._conn.commit()

    def remember(self, answer: Answer, client: str) -> str:
        """Keep an answer given to `client`; returns the id a later thumb must name."""
        answer_id = f"ans-{secrets.token_urlsafe(12)}"
        with self._lock:
            self._conn.execute(
                "INSERT INTO answers (id, client, created_at, answer_json) VALUES (?, ?, ?, ?)",
                (answer_id, client, _now(), answer.model_dump_json()),
            )
            self._conn.commit()
        return answer_id

    def record(self, answer_id: object, client: str, vote: Vote) -> int | None:
        """Store `client`'s vote on an answer the server gave them; None if it gave them none."""
        if vote not in ("up", "down", "clear"):
            raise ValueError(f"unknown vote {vote!r}")
        if not isinstance(answer_id, str) or not ANSWER_ID.match(answer_id):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT answer_json FROM answers WHERE id = ? AND client = ?", (answer_id, client)
            ).fetchone()
            if row is None:
                return None
            answer = Answer.model_validate_json(row[0])
            cites = [c.model_dump() for c in (answer.citations or answer.related)]
            cur = self._conn.execute(
                "INSERT INTO feedback (created_at, vote, question, answer, engine, abstained,"
                " citations, answer_id, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(answer_id, client) WHERE answer_id IS NOT NULL"
                " DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at"
                " RETURNING id",
                (
                    _now(),
                    vote,
                    answer.question,
                    answer.answer,
                    answer.engine,
                    int(answer.abstained),
                    json.dumps(cites, ensure_ascii=False),
                    answer_id,
                    client,
                ),
            )
            rowid = int(cur.fetchone()[0])
            self._conn.commit()
            return rowid

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
                "SELECT id, created_at, vote, question, answer, engine, abstained, citations,"
                " answer_id FROM feedback ORDER BY id DESC LIMIT ?",
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
