"""A deep link for every sentence, made at ingest while the whole document text is at hand."""

from __future__ import annotations

from bot.ingest.textfragment import page_url, text_fragment_url
from bot.models import Chunk, Document


def with_sentence_urls(doc: Document, chunks: list[Chunk]) -> list[Chunk]:
    """Chunks with `sentence_urls` set: `#page=N` in a PDF, a text fragment elsewhere."""
    out = []
    for c in chunks:
        if c.page is not None:
            urls = [page_url(doc.url, c.page)] * len(c.sentences)
        else:
            urls = [text_fragment_url(doc.url, c.text[a:b], doc.text) for a, b in c.sentences]
        out.append(c.model_copy(update={"sentence_urls": urls}))
    return out
