"""'The reading list does not say', with the closest passages as related reading."""

from __future__ import annotations

from bot.answer.context import AnswerContext
from bot.answer.evidence import Evidence
from bot.answer.features import FRAGMENT, leads_in
from bot.answer.query import Query
from bot.citations import CitationList
from bot.models import Answer, Passage, Quote
from bot.prompts import phrase, render

RELATED = 3  # passages offered as related reading


def _reads_alone(quote: Quote) -> bool:
    """Whether a sentence says something shown on its own: not a lead-in ("... as follows:")
    whose list is not shown, nor a fragment that begins mid-sentence."""
    return not leads_in(quote.text) and not FRAGMENT.match(quote.text.lstrip())


def related_quotes(passages: list[Passage], evidence: list[Evidence] | None = None) -> list[Quote]:
    """Of each of the closest passages, its best-scored sentence that reads alone; else its
    first that does; else its best-scored, or its first."""
    best: dict[str, Quote] = {}
    alone: dict[str, Quote] = {}
    for e in evidence or []:
        best.setdefault(e.quote.chunk.id, e.quote)
        if _reads_alone(e.quote):
            alone.setdefault(e.quote.chunk.id, e.quote)
    out: list[Quote] = []
    for p in passages:
        if p.chunk.block_kind == "heading" or not p.chunk.sentences:
            continue
        sentences = [Quote(p.chunk, i) for i in range(len(p.chunk.sentences))]
        first = next((q for q in sentences if _reads_alone(q)), None)
        out.append(alone.get(p.chunk.id) or first or best.get(p.chunk.id, sentences[0]))
        if len(out) == RELATED:
            break
    return out


def abstain(
    query: Query,
    ctx: AnswerContext,
    passages: list[Passage],
    engine: str,
    lead: str | None = None,
    evidence: list[Evidence] | None = None,
) -> Answer:
    """An abstaining answer that lists the closest passages as related reading, never as an
    answer."""
    cites = CitationList(ctx.sources)
    for quote in related_quotes(passages, evidence):
        cites.cite(quote)
    related = cites.items
    text = render(
        "answer/abstain.md.j2", lead=lead or phrase("abstain_lead"), related=related
    ).strip()
    return Answer(question=query.text, answer=text, abstained=True, engine=engine, related=related)
