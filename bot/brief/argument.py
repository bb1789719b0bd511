"""The post's argument, section by section, in the post's own sentences: which to quote.

A briefing that reads in twenty minutes cannot quote the whole post. Each section (the text
directly under one heading, and the untitled opening) gets a share of a word budget by its
length, and within it the sentences are chosen by coverage of the section (a facility-location
objective over the sentences' stored vectors: a sentence counts as covered by the chosen one
most like it). The first pick is thus the section's most central sentence, and each further
pick covers what the chosen ones leave out, per word it costs. Chosen sentences keep their
reading order. Nothing here is tuned to one post: it needs only the vectors stored at ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.brief.base import is_leadin, sentence_vectors
from bot.models import Chunk, Quote

if TYPE_CHECKING:
    from bot.service import Bot

MIN_WORDS = 4  # a shorter sentence ("Please register here.") carries no argument
TOPIC_WEIGHT = 3.0  # the heading counts as this many sentences of its section
REFERENCE = 0.8  # a sentence this much made of a link's anchor is a reference, not an argument


@dataclass
class Part:
    """One section of the post: its heading (None for the opening) and what it may quote."""

    heading: Chunk | None
    chunks: list[Chunk]
    candidates: list[tuple[Quote, np.ndarray]] = field(default_factory=list)
    topic: np.ndarray | None = None  # the heading's vector (the title's, for the opening)

    @property
    def words(self) -> int:
        return sum(words(q.text) for q, _ in self.candidates)


def words(text: str) -> int:
    return len(text.split())


def parts_of(bot: Bot, source_id: str, keep: Callable[[Quote], bool]) -> list[Part]:
    """The source's sections in reading order, each with the sentences `keep` lets through."""
    chunks = bot.corpus.chunks_of(source_id)
    parts = [Part(None, [c for c in chunks if not c.heading_path and c.block_kind != "heading"])]
    parts += [Part(h, bot.corpus.section(h)) for h in bot.corpus.headings(source_id)]
    heads = sentence_vectors(bot, [p.heading for p in parts if p.heading is not None])
    topics = {q.chunk.id: v for q, v in heads}
    source = bot.sources.get(source_id)
    for part in parts:
        if part.heading is not None:
            part.topic = topics.get(part.heading.id)
        elif source is not None:
            part.topic = np.asarray(bot.embed([source.title])[0])
        part.candidates = [
            (q, v)
            for q, v in sentence_vectors(bot, part.chunks)
            if keep(q)
            and not is_leadin(q.text)
            and words(q.text) >= MIN_WORDS
            and not _reference(bot, q)
        ]
    return [p for p in parts if p.heading is not None or p.candidates]


def _reference(bot: Bot, quote: Quote) -> bool:
    """A sentence that is little more than the anchor of its link ("– Ursula von der Leyen,
    2025" under a block quote) names a source; it argues nothing."""
    letters = sum(ch.isalnum() for ch in quote.text) or 1
    for sid in bot.corpus.links_in(quote):
        for anchor in bot.sources[sid].linked_as:
            share = sum(ch.isalnum() for ch in anchor) / letters
            if anchor.strip(" ,") in quote.text and share >= REFERENCE:
                return True
    return False


def allot(parts: list[Part], budget: int) -> list[int]:
    """Each part's share of the word budget, by its length; every part with something to
    quote can afford at least its shortest sentence."""
    total = sum(p.words for p in parts) or 1
    return [
        max(
            round(budget * p.words / total),
            min((words(q.text) for q, _ in p.candidates), default=0),
        )
        for p in parts
    ]


def choose(
    texts: list[str], vectors: np.ndarray, budget: int, topic: np.ndarray | None = None
) -> list[int]:
    """Indices of the sentences that best cover the whole within `budget` words (greedy
    budgeted facility location), in reading order; always at least the most central one.

    `topic` (the heading's vector) is one more point to cover, weighing TOPIC_WEIGHT
    sentences: what the section is about counts, not only what most of it says.
    """
    n = len(texts)
    if n == 0:
        return []
    points = vectors if topic is None else np.vstack([vectors, topic[None, :]])
    sim = np.clip(vectors @ points.T, 0.0, None)
    weight = np.ones(points.shape[0])
    if topic is not None:
        weight[-1] = TOPIC_WEIGHT
    # Per word, but not so strictly that a short aside beats the sentence that argues.
    cost = np.sqrt(np.array([max(words(t), 1) for t in texts], dtype=float))
    length = np.array([max(words(t), 1) for t in texts], dtype=float)
    covered = np.zeros(points.shape[0])
    chosen: list[int] = []
    spent = 0.0
    while True:
        gain = (np.maximum(sim - covered[None, :], 0.0) * weight[None, :]).sum(axis=1)
        ratio = gain / cost if chosen else gain  # the first pick: the most central sentence
        ratio[chosen] = -1.0
        if chosen:
            ratio[length + spent > budget] = -1.0
        best = int(np.argmax(ratio))
        if ratio[best] <= 0.0:
            break
        chosen.append(best)
        spent += length[best]
        covered = np.maximum(covered, sim[best])
    return sorted(chosen)


def argument(parts: list[Part], budget: int) -> list[list[Quote]]:
    """The quotes chosen for each part, in reading order, within a total word budget."""
    out = []
    for part, share in zip(parts, allot(parts, budget), strict=True):
        if not part.candidates:
            out.append([])
            continue
        quotes = [q for q, _ in part.candidates]
        vectors = np.array([v for _, v in part.candidates], dtype=np.float32)
        picked = choose([q.text for q in quotes], vectors, share, part.topic)
        out.append([quotes[i] for i in picked])
    return out
