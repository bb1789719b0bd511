"""The prompt feed: what to bring in next, given the state of the debate; and the audit log.

It knows which open questions the agenda has covered, which clusters of proposals the prompts
used so far have quoted, how much time is left, and what the audience is asking. From that it
suggests the next prompt, preferring a side not yet heard. Every prompt the moderator uses is
logged with its time, so the steering can be audited after the event.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.citations import CitationList
from bot.debate.agenda import Agenda, AgendaStatus
from bot.debate.db import Database, console_path
from bot.debate.evidence import scored_sentences
from bot.debate.moderator import Moderator, ModeratorPrompt
from bot.debate.questions import discussion_prompts
from bot.debate.queue import AudienceQueue, QueueItem
from bot.debate.texts import feed_reason, route_label
from bot.models import Chunk

if TYPE_CHECKING:
    from bot.service import Bot

TIME_WARNING_MIN = 2
Used = tuple[str | None, list[str]]  # a logged prompt's question id and clusters

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    used_at REAL NOT NULL,
    agenda_item TEXT,
    question_id TEXT,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    citations TEXT NOT NULL,
    clusters TEXT NOT NULL
);
"""


class Suggestion(BaseModel):
    """A prompt the console offers, with why; `id` is what the moderator's "use" refers to."""

    id: str
    kind: str
    reason: str
    prompt: ModeratorPrompt


class FeedState(BaseModel):
    item: str | None
    question_id: str | None
    remaining_s: float
    event_remaining_s: float
    covered_questions: list[str]
    heard_clusters: list[str]
    unheard_clusters: list[str] = Field(description="Clusters of the current question not heard.")
    audience_waiting: int


