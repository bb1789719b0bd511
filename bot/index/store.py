"""Chunks in Chroma, through langchain-chroma: an embedded store on disk or a `chroma run` server.

Two collections make one generation of a pack's index (names in bot.index.namespace): one holds
the chunks, `..._sentences` holds one vector per sentence so the offline answer engine can score
sentences without re-embedding them. Which generation is live is bot.index.generations' job.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import numpy as np
from chromadb.errors import ChromaError, InternalError, NotFoundError
from langchain_chroma import Chroma

from bot.index.client import (
    IndexEmptyError,
    IndexMismatchError,
    StoreCorruptError,
    StoreUnavailableError,
    forget_embedded,
    make_client,
    move_aside,
    store_error,
    store_file_id,
)
from bot.index.embeddings import SentenceEmbedder
from bot.index.generations import Stamp, read_live
from bot.index.namespace import generation_names
from bot.index.records import (
    PAGE,
    chunk_to_metadata,
    embedding_text,
    get_all,
    metadata_to_chunk,
    sentence_embedding_text,
    sentence_ids,
)
from bot.models import Chunk, chunk_id_of
from bot.prompts import phrase
from bot.settings import Settings

__all__ = [  # what callers import from here, wherever it lives now
    "IndexEmptyError",
    "IndexMismatchError",
    "IndexStore",
    "StoreCorruptError",
    "StoreUnavailableError",
    "chunk_to_metadata",
    "make_client",
    "move_aside",
    "sentence_ids",
]

SCHEMA_VERSION = "4"


@dataclass
class IndexedSource:
    """What the index holds of one source: its snapshot hashes and its chunk ids."""

    hashes: set[str] = field(default_factory=set)
    chunk_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _View:
    """The two collections of one generation, as opened for one stamp."""

    stamp: Stamp
    chunks: Chroma
    sentences: Chroma


T = TypeVar("T")


class IndexStore:
    """The chunk and sentence collections of one pack's index, with what they were built with.

    A reader follows the live pointer (bot.index.generations): `sync()` re-reads it, and a read
    that finds its generation dropped by a rebuild moves to the live one and tries again. A
    writer is pinned to one generation (`generation=`), the one it builds or updates.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: SentenceEmbedder,
        chunker_version: str,
        generation: str | None = None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.chunker_version = chunker_version
        self.pinned = generation
        self.client = make_client(settings)
        self._file_id = store_file_id(settings)
        self._view: _View | None = None
        self._checked_at = -math.inf
        self._stale = False
        self._lock = threading.Lock()
        if generation is not None:
            with self._translated():
                self._view = self._open(Stamp(generation, ""), create=True)
        else:
            self.sync(max_age=0)

    def _open(self, stamp: Stamp, create: bool) -> _View:
        chunks, sentences = (
            Chroma(
                client=self.client,
                collection_name=name,
                embedding_function=self.embedder,
                collection_configuration={"hnsw": {"space": "cosine"}},
                create_collection_if_not_exists=create,
            )
            for name in generation_names(self.settings, stamp.generation)
        )
        return _View(stamp, chunks, sentences)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Store calls inside turn the store's failures into the errors users get told."""
        try:
            yield
        except InternalError as exc:  # what Chroma raises for files it cannot read
            error = store_error(self.settings, exc)
            if isinstance(error, StoreCorruptError):
                self._stale = True  # reopen next time: `ingest --rebuild` may have replaced it
            raise error from exc
        except (httpx.HTTPError, ConnectionError) as exc:
            where = f"{self.settings.store.host}:{self.settings.store.port}"
            raise StoreUnavailableError(f"cannot use the Chroma server at {where} ({exc})") from exc

    # --- which generation ------------------------------------------------------------
    def sync(self, max_age: float | None = None) -> bool:
        """Re-read the live pointer if it was last read over `max_age` s ago; True if it moved."""
        if self.pinned is not None:
            return False
        age = self.settings.store.recheck_s if max_age is None else max_age
        now = time.monotonic()
        if now - self._checked_at < age:
            return False
        if self._stale or store_file_id(self.settings) != self._file_id:
            # Found damaged, or moved aside and rebuilt by `ingest --rebuild`: open what is there.
            forget_embedded(self.settings.chroma_dir)
            self.client, self._view, self._stale = make_client(self.settings), None, False
            self._file_id = store_file_id(self.settings)
        with self._lock:
            for _ in range(3):  # the pointer may move again while we open what it named
                with self._translated():
                    stamp = read_live(self.client, self.settings)
                self._checked_at = now
                current = self._view.stamp if self._view else None
                if stamp == current:
                    return False
                if stamp is None:
                    self._view = None
                    return True
                try:
                    with self._translated():
                        self._view = self._open(stamp, create=False)
                    return True
                except (NotFoundError, ValueError):
                    continue
            return False

    @property
    def stamp(self) -> Stamp | None:
        """The generation and revision this store reads (None: no index yet)."""
        view = self._view
        return view.stamp if view else None

    def _live_view(self) -> _View:
        view = self._view
        if view is None:
            raise IndexEmptyError(phrase("index_missing"))
        return view

    @property
    def chunks(self) -> Chroma:
        return self._live_view().chunks

    @property
    def sentences(self) -> Chroma:
        return self._live_view().sentences

    def _read(self, op: Callable[[_View], T], empty: T) -> T:
        """`op` on the current generation; if a rebuild dropped it meanwhile, on the live one.

        A generation being dropped under a query fails in several ways (not found, a missing
        segment); whatever the error, if the live pointer has moved the query runs again there.
        """
        for attempt in range(3):
            view = self._view
            if view is None:
                return empty
            try:
                with self._translated():
                    return op(view)
            except (ChromaError, StoreCorruptError) as exc:
                if self.pinned is not None or attempt == 2:
                    raise
                self.sync(max_age=0)
                if self._view is view and not isinstance(exc, NotFoundError):
                    raise  # the index did not move: the error is the store's own
        return empty

    # --- what the index was built with -------------------------------------------------
    @property
    def info(self) -> dict[str, Any]:
        view = self._view
        return dict(view.chunks._collection.metadata or {}) if view else {}

    def count(self) -> int:
        return self._read(lambda v: v.chunks._collection.count(), 0)

    def check_compatible(self) -> None:
        """Refuse to read an index built with another embedding model or chunker."""
        info = self.info
        if not info.get("embedding_model"):
            return  # empty, never built
        problems = []
        if info["embedding_model"] != self.settings.embedding.model:
            problems.append(
                f"embedding model '{info['embedding_model']}' (settings say "
                f"'{self.settings.embedding.model}')"
            )
        if info.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
            problems.append(
                f"index schema {info.get('schema_version')} (this code is {SCHEMA_VERSION})"
            )
        if info.get("chunker_version") != self.chunker_version:
            problems.append(
                f"chunker version {info.get('chunker_version')} (this code is "
                f"{self.chunker_version})"
            )
        if problems:
            raise IndexMismatchError(
                "the index was built with "
                + " and ".join(problems)
                + "; re-index with `debatebot ingest --rebuild`"
            )

    def is_compatible(self) -> bool:
        try:
            self.check_compatible()
        except IndexMismatchError:
            return False
        return True

    def mark_built(self) -> None:
        """Record what this generation was built with (a writer, before it goes live)."""
        meta = {
            "embedding_model": self.settings.embedding.model,
            "chunker_version": self.chunker_version,
            "schema_version": SCHEMA_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self._translated():
            self.chunks._collection.modify(metadata=meta)

    # --- writing ---------------------------------------------------------------------
    def indexed_records(self) -> dict[str, IndexedSource]:
        """source id -> its snapshot hashes and chunk ids, from one read of the index."""
        got = self._read(lambda v: get_all(v.chunks._collection, ["metadatas"]), None)
        out: dict[str, IndexedSource] = {}
        if got is None:
            return out
        for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            rec = out.setdefault(meta["source_id"], IndexedSource())
            rec.hashes.add(meta.get("source_sha256", ""))
            rec.chunk_ids.append(chunk_id)
        return out

    def chunk_ids(self, source_id: str) -> list[str]:
        got = self._read(
            lambda v: get_all(v.chunks._collection, [], where={"source_id": source_id}), None
        )
        return got["ids"] if got else []

    def add(self, chunks: list[Chunk]) -> None:
        """Upsert chunks and their sentences (ids are content-derived, so this is idempotent)."""
        if not chunks:
            return
        texts = [c.text for c in chunks]
        vectors = self.embedder.encode([embedding_text(c) for c in chunks])
        with self._translated():
            self.chunks._collection.upsert(
                ids=[c.id for c in chunks],
                documents=texts,
                metadatas=[chunk_to_metadata(c) for c in chunks],
                embeddings=vectors,
            )
        s_ids, s_texts, s_meta, s_embed = [], [], [], []
        for c in chunks:
            for sid, (a, b) in zip(sentence_ids(c), c.sentences, strict=True):
                s_ids.append(sid)
                s_texts.append(c.text[a:b])
                s_embed.append(sentence_embedding_text(c, c.text[a:b]))
                s_meta.append(
                    {
                        "source_id": c.source_id,
                        "chunk_id": c.id,
                        "block_kind": c.block_kind,
                        "start": a,
                        "end": b,
                    }
                )
        if s_ids:
            s_vectors = self.embedder.encode(s_embed)
            with self._translated():
                self.sentences._collection.upsert(
                    ids=s_ids, documents=s_texts, metadatas=s_meta, embeddings=s_vectors
                )

    def copy_source(self, other: IndexStore, source_id: str) -> int:
        """Copy one source's chunks and sentences, vectors and all, from another generation."""
        include = ["documents", "metadatas", "embeddings"]
        where = {"source_id": source_id}
        copied = 0
        for kind in ("chunks", "sentences"):
            got = other._read(
                lambda v, k=kind: get_all(getattr(v, k)._collection, include, where), None
            )
            if not got or not got["ids"]:
                continue
            for i in range(0, len(got["ids"]), PAGE):
                part = slice(i, i + PAGE)
                with self._translated():
                    getattr(self, kind)._collection.upsert(
                        ids=got["ids"][part],
                        documents=got["documents"][part],
                        metadatas=got["metadatas"][part],
                        embeddings=np.asarray(got["embeddings"][part], dtype=np.float32),
                    )
            copied = copied or len(got["ids"])
        return copied

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), PAGE):
            page = ids[i : i + PAGE]
            with self._translated():
                self.chunks._collection.delete(ids=page)
                self.sentences._collection.delete(where={"chunk_id": {"$in": page}})

    # --- reading ---------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        got = self._read(lambda v: get_all(v.chunks._collection, ["documents", "metadatas"]), None)
        if not got:
            return []
        return [
            metadata_to_chunk(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def all_chunks_with_vectors(self) -> tuple[list[Chunk], np.ndarray]:
        """Every chunk, and its vector in the same order (one row each), in one read."""
        include = ["documents", "metadatas", "embeddings"]
        got = self._read(lambda v: get_all(v.chunks._collection, include), None)
        if not got or not got["ids"]:
            return [], np.zeros((0, 0), dtype=np.float32)
        chunks = [
            metadata_to_chunk(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return chunks, np.asarray(got["embeddings"], dtype=np.float32)

    def _nearest(
        self, kind: str, vector: list[float], k: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """(record id, cosine similarity) of the k nearest records of `kind` ('chunks' or
        'sentences'); none from an empty index.

        Fewer than k results can also mean a generation half dropped by a rebuild: then the live
        pointer is read again, and the query runs on the new generation if it has moved.
        """
        for _ in range(2):
            res = self._read(
                lambda v: getattr(v, kind)._collection.query(
                    query_embeddings=[vector],
                    n_results=k,
                    where=where or None,
                    include=["distances"],
                ),
                None,
            )
            if res is None:
                return []
            if len(res["ids"][0]) >= k or not self.sync(max_age=0):
                break
        return [
            (i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def dense(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks (none from an empty index).

        No count() first: at 100k chunks it costs more than the query itself.
        """
        return self._nearest("chunks", vector, k, where)

    def dense_sentences(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity of its best sentence) from the k nearest sentences.

        A fact stated in one sentence of a long paragraph is closer to the question than the
        paragraph as a whole is. The chunk id is read off the sentence id, because fetching
        metadata with the results doubles the query's cost.
        """
        best: dict[str, float] = {}
        for sid, score in self._nearest("sentences", vector, k, where):
            best.setdefault(chunk_id_of(sid), score)
        return list(best.items())

    def _vectors(self, kind: str, **query: Any) -> dict[str, np.ndarray]:
        got = self._read(
            lambda v: getattr(v, kind)._collection.get(include=["embeddings"], **query), None
        )
        if not got:
            return {}
        return {
            i: np.asarray(e, dtype=np.float32)
            for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    def chunk_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Chunk id -> unit vector of the whole chunk."""
        return self._vectors("chunks", ids=chunk_ids) if chunk_ids else {}

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Sentence id -> unit vector, for the sentences of these chunks."""
        if not chunk_ids:
            return {}
        return self._vectors("sentences", where={"chunk_id": {"$in": chunk_ids}})
