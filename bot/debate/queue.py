"""The audience question queue: submit, merge near-duplicates, upvote, rank, moderate.

Stored in SQLite (WAL, full sync); `submit` returns only after its row is committed, so an
acknowledged question survives a crash. Every submission is kept in `submissions`, whether it
opened a question or was merged into one, so the counts can be audited exactly. Routing and the
suggested cited answer are slow (a full `Bot.ask`), so they are filled in afterwards by
`bot.debate.routing.Enricher`, never on the attendee's wait.

`client_id` and a vote's `session_id` are the server's name for the attendee
(`bot.ui.identity`), never a value the client chose; every id, type and length is checked
before anything is written.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from bot.debate.db import Database, queue_path
from bot.debate.routing import Tagger
from bot.debate.texts import message
from bot.index.embeddings import Encode, get_embedder
from bot.models import Answer
from bot.settings import Settings

FLAGS = ("pinned", "answered", "hidden", "approved")
MAX_ID = 2**53  # ids arrive as JSON numbers; anything larger is not one of ours

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
    enriched_at REAL,
    approved INTEGER NOT NULL DEFAULT 1,
    merged_into INTEGER
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
CREATE INDEX IF NOT EXISTS votes_session ON votes(session_id);
"""
# Columns added after the first release: older files get them on open.
ADDED_COLUMNS = {
    "approved": "INTEGER NOT NULL DEFAULT 1",
    "merged_into": "INTEGER",
}
# A question attendees may see and vote on (`?` = 1 when the debate is moderated).
PUBLIC = "hidden = 0 AND merged_into IS NULL AND (approved = 1 OR ? = 0)"

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
    approved: bool = True
    merged_into: int | None = None  # set when the moderator merged it into another question
    route: str | None
    route_reason: str | None
    open_question: str | None
    created_at: float
    score: float
    answer: Answer | None = None


