"""BM25 over the indexed chunks (bm25s: sparse matrices, fast enough for 100k chunks)."""

from __future__ import annotations

import math

import bm25s
import numpy as np

from bot.models import Chunk
from bot.retrieve.text import tokenize


def _chunk_terms(chunk: Chunk) -> list[str]:
    # The heading path is part of what a passage is about ("How CERN works > Governance").
    return tokenize(" ".join(chunk.heading_path) + " " + chunk.text)


def _idf(corpus: list[list[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each word over the chunks."""
    df: dict[str, int] = {}
    for terms in corpus:
        for t in set(terms):
            df[t] = df.get(t, 0) + 1
    n = len(corpus)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


class LexicalIndex:
    """An in-memory BM25 index, rebuilt from the store's chunks when the store changes."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.ids = [c.id for c in chunks]
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.bm25 = bm25s.BM25()
        corpus = [_chunk_terms(c) or ["_"] for c in chunks]
        if corpus:
            self.bm25.index(corpus, show_progress=False)
        self.idf = _idf(corpus)

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks with a score above zero."""
        terms = [t for t in tokenize(query) if t in self.bm25.vocab_dict] if self.ids else []
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for cid in allowed:
                if cid in self.position:
                    mask[self.position[cid]] = True
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
