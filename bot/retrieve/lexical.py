"""BM25 over the indexed chunks (bm25s: sparse matrices, fast enough for 100k chunks).

It can be saved and loaded (bm25s's own format: JSON and numpy arrays, read without pickle),
so a new process need not re-tokenize every chunk.
"""

from __future__ import annotations

import math
from pathlib import Path

import bm25s
import numpy as np

from bot.models import Chunk
from bot.retrieve.text import Rarity, tokenize


def _chunk_terms(chunk: Chunk) -> list[str]:
    # The heading path is part of what a passage is about ("How CERN works > Governance").
    return tokenize(" ".join(chunk.heading_path) + " " + chunk.text)


class LexicalIndex:
    """An in-memory BM25 index over chunks, built from them or loaded from a saved copy."""

    def __init__(self, chunks: list[Chunk]) -> None:
        bm25 = bm25s.BM25()
        corpus = [_chunk_terms(c) or ["_"] for c in chunks]
        if corpus:
            bm25.index(corpus, show_progress=False)
        self._setup([c.id for c in chunks], bm25)

    def _setup(self, ids: list[str], bm25: bm25s.BM25) -> None:
        self.ids = ids
        self.position = {cid: i for i, cid in enumerate(ids)}
        self.bm25 = bm25
        self.idf = Rarity.of(self._idf() if ids else {})

    def save(self, folder: Path) -> None:
        """Write the BM25 matrices and vocabulary to `folder` (nothing for an empty index)."""
        if self.ids:
            self.bm25.save(folder, allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, ids: list[str]) -> LexicalIndex:
        """The index `save` wrote for chunks `ids` (in the order it was built with)."""
        index = cls.__new__(cls)
        if ids:
            bm25 = bm25s.BM25.load(folder, allow_pickle=False, show_progress=False)
            if bm25.scores["num_docs"] != len(ids):
                raise ValueError(
                    f"{folder}: BM25 of {bm25.scores['num_docs']} chunks, not {len(ids)}"
                )
        else:
            bm25 = bm25s.BM25()
        index._setup(ids, bm25)
        return index

    def _idf(self) -> dict[str, float]:
        """Smoothed inverse document frequency of each word, read off the BM25 matrix.

        bm25s has counted each word's documents while indexing (one matrix entry per word and
        document), so the counts are not taken a second time in Python.
        """
        n = self.bm25.scores["num_docs"]
        df = np.diff(self.bm25.scores["indptr"]).tolist()
        return {
            t: math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))
            for t, i in self.bm25.vocab_dict.items()
            if t
        }

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
