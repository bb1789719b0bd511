"""Chunks as Chroma records and back: metadata holds scalars only, so lists travel as JSON."""

from __future__ import annotations

import json
from typing import Any

from bot.models import Chunk, sentence_id


def embedding_text(chunk: Chunk) -> str:
    """What a chunk's vector is made from: its heading path, then its text.

    "CLAIRE (EU): ..." alone does not say it is an example of the academic cluster; the heading
    path does, so a question about that cluster finds it.
    """
    return f"{chunk.section}\n{chunk.text}" if chunk.heading_path else chunk.text


PAGE = 5000  # rows per read: SQLite refuses queries with too many variables


def get_all(collection: Any, include: list[str], where: dict | None = None) -> dict[str, list]:
    """Every matching record of a collection, read page by page."""
    out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=PAGE, offset=offset)
        out["ids"] += got["ids"]
        for k in include:
            out[k] += list(got[k] if got[k] is not None else [])
        if len(got["ids"]) < PAGE:
            return out
        offset += PAGE


def chunk_to_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata holds scalars only, so lists travel as JSON."""
    return {
        "source_id": chunk.source_id,
        "start": chunk.start,
        "end": chunk.end,
        "heading_path": json.dumps(chunk.heading_path, ensure_ascii=False),
        "page": chunk.page if chunk.page is not None else -1,
        "url": chunk.url,
        "block_kind": chunk.block_kind,
        "sentences": json.dumps(chunk.sentences),
        "links_to": json.dumps(chunk.links_to),
        "sentence_urls": json.dumps(chunk.sentence_urls, ensure_ascii=False),
        "source_sha256": chunk.source_sha256,
    }


def metadata_to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    page = meta.get("page", -1)
    return Chunk(
        id=chunk_id,
        source_id=meta["source_id"],
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        heading_path=json.loads(meta.get("heading_path") or "[]"),
        page=None if page is None or int(page) < 0 else int(page),
        url=meta["url"],
        block_kind=meta.get("block_kind", "paragraph"),
        sentences=[tuple(s) for s in json.loads(meta.get("sentences") or "[]")],
        links_to=json.loads(meta.get("links_to") or "[]"),
        sentence_urls=json.loads(meta.get("sentence_urls") or "[]"),
        source_sha256=meta.get("source_sha256", ""),
    )


def sentence_embedding_text(chunk: Chunk, sentence: str) -> str:
    """A sentence with its nearest heading: "Its annual budget..." is about CERN only in context."""
    return f"{chunk.heading_path[-1]}: {sentence}" if chunk.heading_path else sentence


def sentence_ids(chunk: Chunk) -> list[str]:
    return [sentence_id(chunk.id, i) for i in range(len(chunk.sentences))]
