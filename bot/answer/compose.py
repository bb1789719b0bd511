"""Answer first: the sentence that answers, then only what adds to it.

A fact question gets the best-scored sentence first and at most a few more, each scoring close
to it and saying something the earlier ones do not. A sentence in a list (or one that introduces
a list) brings the whole list, because the list is the answer; so does a heading among sibling
headings (the parts of one section) when the question asks for several things. A lead sentence
that leans on the one before it ("This restriction ...") is followed by that one, as context.
A fragment (a list item quoted without its list) never opens an answer: the best sentence that
stands alone does, and the fragment may follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.answer.evidence import Evidence
from bot.answer.features import ATTRIBUTION, DANGLING, FRAGMENT, leads_in
from bot.answer.model import Composition
from bot.citations import CitationList
from bot.corpus import Corpus
from bot.models import Chunk, Quote
from bot.prompts import render

REDUNDANT_COS = 0.92  # two sentences this close say the same thing


@dataclass(frozen=True)
class Part:
    """One block of an answer: a quoted sentence, the context before it, or a whole list."""

    kind: Literal["sentence", "context", "list"]
    quote: Quote | None = None
    items: Chunk | None = None  # the list chunk, for kind "list"

    @property
    def quotes(self) -> list[Quote]:
        if self.items is not None:
            return [Quote(self.items, i) for i in range(len(self.items.sentences))]
        return [self.quote] if self.quote is not None else []


def _list_of(quote: Quote, corpus: Corpus, listing: bool) -> Chunk | None:
    """The list that answers: the one a sentence introduces, or the one it is an item of when
    the question asks for several things (one item answers a question about that item)."""
    if quote.chunk.block_kind == "list":
        return quote.chunk if listing else None
    if leads_in(quote.text):
        return corpus.following_list(quote.chunk)
    return None


def _siblings(quote: Quote, corpus: Corpus, listing: bool) -> list[Chunk]:
    """The headings a heading stands among, in reading order, when the question asks for
    several things: the parts of the section above it, which answer together as a list does."""
    head = quote.chunk
    if not listing or head.block_kind != "heading":
        return []
    return corpus.sub_headings(head.source_id, head.heading_path[:-1])


def lead_of(evidence: list[Evidence], corpus: Corpus, listing: bool = False) -> Evidence | None:
    """What opens the answer: the best-scored candidate that stands alone, as a sentence or as
    the list it brings (the best one when none does). An answer that opens mid-sentence does
    not read as one; replayed out of fold on 2,546 questions, passing over a fragment cost 0.2
    points of first citations (about four questions), and the fragment still follows."""
    whole = (
        e
        for e in evidence
        if not FRAGMENT.match(e.quote.text.lstrip()) or _list_of(e.quote, corpus, listing)
    )
    return next(whole, evidence[0] if evidence else None)


def choose(
    evidence: list[Evidence], comp: Composition, corpus: Corpus, listing: bool = False
) -> list[Part]:
    """The parts of an answer, the one that answers first (pure: the fit replays it)."""
    lead = lead_of(evidence, corpus, listing)
    if lead is None:
        return []
    parts: list[Part] = []
    shown: set[str] = set()
    vectors: list[np.ndarray] = []

    def add(e: Evidence) -> None:
        lst = _list_of(e.quote, corpus, listing)
        heads = _siblings(e.quote, corpus, listing)
        if len(heads) > 1:
            parts.extend(Part("sentence", quote=Quote(h, 0)) for h in heads)
            shown.update(Quote(h, 0).key for h in heads)
        elif lst is not None:
            parts.append(Part("list", items=lst))
            shown.update(q.key for q in parts[-1].quotes)
        else:
            parts.append(Part("sentence", quote=e.quote))
            shown.add(e.quote.key)
        vectors.append(e.vector)

    before = corpus.previous_sentence(lead.quote)
    if before is not None and ATTRIBUTION.match(lead.quote.text):
        # An attribution line is no answer alone: the words it attributes come first.
        parts += [Part("sentence", quote=before), Part("sentence", quote=lead.quote)]
        shown |= {before.key, lead.quote.key}
        vectors.append(lead.vector)
    else:
        add(lead)
        if parts[0].kind == "sentence" and before is not None and DANGLING.match(lead.quote.text):
            parts.append(Part("context", quote=before))
            shown.add(before.key)
    for e in evidence:
        if e is lead:
            continue
        if sum(p.kind != "context" for p in parts) >= comp.max_quotes:
            break
        if e.score < max(comp.keep_floor, comp.keep_ratio * lead.score):
            break
        if e.quote.key in shown or leads_in(e.quote.text):
            continue
        if any(float(e.vector @ v) >= REDUNDANT_COS for v in vectors):
            continue
        add(e)
    return parts


def render_parts(parts: list[Part], cites: CitationList) -> str:
    """The answer's Markdown, every quote with its marker."""
    items = []
    for part in parts:
        if part.kind == "list":
            assert part.items is not None
            items.append({"kind": "list", "entries": cites.entries(part.items)})
        else:
            assert part.quote is not None
            items.append({"kind": part.kind, **cites.entry(part.quote)})
    return render("answer/extractive.md.j2", items=items).strip()
