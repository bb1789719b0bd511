""" "Where do I stand?": the passages closest to a short view, and those that argue against it.

For each open question the attendee answers, the closest are the sentences retrieved for the
question plus the post's sentences on the clusters the debate pack ties to it, ranked by the
cosine between their stored vectors and the view's embedding: who shares the view. The other
side is not the least similar sentence (that is merely off topic) but the passages that argue
against the view, found by the same logic as the moderator's counter-argument
(bot/debate/sides.py), each with the cue that sets it against the view. Nothing is stored:
the views come in as arguments (the app keeps them in the browser) and go out cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.brief.base import (
    Citer,
    Line,
    display_name,
    is_leadin,
    question_query,
    sentence_vectors,
)
from bot.debate.sides import against
from bot.models import Chunk, Citation, Quote
from bot.pack import DebatePack, OpenQuestion, load_debate
from bot.registry import Kind

if TYPE_CHECKING:
    from bot.service import Bot

PER_SIDE = 2
SEARCH_K = 10


@dataclass
class Match:
    line: Line
    score: float
    about: list[str]  # the proposals it links to, or the cluster it describes
    cue: str = ""  # for a passage against the view: what sets it against (sides.py)


@dataclass
class QuestionStance:
    question: OpenQuestion
    view: str
    closest: list[Match]
    furthest: list[Match]


@dataclass
class Stance:
    questions: list[QuestionStance] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)


@dataclass
class ViewChange:
    question: OpenQuestion
    before: str
    after: str
    similarity: float  # cosine of the two views' embeddings; 1.0 is unchanged
    closest_before: Match | None
    closest_after: Match | None


@dataclass
class Changes:
    changes: list[ViewChange] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)


def _candidates(bot: Bot, debate: DebatePack, q: OpenQuestion) -> list[Chunk]:
    chunks = [p.chunk for p in bot.search(question_query(q), k=SEARCH_K)]
    for cl in debate.clusters:
        head = bot.corpus.heading(debate.event.post_source, cl.heading)
        if cl.id in q.clusters and head is not None:
            chunks += bot.corpus.section(head)
    unique = {c.id: c for c in chunks if c.block_kind != "heading"}
    return list(unique.values())


def _about(bot: Bot, debate: DebatePack, line: Line, chunk: Chunk) -> list[str]:
    names = [
        display_name(bot.sources[sid])
        for sid in line.refs
        if bot.sources[sid].kind in (Kind.proposal, Kind.existing_project)
    ]
    if not names:
        names = [cl.label for cl in debate.clusters if cl.heading in chunk.heading_path]
    return names


# A question's candidate sentences: (quote, its stored vector, relevance to the question).
Pool = list[tuple[Quote, np.ndarray, float]]


def _pool(bot: Bot, debate: DebatePack, q: OpenQuestion) -> Pool:
    """The question's candidates, searched, fetched and scored for relevance once per question
    (however many views are then ranked against them); lead-ins and questions left out."""
    qvec = bot.embed([q.wording])[0]
    return [
        (quote, vec, float(vec @ qvec))
        for quote, vec in sentence_vectors(bot, _candidates(bot, debate, q))
        if not is_leadin(quote.text) and not quote.text.rstrip().endswith(("?", ":"))
    ]


def _rank(pool: Pool, vec: np.ndarray) -> list[tuple[Quote, float, float]]:
    """(quote, similarity to the view, relevance to the question), most similar first."""
    scored = [(quote, float(v @ vec), relevance) for quote, v, relevance in pool]
    return sorted(scored, key=lambda s: -s[1])


def _match(
    bot: Bot, debate: DebatePack, citer: Citer, quote: Quote, score: float, cue: str = ""
) -> Match:
    line = citer.line(quote)
    return Match(line, round(score, 3), _about(bot, debate, line, quote.chunk), cue)


def where_do_i_stand(bot: Bot, answers: dict[str, str], per_side: int = PER_SIDE) -> Stance:
    """For each answered question (by id), the closest cited passages and those against it."""
    debate = load_debate(bot.settings)
    citer = Citer(bot)
    stance = Stance()
    for q in debate.open_questions:
        view = (answers.get(q.id) or "").strip()
        if not view:
            continue
        others = against(bot, view, k=SEARCH_K, context=q.wording, limit=per_side)
        taken = {s.quote.key for s in others}
        ranked = _rank(_pool(bot, debate, q), bot.embed([view])[0])
        closest = [r for r in ranked if r[0].key not in taken][:per_side]
        stance.questions.append(
            QuestionStance(
                q,
                view,
                [_match(bot, debate, citer, r[0], r[1]) for r in closest],
                [_match(bot, debate, citer, s.quote, s.score, s.cue) for s in others],
            )
        )
    stance.citations = citer.cites.items
    return stance


def compare_views(bot: Bot, before: dict[str, str], after: dict[str, str]) -> Changes:
    """How each view moved between two answers: similarity and the closest passage of each."""
    debate = load_debate(bot.settings)
    citer = Citer(bot)
    out = Changes()
    for q in debate.open_questions:
        b, a = (before.get(q.id) or "").strip(), (after.get(q.id) or "").strip()
        if not (a or b):
            continue
        vb, va = (bot.embed([v])[0] if v else None for v in (b, a))
        sim = float(vb @ va) if vb is not None and va is not None else 0.0
        pool = _pool(bot, debate, q)
        tops = [_rank(pool, v)[:1] if v is not None else [] for v in (vb, va)]
        cb, ca = (_match(bot, debate, citer, t[0][0], t[0][1]) if t else None for t in tops)
        out.changes.append(ViewChange(q, b, a, round(sim, 3), cb, ca))
    out.citations = citer.cites.items
    return out
