"""Evidence for the moderator: the reading list's sentences on a query or a claim.

`scored_sentences` is the one way the debate layer reaches the answers' scoring
(`Bot.evidence`); `weigh` reads those sentences against a claim for the fact-check, with the
factual cues of bot/debate/sides.py (a figure, a negation or an opposite word), so a sentence
that is merely on the same topic is neither support nor contradiction and is not listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.debate.sides import Scored, Side
from bot.debate.sides import weigh as weigh_sides
from bot.retrieve.hybrid import Filters

if TYPE_CHECKING:
    from bot.service import Bot

Verdict = Literal["supports", "contradicts"]
VERDICTS: dict[str, Verdict] = {"for": "supports", "against": "contradicts"}


def scored_sentences(
    bot: Bot, query: str, k: int = 8, filters: Filters | None = None, context: str = ""
) -> list[Scored]:
    """The sentences of the passages Bot.search finds, scored as the answers score them."""
    return list(bot.evidence(query, k=k, filters=filters, context=context))


def weigh(bot: Bot, claim: str, limit: int = 4) -> list[Side]:
    """The sentences that support or contradict a claim as a matter of fact, best first."""
    return weigh_sides(bot, claim, factual=True)[:limit]


def verdict(evidence: list[Side]) -> Verdict | None:
    """What the best-scored passage that takes a side says of the claim; None if none does."""
    return VERDICTS[evidence[0].side] if evidence else None
