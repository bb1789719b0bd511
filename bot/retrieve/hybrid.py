"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores fused, then diversified by MMR.

The fusion is a weighted sum of scores, not reciprocal rank fusion: on the development set
(tests/eval/dev.jsonl) RRF of chunk, sentence and BM25 ranks gave recall@5 0.897 / MRR 0.758,
while best-sentence cosine plus a quarter of the max-normalised BM25 score gives 0.966 / 0.795;
the whole-chunk cosine added nothing there, so its weight defaults to 0 (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field

import numpy as np

from bot.index.store import IndexStore
from bot.models import Chunk, Passage
from bot.registry import Source
from bot.retrieve.tables import ChunkTable, load_table
from bot.retrieve.text import Rarity
from bot.settings import RetrievalSettings


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some sources, kinds or clusters of the reading list."""

    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()

    def source_ids(self, registry: list[Source]) -> set[str] | None:
        """The allowed source ids, or None for no restriction."""
        if not (self.sources or self.kinds or self.clusters):
            return None
        allowed = {s.id for s in registry}
        if self.sources:
            allowed &= set(self.sources)
        if self.kinds:
            allowed &= {s.id for s in registry if s.kind.value in self.kinds}
        if self.clusters:
            allowed &= {s.id for s in registry if s.cluster in self.clusters}
        return allowed


@dataclass
class Retriever:
    """Ranks the index's chunks for a query; holds the BM25 index and the chunk table."""

    store: IndexStore
    settings: RetrievalSettings
    registry: list[Source]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _table: ChunkTable | None = None

    def refresh(self) -> ChunkTable:
        """The chunk table and BM25 of the live index, reloaded when a new one went live.

        The store re-reads the live pointer at most every `store.recheck_s` seconds; a saved
        table (bot.retrieve.tables) makes the reload a file read rather than a Chroma scan.
        """
        self.store.sync()
        table = self._table
        if table is not None and table.stamp == self.store.stamp:
            return table
        with self._lock:
            table = self._table
            if table is None or table.stamp != self.store.stamp:
                table = load_table(self.store)
                self._table = table
                if table.chunks:
                    # The chunk table is large and long-lived; left to the cyclic collector,
                    # its full passes stall a search now and then (p95 46 ms, max 0.9 s at
                    # 100k chunks).
                    gc.collect()
                    gc.freeze()
            return table

    @property
    def idf(self) -> Rarity:
        """Word rarity over the indexed chunks, for weighting lexical evidence."""
        return self.refresh().lexical.idf

    @property
    def chunks(self) -> dict[str, Chunk]:
        return self.refresh().chunks

    def chunks_of(self, source_id: str) -> list[Chunk]:
        """A source's chunks in reading order (sorted once per index version)."""
        return self.refresh().by_source.get(source_id, [])

    def query_vector(self, query: str, context: str = "") -> np.ndarray:
        """The query's unit vector, leaning towards the earlier turns when there are some."""
        qvec = np.asarray(self.store.embedder.embed_query(query), dtype=np.float32)
        if context:
            cvec = np.asarray(self.store.embedder.embed_query(context), dtype=np.float32)
            qvec = qvec + 0.5 * cvec
            qvec /= np.linalg.norm(qvec) or 1.0
        return qvec

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        context: str = "",
        qvec: np.ndarray | None = None,
    ) -> list[Passage]:
        """The k best passages; `context` (earlier turns) steers a follow-up question.

        Pass `qvec` (from `query_vector`) when the caller needs the vector too, so the model
        runs once per question. A rebuild that goes live during the search (the store then
        moves to the new generation) makes it run once more on the new table.
        """
        if qvec is None:
            qvec = self.query_vector(query, context)
        for _ in range(2):
            table = self.refresh()
            passages = self._search(table, query, k, filters, context, qvec)
            if self.store.stamp == table.stamp:
                break
        return passages

    def _search(
        self,
        table: ChunkTable,
        query: str,
        k: int | None,
        filters: Filters | None,
        context: str,
        qvec: np.ndarray,
    ) -> list[Passage]:
        k = k or self.settings.k
        n = max(self.settings.candidates, k)
        allowed_sources = (filters or Filters()).source_ids(self.registry)
        if allowed_sources is not None and not allowed_sources:
            return []
        where = {"source_id": {"$in": sorted(allowed_sources)}} if allowed_sources else None
        # Over-fetch by the headings that may come back rather than filter in the store:
        # a metadata filter makes Chroma scan, which costs far more at 100k chunks.
        extra = min(len(table.headings), 50)

        def drop_headings(ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
            return [(cid, score) for cid, score in ranking if cid not in table.headings]

        dense = (
            drop_headings(self.store.dense(qvec.tolist(), n + extra, where))
            if self.settings.w_chunk
            else []
        )
        sentences = drop_headings(self.store.dense_sentences(qvec.tolist(), 2 * n + extra, where))
        allowed_chunks = (
            None
            if allowed_sources is None
            else {c.id for sid in allowed_sources for c in table.by_source.get(sid, ())}
        )
        lexical_query = f"{query} {context}" if context else query
        lexical = table.lexical.search(lexical_query, n, allowed_chunks)

        fused = self._fuse(dense, sentences, lexical)
        if not fused:
            return []
        ranked = [cid for cid, _ in sorted(fused.items(), key=lambda kv: -kv[1])]
        ranked = [cid for cid in ranked if cid in table.chunks]
        chosen = self._mmr(table, ranked[:n], qvec, fused, k)
        dense_map, lex_map = dict(dense), dict(lexical)
        return [
            Passage(
                chunk=table.chunks[cid],
                score=fused[cid],
                dense=dense_map.get(cid),
                lexical=lex_map.get(cid),
            )
            for cid in chosen
        ]

    def _fuse(
        self,
        dense: list[tuple[str, float]],
        sentences: list[tuple[str, float]],
        lexical: list[tuple[str, float]],
    ) -> dict[str, float]:
        """Weighted sum of the three scores, scaled so the best candidate scores 1.

        A candidate one retriever did not return gets that retriever's lowest returned score
        (cosine) or 0 (BM25): its true score is at most that.
        """
        s = self.settings
        top_lex = max((v for _, v in lexical), default=0.0) or 1.0
        parts = [
            (s.w_chunk, dict(dense), min((v for _, v in dense), default=0.0)),
            (s.w_sentence, dict(sentences), min((v for _, v in sentences), default=0.0)),
            (s.w_lexical, {c: v / top_lex for c, v in lexical}, 0.0),
        ]
        ids = {cid for _, scores, _ in parts for cid in scores}
        fused = {
            cid: sum(w * scores.get(cid, missing) for w, scores, missing in parts if w)
            for cid in ids
        }
        best = max(fused.values(), default=0.0)
        return {cid: v / best for cid, v in fused.items()} if best > 0 else fused

    def _mmr(
        self,
        table: ChunkTable,
        candidates: list[str],
        qvec: np.ndarray,
        fused: dict[str, float],
        k: int,
    ) -> list[str]:
        """Maximal marginal relevance with a per-source cap, so one source cannot crowd out."""
        if len(candidates) <= 1:
            return candidates[:k]
        vecs = table.vectors_of(candidates)
        if vecs is None:
            vecs = self.store.chunk_vectors(candidates)
        lam = self.settings.mmr_lambda
        per_source: dict[str, int] = {}
        chosen: list[str] = []
        pool = [c for c in candidates if c in vecs]
        source_of = {cid: table.chunks[cid].source_id for cid in pool}
        # Each candidate's greatest similarity to those chosen, updated as one is chosen.
        redundant = dict.fromkeys(pool, 0.0)
        while pool and len(chosen) < k:
            best, best_score = None, -1e9
            several_sources = len({source_of[p] for p in pool}) > 1
            for cid in pool:
                if (
                    several_sources
                    and per_source.get(source_of[cid], 0) >= self.settings.max_per_source
                ):
                    continue
                score = lam * fused[cid] - (1 - lam) * redundant[cid]
                if score > best_score:
                    best, best_score = cid, score
            if best is None:
                break
            pool.remove(best)
            for cid in pool:
                sim = float(vecs[cid] @ vecs[best])
                redundant[cid] = sim if not chosen else max(redundant[cid], sim)
            chosen.append(best)
            src = table.chunks[best].source_id
            per_source[src] = per_source.get(src, 0) + 1
        return chosen
