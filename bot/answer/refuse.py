"""Verdicts and inventions are declined: the bot quotes its reading list and has no opinion."""

from __future__ import annotations

from bot.answer.abstain import abstain
from bot.answer.context import AnswerContext
from bot.answer.query import Query
from bot.models import Answer
from bot.prompts import phrase

RELATED_PASSAGES = 3


def answer(query: Query, ctx: AnswerContext) -> Answer | None:
    """Decline a request for a verdict or an invention, pointing at what the sources say."""
    if query.intent not in ("verdict", "invention"):
        return None
    passages = ctx.retrieve(query, RELATED_PASSAGES)
    lead = phrase("no_verdict" if query.intent == "verdict" else "no_invention")
    return abstain(query, ctx, passages, engine="offline", lead=lead)
