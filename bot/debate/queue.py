"""The audience question queue: submit, merge near-duplicates, upvote, rank, moderate.

Stored in SQLite (WAL, full sync); `submit` returns only after its row is committed, so an
acknowledged question survives a crash. Every submission is kept in `submissions`, whether it
opened a question or was merged into one, so the counts can be audited exactly. Routing and the
suggested cited answer are slow (a full `Bot.ask`), so they are filled in afterwards by
`bot.debate.routing.Enricher`, never on the attendee's wait.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from bot.debate.batching import BatchEncoder
from bot.debate.db import Database, queue_path
from bot.debate.routing import Tagger
from bot.debate.texts import message
from bot.index.embeddings import Encode, get_embedder
from bot.models import Answer
from bot.settings import Settings

FLAGS = ("pinned", "answered", "hidden")

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    client_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_at REAL NOT NULL,
    embedding BLOB NOT NULL,
    merged INTEGER NOT NULL DEFAULT 0,
    votes INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    open_question TEXT,
    tag_score REAL,
    route TEXT,
    route_reason TEXT,
    answer_json TEXT,
    enriched_at REAL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    text TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    client_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    similarity REAL
);
CREATE INDEX IF NOT EXISTS submissions_client ON submissions(client_id, created_at);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    session_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (question_id, session_id)
);
"""

