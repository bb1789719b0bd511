"""The offline engine: the reading list's own sentences that answer, the answering one first.

No language model runs. The fitted model scores each sentence of the retrieved passages and
judges whether any answers at all (bot/answer/model.py); below its threshold the engine says
the reading list does not say, and lists the closest passages as related reading.
"""

from __future__ import annotations

from bot.answer.abstain import abstain
from bot.answer.compose import choose, render_parts
from bot.answer.context import AnswerContext
from bot.answer.evidence import Findings, find
from bot.answer.query import Query
from bot.citations import CitationList
from bot.models import Answer


def answer_from(query: Query, ctx: AnswerContext, found: Findings) -> Answer:
    """The answer the findings make: quoted sentences, or an abstention."""
    if found.best is None or found.answerable < ctx.model.answer_threshold:
        return abstain(query, ctx, found.passages, "offline", evidence=found.evidence)
    cites = CitationList(ctx.sources)
    text = render_parts(
        choose(found.evidence, ctx.model.composition, ctx.corpus, query.wants.listing), cites
    )
    return Answer(
        question=query.text,
        answer=text,
        abstained=False,
        engine="offline",
        citations=cites.items,
    )


def answer(query: Query, ctx: AnswerContext) -> Answer | None:
    """Always answers (or abstains): the last strategy of the pipeline."""
    return answer_from(query, ctx, find(query, ctx))
