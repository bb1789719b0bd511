""" "Where does the post say X?": the very sentence that states X, or a plain "it does not".

"Does the post say X?" asks the same where a passage states X. Where none does, it is a yes/no
question like any other, and the engine answers it: what the post says instead ("many companies
do serious fundamental work" for "does it claim they do none?") is the answer, and the fitted
engine still declines where the reading list says nothing on it.
"""

from __future__ import annotations

import re

from bot.answer.abstain import abstain
from bot.answer.context import AnswerContext
from bot.answer.query import Query
from bot.answer.verify import locate
from bot.citations import CitationList
from bot.models import Answer
from bot.prompts import phrase, render

PASSAGES = 6
_YES_NO = re.compile(r"^\s*(does|do|did)\b", re.IGNORECASE)


def answer(query: Query, ctx: AnswerContext) -> Answer | None:
    """Quote the sentence that states the claim, or say that none does."""
    if query.intent != "locate":
        return None
    passages = ctx.retrieve(query, PASSAGES)
    _, quote = locate(
        query.claim,
        query.vector,
        passages,
        ctx.sentence_vectors,
        ctx.encode,
        ctx.settings.answer.locate_threshold,
    )
    if quote is None and _YES_NO.match(query.text):
        return None
    if quote is None:
        return abstain(query, ctx, passages, engine="offline", lead=phrase("not_said"))
    cites = CitationList(ctx.sources)
    text = render(
        "answer/located.md.j2", lead=phrase("said_here"), quote=quote.text, n=cites.cite(quote)
    )
    return Answer(
        question=query.text,
        answer=text.strip(),
        abstained=False,
        engine="offline",
        citations=cites.items,
    )
