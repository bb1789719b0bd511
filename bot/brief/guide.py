"""The reading guide: for each open question, the two or three sources to read first.

Sources are ranked by the passages retrieved for the question: the source of each passage, then
the sources that passage links to, then the proposals of the clusters the pack ties to the
question. Each comes with the passage to start at (a deep link) and a reading time from its
snapshot's length; a source nobody has fetched yet says so, and starts at the post's sentence
that links to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.brief.base import (
    Citer,
    Line,
    display_name,
    indexed_ids,
    question_query,
    reading_minutes,
    sentence_scores,
    status,
    status_text,
    text,
)
from bot.models import Passage, Quote
from bot.pack import DebatePack, OpenQuestion
from bot.registry import Kind, Source
from bot.retrieve.hybrid import Filters

if TYPE_CHECKING:
    from bot.service import Bot

PER_QUESTION = 3
_READABLE = (Kind.post, Kind.proposal, Kind.existing_project, Kind.background)


@dataclass
class GuideEntry:
    source: Source
    name: str
    state: str
    minutes: int | None
    start: Line | None  # the passage to start at, cited (its url is the deep link)

    @property
    def time_text(self) -> str:
        if self.minutes is None:
            return text("reading_time_unknown")
        return text("reading_time", minutes=self.minutes)

    @property
    def status_text(self) -> str:
        return status_text(self.state)


@dataclass
class QuestionGuide:
    question: OpenQuestion
    entries: list[GuideEntry] = field(default_factory=list)


def _linked_score(bot: Bot, src: Source, qvec: np.ndarray) -> tuple[float, Quote | None]:
    """How close the post's sentences linking to `src` come to the question, and the closest."""
    quotes = bot.corpus.linking_quotes(src)
    keys = {q.key for q in quotes}
    scored = [s for s in sentence_scores(bot, [q.chunk for q in quotes], qvec) if s[0].key in keys]
    if not scored:
        return -1.0, None
    best = max(scored, key=lambda s: s[1])
    return best[1], best[0]


def _ranked(
    bot: Bot, q: OpenQuestion, passages: list[Passage], qvec: np.ndarray
) -> list[tuple[Source, Quote | None]]:
    """Indexed sources of the passages first, in retrieval order; then the sources those
    passages link to and the proposals of the question's clusters, by how close the post's
    sentence that links to them comes to the question."""
    first: list[Source] = []
    for p in passages:
        src = bot.sources.get(p.chunk.source_id)
        if src is not None and src not in first:
            first.append(src)
    linked_ids = {sid for p in passages for sid in p.chunk.links_to}
    linked_ids |= {s.id for s in bot.registry if s.cluster in q.clusters}
    linked = [
        (src, *_linked_score(bot, src, qvec))
        for src in bot.registry
        if src.id in linked_ids and src not in first and src.kind in _READABLE
    ]
    linked.sort(key=lambda t: -t[1])
    return [(s, None) for s in first] + [(s, quote) for s, _, quote in linked]


def _start(
    bot: Bot,
    citer: Citer,
    src: Source,
    passages: list[Passage],
    query: str,
    qvec: np.ndarray,
    linking: Quote | None,
    indexed: set[str],
) -> Line | None:
    """The best sentence of the source's best passage; for an unfetched source, the post's
    sentence that links to it."""
    own = [p.chunk for p in passages if p.chunk.source_id == src.id][:1]
    if not own and src.id in indexed:
        own = [p.chunk for p in bot.search(query, k=1, filters=Filters(sources=(src.id,)))]
    scored = sentence_scores(bot, own, qvec)
    if scored:
        return citer.line(max(scored, key=lambda s: s[1])[0])
    return citer.line(linking) if linking is not None else None


def question_guide(
    bot: Bot,
    q: OpenQuestion,
    citer: Citer,
    passages: list[Passage] | None = None,
    qvec: np.ndarray | None = None,
) -> QuestionGuide:
    """The sources to read first for one question (pass the question's search if already run)."""
    query = question_query(q)
    passages = passages if passages is not None else bot.search(query, k=8)
    qvec = qvec if qvec is not None else bot.embed([query])[0]
    indexed = indexed_ids(bot)
    guide = QuestionGuide(q)
    for src, linking in _ranked(bot, q, passages, qvec)[:PER_QUESTION]:
        guide.entries.append(
            GuideEntry(
                source=src,
                name=display_name(src),
                state=status(bot, src, indexed),
                minutes=reading_minutes(bot, src),
                start=_start(bot, citer, src, passages, query, qvec, linking, indexed),
            )
        )
    return guide


def reading_guide(bot: Bot, debate: DebatePack, citer: Citer) -> list[QuestionGuide]:
    """One guide per open question, in the post's order."""
    return [question_guide(bot, q, citer) for q in debate.open_questions]