class PromptFeed:
    """Suggests prompts and logs the ones used (SQLite, beside the agenda state)."""

    def __init__(
        self,
        bot: Bot,
        agenda: Agenda,
        queue: AudienceQueue,
        moderator: Moderator,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot = bot
        self.agenda = agenda
        self.queue = queue
        self.moderator = moderator
        self.clock = clock
        self.db = Database(console_path(bot.settings), SCHEMA)
        self._offered: OrderedDict[str, Suggestion] = OrderedDict()
        self._lock = threading.Lock()

    # --- what has been heard ----------------------------------------------------------
    def cluster_of(self, chunk: Chunk) -> str | None:
        """The cluster a passage speaks for: its source's, else the post section it sits in."""
        src = self.bot.sources.get(chunk.source_id)
        if src is not None and src.cluster is not None:
            return src.cluster
        for c in self.agenda.pack.clusters:
            if c.heading in chunk.heading_path:
                return c.id
        return None

    def _used(self) -> list[Used]:
        """The question id and quoted clusters of every prompt used, read from the log once."""
        rows = self.db.rows("SELECT question_id, clusters FROM feed_log")
        return [(row[0], json.loads(row[1])) for row in rows]

    def heard(self, question_id: str | None = None, used: list[Used] | None = None) -> set[str]:
        """Clusters quoted by the prompts used (on one question, or overall)."""
        used = self._used() if used is None else used
        return {
            c for qid, clusters in used if not question_id or qid == question_id for c in clusters
        }

    def state(
        self,
        status: AgendaStatus | None = None,
        items: list[QueueItem] | None = None,
        used: list[Used] | None = None,
    ) -> FeedState:
        """Where the debate stands; `items` and `used` spare re-reading the queue and the log."""
        status = status or self.agenda.status()
        used = self._used() if used is None else used
        items = self.queue.items() if items is None else items
        qid = status.current_question
        wanted = self.agenda.pack.question(qid).clusters if qid else []
        heard_here = self.heard(qid, used) if qid else set()
        waiting = sum(1 for q in items if not q.answered)
        return FeedState(
            item=status.item.title if status.item else None,
            question_id=qid,
            remaining_s=status.remaining_s,
            event_remaining_s=status.event_remaining_s,
            covered_questions=status.covered_questions,
            heard_clusters=sorted(self.heard(None, used)),
            unheard_clusters=[c for c in wanted if c not in heard_here],
            audience_waiting=waiting,
        )

    # --- suggestions ------------------------------------------------------------------
    def offer(self, kind: str, reason: str, prompt: ModeratorPrompt) -> Suggestion:
        """Register a prompt so the moderator can use it by id (the console's panel does too)."""
        digest = hashlib.sha1(f"{kind}\n{prompt.text}".encode()).hexdigest()[:12]
        sug = Suggestion(id=digest, kind=kind, reason=reason, prompt=prompt)
        with self._lock:
            self._offered[digest] = sug
            while len(self._offered) > 200:
                self._offered.popitem(last=False)
        return sug

    def suggest(self, limit: int = 3) -> list[Suggestion]:
        """The next prompts, most pressing first: time, an unheard side, the audience."""
        status = self.agenda.status()
        items, used = self.queue.items(), self._used()
        state = self.state(status, items, used)
        out: list[Suggestion] = []
        closing_in = status.started and status.remaining_s < TIME_WARNING_MIN * 60
        if status.item is not None and status.next_item is not None and closing_in:
            key = "overrun" if status.remaining_s < 0 else "time"
            bridge = self.moderator.bridge(status.item, status.next_item)
            out.append(self.offer("bridge", feed_reason(key, minutes=TIME_WARNING_MIN), bridge))
        qid = state.question_id
        if qid and not any(logged == qid for logged, _ in used):
            out.append(self.offer("opening", feed_reason("opening"), self.moderator.opening(qid)))
        for cluster in state.unheard_clusters:
            side = self.side(qid, cluster) if qid else None
            if side is not None:
                out.append(side)
                break
        aud = self.audience(qid, status, items)
        if aud is not None:
            out.append(aud)
        if qid and len(out) < limit:
            out.append(
                self.offer("followups", feed_reason("followup"), self.moderator.followups(qid))
            )
        return out[:limit]

    def side(self, qid: str, cluster: str) -> Suggestion | None:
        """Passages from one cluster of proposals on the current question."""
        q = self.agenda.pack.question(qid)
        label = next(c.label for c in self.agenda.pack.clusters if c.id == cluster)
        cites = CitationList(self.bot.sources)
        items = []
        for s in scored_sentences(self.bot, f"{label}: {q.wording} {' '.join(q.keywords)}", k=12):
            if self.cluster_of(s.quote.chunk) == cluster and len(items) < 2:
                items.append(self.moderator.quote(cites, s.quote))
        if not items:
            return None
        text = self.moderator.writer.write(
            "feed_side",
            cluster=label,
            items=items,
            panel_question=next(reversed(discussion_prompts(self.bot, qid)), ""),
        )
        prompt = ModeratorPrompt(
            kind="side",
            question_id=qid,
            title=label,
            text=text,
            citations=cites.items,
            engine=self.moderator.writer.name,
        )
        return self.offer("side", feed_reason("side", cluster=label), prompt)

    def audience(
        self, qid: str | None, status: AgendaStatus, items: list[QueueItem] | None = None
    ) -> Suggestion | None:
        """The top open audience question for this item (any question during audience Q&A)."""
        anywhere = status.item is not None and status.item.kind == "audience_qa"
        for item in self.queue.items() if items is None else items:
            if item.answered or (not anywhere and (qid is None or item.open_question != qid)):
                continue
            answer = item.answer if item.answer and not item.answer.abstained else None
            lines = [{"text": c.quote, "n": c.n} for c in answer.citations] if answer else []
            text = self.moderator.writer.write(
                "feed_audience",
                question=item.text,
                asked_by=item.asked_by,
                votes=item.votes,
                route=route_label(item.route) or "…",
                answer_lines=lines,
            )
            prompt = ModeratorPrompt(
                kind="audience",
                question_id=qid,
                title=item.text,
                text=text,
                citations=answer.citations if answer else [],
                engine=self.moderator.writer.name,
            )
            return self.offer("audience", feed_reason("audience"), prompt)
        return None

    # --- the audit log ----------------------------------------------------------------
    def use(self, suggestion_id: str) -> int:
        """Log that the moderator used an offered prompt; returns the log row id."""
        with self._lock:
            sug = self._offered.get(suggestion_id)
        if sug is None:
            raise KeyError(suggestion_id)
        status = self.agenda.status()
        chunks = self.bot.corpus.chunks
        clusters = sorted(
            {
                c
                for cite in sug.prompt.citations
                if (ch := chunks.get(cite.chunk_id)) and (c := self.cluster_of(ch))
            }
        )
        with self.db.write() as conn:
            return int(
                conn.execute(
                    "INSERT INTO feed_log (used_at, agenda_item, question_id, kind, reason, title, "
                    "text, citations, clusters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        self.clock(),
                        status.item.id if status.item else None,
                        sug.prompt.question_id or status.current_question,
                        sug.kind,
                        sug.reason,
                        sug.prompt.title,
                        sug.prompt.text,
                        json.dumps(
                            [c.model_dump() for c in sug.prompt.citations], ensure_ascii=False
                        ),
                        json.dumps(clusters),
                    ),
                ).lastrowid
            )

    def log(self) -> list[dict]:
        """Every prompt used, oldest first, citations decoded."""
        rows = [dict(r) for r in self.db.rows("SELECT * FROM feed_log ORDER BY id")]
        for r in rows:
            r["citations"] = json.loads(r["citations"])
            r["clusters"] = json.loads(r["clusters"])
        return rows
