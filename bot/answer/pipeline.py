"""The answering strategies, tried in the order the settings give (`answer.strategies`); the
first that answers wins. Each is a function `answer(query, ctx) -> Answer | None`."""

from __future__ import annotations

from collections.abc import Callable

from bot.answer import extractive, llm, locate, refuse, structure
from bot.answer.abstain import abstain
from bot.answer.context import AnswerContext
from bot.answer.query import Query
from bot.models import Answer

Strategy = Callable[[Query, AnswerContext], Answer | None]

STRATEGIES: dict[str, Strategy] = {
    "refuse": refuse.answer,  # verdicts and inventions are declined
    "locate": locate.answer,  # "where does the post say X?"
    "structure": structure.answer,  # open questions, clusters, outline, acronyms, sources
    "llm": llm.answer,  # a language model, when one is configured; every sentence checked
    "extractive": extractive.answer,  # the reading list's own sentences, answer first
}


def run(query: Query, ctx: AnswerContext) -> Answer:
    """The first strategy's answer; if none answers, the reading list does not say."""
    for name in ctx.settings.answer.strategies:
        found = STRATEGIES[name](query, ctx)
        if found is not None:
            return found
    return abstain(query, ctx, ctx.retrieve(query, 3), engine="none")
