"""Evidence for the moderator: the reading list's sentences on a claim, and whether they agree.

Without a language model, "supports" or "contradicts" is read off the wording of the sentence's
clause closest to the claim: a number or year the claim gets different, a negation on one side
only ("not a member state", "non-military"), or a pair of opposites (centralized/decentralized).
Anything else relevant counts as support. It is a screen for the moderator, who reads the
quoted passage, not a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.answer.offline import ScoredQuote
from bot.retrieve.hybrid import Filters
from bot.retrieve.text import fold, overlap, tokenize

if TYPE_CHECKING:
    from bot.service import Bot

Stance = Literal["supports", "contradicts"]

_NEGATION = re.compile(
    r"\b(not|no|never|none|neither|nor|without|cannot|lacks?|lacking|unlike)\b|n't\b|\bnon-\w",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,’']\d+)*")
_CLAUSE = re.compile(r"[;:]|,\s*|\s+(?:but|however|while|whereas|although|though|yet)\s+", re.I)
OPPOSITES = [
    ("centralized", "decentralized"),
    ("centralised", "decentralised"),
    ("open", "closed"),
    ("public", "private"),
    ("civilian", "military"),
    ("increase", "decrease"),
    ("more", "less"),
    ("national", "international"),
    ("single", "multiple"),
    ("allowed", "banned"),
]


@dataclass(frozen=True)
class Evidence:
    scored: ScoredQuote
    stance: Stance
    why: str  # "number", "negation", "opposite" or "" (support)


def clauses(sentence: str) -> list[str]:
    """A sentence cut at commas, semicolons and contrast words; short bits join the next one."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
    out: list[str] = []
    carry = ""
    for part in parts:
        piece = f"{carry} {part}".strip()
        if len(tokenize(piece)) < 3:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:  # a short tail ("non-military research") is still a predicate of its own
        out.append(carry)
    return out or [sentence]


def _negated(text: str) -> bool:
    return len(_NEGATION.findall(text)) % 2 == 1


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,’']", "", n) for n in _NUMBER.findall(text)}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", fold(text)))


def stance(claim: str, sentence: str) -> tuple[Stance, str]:
    """Whether a relevant sentence supports or contradicts a claim, and by which cue."""
    ctoks = tokenize(claim)
    parts = clauses(sentence)
    scores = [overlap(ctoks, tokenize(c)) for c in parts]
    clause = " ".join(c for c, sc in zip(parts, scores, strict=True) if sc == max(scores))
    cnum, snum = _numbers(claim), _numbers(sentence)
    if cnum and snum and not cnum & snum:
        return "contradicts", "number"
    if _negated(claim) != _negated(clause):
        return "contradicts", "negation"
    cw, sw = _words(claim), _words(clause)
    for a, b in OPPOSITES:
        if (a in cw and b in sw and b not in cw) or (b in cw and a in sw and a not in cw):
            return "contradicts", "opposite"
    return "supports", ""


def scored_sentences(
    bot: Bot, query: str, k: int = 8, filters: Filters | None = None, context: str = ""
) -> list[ScoredQuote]:
    """The sentences of the passages Bot.search finds, scored as the answers score them."""
    return bot.evidence(query, k=k, filters=filters, context=context)


def weigh(bot: Bot, claim: str, limit: int = 4) -> list[Evidence]:
    """The relevant sentences on a claim (best first), each with its stance."""
    floor = bot.settings.debate.factcheck_min_score
    out: list[Evidence] = []
    seen: set[str] = set()
    for s in scored_sentences(bot, claim):
        if s.score < floor or len(out) >= limit:
            break
        if s.quote.text.strip() in seen:
            continue
        seen.add(s.quote.text.strip())
        st, why = stance(claim, s.quote.text)
        out.append(Evidence(s, st, why))
    return out
