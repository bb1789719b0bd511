"""Numbered citations: one per quoted sentence, in order of first use, stable for one index.

Shared by every layer that quotes the reading list (answers, moderator prompts, the brief)."""

from __future__ import annotations

import re
from typing import Any

from bot.models import Chunk, Citation, Quote
from bot.registry import Source

MARKER = re.compile(r"\[(\d{1,3})\]")


class CitationList:
    """Hands out [n] markers; the same quote always gets the same number within an answer."""

    def __init__(self, sources: dict[str, Source]) -> None:
        self.sources = sources
        self.items: list[Citation] = []
        self._by_key: dict[str, int] = {}

    def cite(self, quote: Quote) -> int:
        if quote.key in self._by_key:
            return self._by_key[quote.key]
        n = len(self.items) + 1
        self._by_key[quote.key] = n
        self.items.append(to_citation(n, quote, self.sources))
        return n

    @property
    def keys(self) -> list[str]:
        """The sentence ids cited so far, in order of first use."""
        return list(self._by_key)

    def citation(self, quote: Quote) -> Citation:
        """The quote's citation (cited now if it was not yet)."""
        return self.items[self.cite(quote) - 1]

    def entry(self, quote: Quote) -> dict[str, Any]:
        """A list entry for a template: the quote's text and its [n] marker."""
        return {"text": quote.text, "n": self.cite(quote)}

    def entries(self, chunk: Chunk, limit: int | None = None) -> list[dict[str, Any]]:
        """`entry` for each sentence of a chunk in order (at most `limit` of them)."""
        count = len(chunk.sentences) if limit is None else min(limit, len(chunk.sentences))
        return [self.entry(Quote(chunk, i)) for i in range(count)]


def title_of(sources: dict[str, Source], source_id: str) -> str:
    """The source's title, or its id if the registry does not know it."""
    src = sources.get(source_id)
    return src.title if src else source_id


def to_citation(n: int, quote: Quote, sources: dict[str, Source]) -> Citation:
    src = sources.get(quote.chunk.source_id)
    return Citation(
        n=n,
        source_id=quote.chunk.source_id,
        title=title_of(sources, quote.chunk.source_id),
        author=src.author if src else "",
        url=quote.url,
        section=quote.chunk.section,
        page=quote.chunk.page,
        quote=quote.text,
        chunk_id=quote.chunk.id,
    )


def markers(text: str) -> list[int]:
    """The [n] markers in a text, in order."""
    return [int(m) for m in MARKER.findall(text)]


def renumber(text: str, citations: list[Citation]) -> tuple[str, list[Citation]]:
    """Number citations in order of first appearance in the text; drop ones never cited.

    Templates may cite in a different order than they print (a lead sentence shown first but
    found last); readers expect [1], [2], [3] down the page.
    """
    by_n = {c.n: c for c in citations}
    order: dict[int, int] = {}
    for n in markers(text):
        if n in by_n and n not in order:
            order[n] = len(order) + 1
    new_text = MARKER.sub(lambda m: f"[{order.get(int(m.group(1)), int(m.group(1)))}]", text)
    new_cites = sorted(
        (c.model_copy(update={"n": order[c.n]}) for c in citations if c.n in order),
        key=lambda c: c.n,
    )
    return new_text, new_cites