def as_question_id(value: object) -> int:
    """A question id as a client sent it: a whole number in range, else QueueError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_ID:
        raise QueueError(message("audience_no_question"))
    return value


def _plain(value: object, limit: int, empty_ok: bool) -> str:
    """Client text checked before any work: a string, not absurdly long, then cleaned."""
    if value is None and empty_ok:
        return ""
    if not isinstance(value, str):
        raise QueueError(message("audience_not_text"))
    if len(value) > 4 * limit + 1000:  # cleaning can only shorten so much; refuse unread
        raise QueueError(message("audience_too_long", limit=limit, length=len(value)))
    return clean_text(value)


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
        # The console passes `Bot.embed` (batched with every other model call while serving).
        self.encode = encode or get_embedder(settings).encode
        self.tagger = tagger or Tagger(settings, self.encode)
        self.clock = clock
        self.db = Database(queue_path(settings), SCHEMA)
        self._migrate()
        self._vectors: dict[int, np.ndarray] = {}
        self.on_submit: Callable[[], None] | None = None  # wakes the enricher
        self.last_submit = 0.0  # time.monotonic() of the latest submission
        self.version = 0  # bumped by every change this process makes (the public list's cache)
        self._public: tuple[tuple[int, int], list[QueueItem]] | None = None
        self._items: tuple[tuple[int, int, bool], list[QueueItem]] | None = None

    def _migrate(self) -> None:
        have = {r[1] for r in self.db.rows("PRAGMA table_info(questions)")}
        with self.db.write() as conn:
            for column, kind in ADDED_COLUMNS.items():
                if column not in have:
                    conn.execute(f"ALTER TABLE questions ADD COLUMN {column} {kind}")

    @property
    def moderated(self) -> int:
        return int(self.cfg.moderated)

    def _changed(self) -> None:
        self.version += 1

    # --- attendees ----------------------------------------------------------------------
    _RATE_SQL = (
        "SELECT COUNT(*), MIN(created_at) FROM submissions WHERE client_id = ? AND created_at > ?"
    )

    def _check_rate(self, row, now: float) -> None:
        count, oldest = row[0], row[1]
        if count >= self.cfg.submit_per_minute:
            wait = max(1, int(oldest + 60.0 - now + 0.999))
            raise RateLimitedError(message("audience_rate_limited", count=count, wait=wait))

    def submit(self, text: object, name: object = "", client_id: str = "anonymous") -> Submitted:
        """Store a question (or merge it into its near-duplicate); committed before returning."""
        text = _plain(text, self.cfg.max_audience_chars, empty_ok=False)
        name = _plain(name, self.cfg.max_name_chars, empty_ok=True)[: self.cfg.max_name_chars]
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
                    "embedding, open_question, tag_score, approved) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        text,
                        name,
                        client_id,
                        now,
                        now,
                        vec.tobytes(),
                        tag,
                        tag_score,
                        1 - self.moderated,
                    ),
                ).lastrowid
                self._vectors[qid] = vec
                sim = None
            conn.execute(
                "INSERT INTO submissions (question_id, text, name, client_id, created_at, "
                "similarity) VALUES (?, ?, ?, ?, ?, ?)",
                (qid, text, name, client_id, now, sim),
            )
            count, approved = conn.execute(
                "SELECT merged + 1, approved FROM questions WHERE id = ?", (qid,)
            ).fetchone()
        self._changed()
        self.last_submit = time.monotonic()
        if self.on_submit:
            self.on_submit()
        merged = sim is not None
        if merged:
            note = message("audience_merged", count=count)
        else:
            note = message("audience_sent" if approved else "audience_awaiting")
        return Submitted(question_id=qid, merged=merged, count=count, message=note)

    def _nearest(self, conn, vec: np.ndarray) -> tuple[int | None, float]:
        """The closest visible question; the vector cache catches up with other writers."""
        known = max(self._vectors, default=0)
        for row in conn.execute(
            "SELECT id, embedding FROM questions WHERE id > ?", (known,)
        ).fetchall():
            self._vectors[row[0]] = np.frombuffer(row[1], dtype=np.float32)
        hidden = {
            r[0]
            for r in conn.execute(
                "SELECT id FROM questions WHERE hidden = 1 OR merged_into IS NOT NULL"
            )
        }
        ids = [i for i in self._vectors if i not in hidden]
        if not ids:
            return None, 0.0
        sims = np.stack([self._vectors[i] for i in ids]) @ vec
        best = int(np.argmax(sims))
        return ids[best], float(sims[best])

    def upvote(self, question_id: object, session_id: str) -> tuple[bool, int]:
        """Count one vote per attendee; returns (counted, votes now)."""
        qid = as_question_id(question_id)
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT 1 FROM questions WHERE id = ? AND {PUBLIC}", (qid, self.moderated)
            ).fetchone()
            if row is None:
                raise QueueError(message("audience_no_question"))
            added = conn.execute(
                "INSERT OR IGNORE INTO votes (question_id, session_id, created_at) "
                "VALUES (?, ?, ?)",
                (qid, session_id, self.clock()),
            ).rowcount
            if added:
                conn.execute("UPDATE questions SET votes = votes + 1 WHERE id = ?", (qid,))
            votes = conn.execute("SELECT votes FROM questions WHERE id = ?", (qid,)).fetchone()[0]
        if added:
            self._changed()
        return bool(added), int(votes)

    def voted_by(self, session_id: str) -> set[int]:
        """The questions this attendee has upvoted."""
        rows = self.db.rows("SELECT question_id FROM votes WHERE session_id = ?", (session_id,))
        return {int(r[0]) for r in rows}

    def public(self, limit: int = 30) -> list[QueueItem]:
        """What attendees see, ranked; computed at most once a second and once per change."""
        key = (self.version, int(self.clock()))
        cached = self._public
        if cached is not None and cached[0] == key:
            return cached[1][:limit]
        rows = self.db.rows(
            f"SELECT {_LIST_COLUMNS} FROM questions WHERE {PUBLIC}", (self.moderated,)
        )
        items = self._ranked([self._item(dict(r), key[1]) for r in rows])
        self._public = (key, items)
        return items[:limit]

    # --- the moderator ------------------------------------------------------------------
    def set_flag(self, question_id: int, flag: str, on: bool = True) -> bool:
        """Pin, mark answered, hide or approve (hidden ones stay stored); False if no such id."""
        if flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r}")
        with self.db.write() as conn:
            changed = conn.execute(
                f"UPDATE questions SET {flag} = ? WHERE id = ? AND merged_into IS NULL",
                (int(on), int(question_id)),
            ).rowcount
        self._changed()
        return bool(changed)

    def merge(self, source: int, target: int) -> bool:
        """Fold question `source` into `target`: its submissions and voters move, it is hidden.

        Every submission keeps its own text, so the export still shows who asked what.
        """
        source, target = int(source), int(target)
        if source == target:
            raise ValueError(message("ui_merge_same"))
        with self.db.write() as conn:
            live = {
                r[0]: r[1]
                for r in conn.execute(
                    "SELECT id, merged FROM questions WHERE id IN (?, ?) AND merged_into IS NULL",
                    (source, target),
                )
            }
            if len(live) != 2:
                return False
            conn.execute(
                "UPDATE submissions SET question_id = ? WHERE question_id = ?", (target, source)
            )
            conn.execute(
                "INSERT OR IGNORE INTO votes (question_id, session_id, created_at) "
                "SELECT ?, session_id, created_at FROM votes WHERE question_id = ?",
                (target, source),
            )
            conn.execute("DELETE FROM votes WHERE question_id = ?", (source,))
            conn.execute(
                "UPDATE questions SET merged = merged + ?, last_at = MAX(last_at, ?), "
                "votes = (SELECT COUNT(*) FROM votes WHERE question_id = ?) WHERE id = ?",
                (live[source] + 1, self.clock(), target, target),
            )
            conn.execute(
                "UPDATE questions SET hidden = 1, merged_into = ?, votes = 0, merged = -1 "
                "WHERE id = ?",
                (target, source),
            )
        self._changed()
        return True

    def items(self, include_hidden: bool = False, limit: int | None = None) -> list[QueueItem]:
        """Ranked: pinned first, open before answered, then votes + merges + a recency bonus.

        Read at most once a second and once per change (the console polls; the suggested
        answers it parses are the costly part).
        """
        key = (self.version, int(self.clock()), bool(include_hidden))
        cached = self._items
        if cached is None or cached[0] != key:
            where = "" if include_hidden else "WHERE hidden = 0"  # merged-away ones are hidden
            rows = self.db.rows(f"SELECT * FROM questions {where}")
            cached = (key, self._ranked([self._item(dict(r), key[1]) for r in rows]))
            self._items = cached
        return cached[1][:limit] if limit else list(cached[1])

    @staticmethod
    def _ranked(items: list[QueueItem]) -> list[QueueItem]:
        return sorted(items, key=lambda q: (not q.pinned, q.answered, -q.score, -q.id))

    def get(self, question_id: int) -> QueueItem | None:
        row = self.db.one("SELECT * FROM questions WHERE id = ?", (int(question_id),))
        return self._item(dict(row), self.clock()) if row else None

    def _item(self, row: dict, now: float) -> QueueItem:
        age_min = max(now - row["last_at"], 0.0) / 60.0
        recency = 2.0 * 0.5 ** (age_min / self.cfg.recency_half_life_min)
        raw = row.get("answer_json")
        answer = Answer.model_validate_json(raw) if raw else None
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
            approved=bool(row["approved"]),
            merged_into=row.get("merged_into"),
            route=row.get("route"),
            route_reason=row.get("route_reason"),
            open_question=row.get("open_question"),
            created_at=row["created_at"],
            score=round(row["votes"] + row["merged"] + recency, 3),
            answer=answer,
        )

    def pending(self, limit: int = 10) -> list[tuple[int, str]]:
        """Questions still waiting for their route and suggested answer, oldest first."""
        rows = self.db.rows(
            "SELECT id, text FROM questions WHERE enriched_at IS NULL AND merged_into IS NULL "
            "ORDER BY id LIMIT ?",
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
        self._changed()

    def counts(self) -> dict[str, int]:
        """Totals for audits and the benchmark (questions merged away by the moderator excluded)."""
        row = self.db.one(
            "SELECT COUNT(*), COALESCE(SUM(merged), 0), COALESCE(SUM(votes), 0), "
            "COALESCE(SUM(hidden), 0) FROM questions WHERE merged_into IS NULL"
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


_LIST_COLUMNS = (
    "id, text, name, votes, merged, pinned, answered, hidden, approved, merged_into, "
    "created_at, last_at"
)