_INERT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<[/!?]?[a-zA-Z][^>]{0,500}>")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Plain text: entities decoded, tags and invisible characters removed, spaces collapsed.

    Storing it plain and escaping it again on every screen means no attendee's markup can reach
    the moderator's page, whichever way it is rendered.
    """
    text = _INVISIBLE.sub(" ", html.unescape(text or ""))
    text = _TAG.sub(" ", _INERT_BLOCK.sub(" ", text))
    return " ".join(text.split())


class QueueError(ValueError):
    """An input the queue refuses, with a message for the attendee."""


class RateLimitedError(QueueError):
    """A client sent too many questions too fast."""


@dataclass(frozen=True)
class Submitted:
    question_id: int
    merged: bool
    count: int  # how many submissions the question now holds
    message: str


class QueueItem(BaseModel):
    """One question as the console and the API show it."""

    id: int
    text: str
    name: str
    votes: int
    merged: int
    asked_by: int
    pinned: bool
    answered: bool
    hidden: bool
    route: str | None
    route_reason: str | None
    open_question: str | None
    created_at: float
    score: float
    answer: Answer | None = None


class AudienceQueue:
    """The audience's questions for one debate, in one SQLite file."""

    def __init__(
        self,
        settings: Settings,
        encode: Encode | None = None,
        tagger: Tagger | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.cfg = settings.debate
        self.encode = encode or BatchEncoder(get_embedder(settings).encode)
        self.tagger = tagger or Tagger(settings, self.encode)
        self.clock = clock
        self.db = Database(queue_path(settings), SCHEMA)
        self._vectors: dict[int, np.ndarray] = {}
        self.on_submit: Callable[[], None] | None = None  # wakes the enricher
        self.last_submit = 0.0  # time.monotonic() of the latest submission

    # --- attendees ----------------------------------------------------------------------
    _RATE_SQL = (
        "SELECT COUNT(*), MIN(created_at) FROM submissions WHERE client_id = ? AND created_at > ?"
    )

    def _check_rate(self, row, now: float) -> None:
        count, oldest = row[0], row[1]
        if count >= self.cfg.submit_per_minute:
            wait = max(1, int(oldest + 60.0 - now + 0.999))
            raise RateLimitedError(message("audience_rate_limited", count=count, wait=wait))

    def submit(self, text: str, name: str = "", client_id: str = "anonymous") -> Submitted:
        """Store a question (or merge it into its near-duplicate); committed before returning."""
        text = clean_text(text)
        name = clean_text(name)[: self.cfg.max_name_chars]
        if not text:
            raise QueueError(message("audience_empty"))
        if len(text) > self.cfg.max_audience_chars:
            raise QueueError(
                message("audience_too_long", limit=self.cfg.max_audience_chars, length=len(text))
            )
        now = self.clock()
        # A cheap early refusal before the embedding is computed; checked again when writing.
        self._check_rate(self.db.one(self._RATE_SQL, (client_id, now - 60.0)), now)
        vec = np.asarray(self.encode([text])[0], dtype=np.float32)
        tag, tag_score = self.tagger.tag(vec)
        with self.db.write() as conn:
            self._check_rate(conn.execute(self._RATE_SQL, (client_id, now - 60.0)).fetchone(), now)
            target, sim = self._nearest(conn, vec)
            if target is not None and sim >= self.cfg.merge_similarity:
                qid = target
                conn.execute(
                    "UPDATE questions SET merged = merged + 1, last_at = ? WHERE id = ?",
                    (now, qid),
                )
            else:
                qid = conn.execute(
                    "INSERT INTO questions (text, name, client_id, created_at, last_at, "
                    "embedding, open_question, tag_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (text, name, client_id, now, now, vec.tobytes(), tag, tag_score),
                ).lastrowid
                self._vectors[qid] = vec
                sim = None
            conn.execute(
                "INSERT INTO submissions (question_id, text, name, client_id, created_at, "
                "similarity) VALUES (?, ?, ?, ?, ?, ?)",
                (qid, text, name, client_id, now, sim),
            )
            count = conn.execute(
                "SELECT merged + 1 FROM questions WHERE id = ?", (qid,)
            ).fetchone()[0]
        self.last_submit = time.monotonic()
        if self.on_submit:
            self.on_submit()
        merged = sim is not None
        note = message("audience_merged", count=count) if merged else message("audience_sent")
        return Submitted(question_id=qid, merged=merged, count=count, message=note)

    def _nearest(self, conn, vec: np.ndarray) -> tuple[int | None, float]:
        """The closest visible question; the vector cache catches up with other writers."""
        known = max(self._vectors, default=0)
        for row in conn.execute(
            "SELECT id, embedding FROM questions WHERE id > ?", (known,)
        ).fetchall():
            self._vectors[row[0]] = np.frombuffer(row[1], dtype=np.float32)
        hidden = {r[0] for r in conn.execute("SELECT id FROM questions WHERE hidden = 1")}
        ids = [i for i in self._vectors if i not in hidden]
        if not ids:
            return None, 0.0
        sims = np.stack([self._vectors[i] for i in ids]) @ vec
        best = int(np.argmax(sims))
        return ids[best], float(sims[best])

    def upvote(self, question_id: int, session_id: str) -> tuple[bool, int]:
        """Count one vote per browser session; returns (counted, votes now)."""
        question_id = int(question_id)
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT hidden FROM questions WHERE id = ?", (question_id,)
            ).fetchone()
            if row is None or row[0]:
                raise QueueError(message("audience_no_question"))
            added = conn.execute(
                "INSERT OR IGNORE INTO votes (question_id, session_id, created_at) "
                "VALUES (?, ?, ?)",
                (question_id, session_id, self.clock()),
            ).rowcount
            if added:
                conn.execute("UPDATE questions SET votes = votes + 1 WHERE id = ?", (question_id,))
            votes = conn.execute(
                "SELECT votes FROM questions WHERE id = ?", (question_id,)
            ).fetchone()[0]
        return bool(added), int(votes)

    # --- the moderator ------------------------------------------------------------------
    def set_flag(self, question_id: int, flag: str, on: bool = True) -> bool:
        """Pin, mark answered or hide (hidden questions stay stored); False if no such id."""
        if flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r}")
        with self.db.write() as conn:
            changed = conn.execute(
                f"UPDATE questions SET {flag} = ? WHERE id = ?", (int(on), int(question_id))
            ).rowcount
        return bool(changed)

    def items(self, include_hidden: bool = False, limit: int | None = None) -> list[QueueItem]:
        """Ranked: pinned first, open before answered, then votes + merges + a recency bonus."""
        now = self.clock()
        where = "" if include_hidden else "WHERE hidden = 0"
        out = [self._item(dict(r), now) for r in self.db.rows(f"SELECT * FROM questions {where}")]
        out.sort(key=lambda q: (not q.pinned, q.answered, -q.score, -q.id))
        return out[:limit] if limit else out

    def get(self, question_id: int) -> QueueItem | None:
        row = self.db.one("SELECT * FROM questions WHERE id = ?", (int(question_id),))
        return self._item(dict(row), self.clock()) if row else None

    def _item(self, row: dict, now: float) -> QueueItem:
        age_min = max(now - row["last_at"], 0.0) / 60.0
        recency = 2.0 * 0.5 ** (age_min / self.cfg.recency_half_life_min)
        answer = Answer.model_validate_json(row["answer_json"]) if row["answer_json"] else None
        return QueueItem(
            id=row["id"],
            text=row["text"],
            name=row["name"],
            votes=row["votes"],
            merged=row["merged"],
            asked_by=row["merged"] + 1,
            pinned=bool(row["pinned"]),
            answered=bool(row["answered"]),
            hidden=bool(row["hidden"]),
            route=row["route"],
            route_reason=row["route_reason"],
            open_question=row["open_question"],
            created_at=row["created_at"],
            score=round(row["votes"] + row["merged"] + recency, 3),
            answer=answer,
        )

    def pending(self, limit: int = 10) -> list[tuple[int, str]]:
        """Questions still waiting for their route and suggested answer, oldest first."""
        rows = self.db.rows(
            "SELECT id, text FROM questions WHERE enriched_at IS NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1]) for r in rows]

    def save_enrichment(self, question_id: int, route: str, reason: str, answer: Answer) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE questions SET route = ?, route_reason = ?, answer_json = ?, "
                "enriched_at = ? WHERE id = ?",
                (route, reason, answer.model_dump_json(), self.clock(), question_id),
            )

    def counts(self) -> dict[str, int]:
        """Totals for audits and the benchmark."""
        row = self.db.one(
            "SELECT COUNT(*), COALESCE(SUM(merged), 0), COALESCE(SUM(votes), 0), "
            "COALESCE(SUM(hidden), 0) FROM questions"
        )
        subs = self.db.one("SELECT COUNT(*) FROM submissions")[0]
        vote_rows = self.db.one("SELECT COUNT(*) FROM votes")[0]
        return {
            "questions": row[0],
            "merged": row[1],
            "votes": row[2],
            "hidden": row[3],
            "submissions": subs,
            "vote_rows": vote_rows,
        }
