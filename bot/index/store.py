"""Chunks in Chroma, through langchain-chroma: an embedded store on disk or a `chroma run` server.

Two collections make one index: `<name>` holds the chunks, `<name>_sentences` holds one vector
per sentence so the offline answer engine can score sentences without re-embedding them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from bot.index.embeddings import SentenceEmbedder
from bot.models import Chunk, chunk_id_of, sentence_id
from bot.settings import Settings

SCHEMA_VERSION = "4"


def embedding_text(chunk: Chunk) -> str:
    """What a chunk's vector is made from: its heading path, then its text.

    "CLAIRE (EU): ..." alone does not say it is an example of the academic cluster; the heading
    path does, so a question about that cluster finds it.
    """
    return f"{chunk.section}\n{chunk.text}" if chunk.heading_path else chunk.text


@dataclass
class IndexedSource:
    """What the index holds of one source: its snapshot hashes and its chunk ids."""

    hashes: set[str] = field(default_factory=set)
    chunk_ids: list[str] = field(default_factory=list)


class IndexMismatchError(RuntimeError):
    """The index was built with another model or chunker; it must be rebuilt."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server cannot be reached."""


def make_client(settings: Settings) -> chromadb.ClientAPI:
    """An embedded persistent client, or an HTTP client when a server host is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.store.host:
        try:
            return chromadb.HttpClient(
                host=settings.store.host, port=settings.store.port, settings=chroma_settings
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {settings.store.host}:{settings.store.port}"
                f" ({exc})"
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


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


class IndexStore:
    """The chunk and sentence collections of one index, with the model they were built with."""

    def __init__(self, settings: Settings, embedder: SentenceEmbedder, chunker_version: str):
        self.settings = settings
        self.embedder = embedder
        self.chunker_version = chunker_version
        self.client = make_client(settings)
        name = settings.store.collection
        try:
            self.chunks = self._collection(name)
            self.sentences = self._collection(f"{name}_sentences")
        except Exception as exc:
            if settings.store.host:
                raise StoreUnavailableError(
                    f"cannot use the Chroma server at {settings.store.host}:"
                    f"{settings.store.port} ({exc})"
                ) from exc
            raise

    def _collection(self, name: str) -> Chroma:
        return Chroma(
            client=self.client,
            collection_name=name,
            embedding_function=self.embedder,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    # --- what the index was built with -------------------------------------------------
    @property
    def info(self) -> dict[str, Any]:
        return dict(self.chunks._collection.metadata or {})

    def count(self) -> int:
        return self.chunks._collection.count()

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

    def mark_built(self) -> None:
        meta = {
            "embedding_model": self.settings.embedding.model,
            "chunker_version": self.chunker_version,
            "schema_version": SCHEMA_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.chunks._collection.modify(metadata=meta)

    def reset(self) -> None:
        """Drop both collections (a rebuild with another model starts empty)."""
        self.chunks.delete_collection()
        self.sentences.delete_collection()
        self.__init__(self.settings, self.embedder, self.chunker_version)  # type: ignore[misc]

    # --- writing ---------------------------------------------------------------------
    def indexed_records(self) -> dict[str, IndexedSource]:
        """source id -> its snapshot hashes and chunk ids, from one read of the index."""
        got = get_all(self.chunks._collection, ["metadatas"])
        out: dict[str, IndexedSource] = {}
        for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            rec = out.setdefault(meta["source_id"], IndexedSource())
            rec.hashes.add(meta.get("source_sha256", ""))
            rec.chunk_ids.append(chunk_id)
        return out

    def indexed_sources(self) -> dict[str, set[str]]:
        """source id -> the set of snapshot hashes its chunks were built from."""
        return {sid: rec.hashes for sid, rec in self.indexed_records().items()}

    def chunk_ids(self, source_id: str) -> list[str]:
        return get_all(self.chunks._collection, [], where={"source_id": source_id})["ids"]

    def add(self, chunks: list[Chunk]) -> None:
        """Upsert chunks and their sentences (ids are content-derived, so this is idempotent)."""
        if not chunks:
            return
        texts = [c.text for c in chunks]
        vectors = self.embedder.encode([embedding_text(c) for c in chunks])
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
            self.sentences._collection.upsert(
                ids=s_ids,
                documents=s_texts,
                metadatas=s_meta,
                embeddings=self.embedder.encode(s_embed),
            )

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), PAGE):
            page = ids[i : i + PAGE]
            self.chunks._collection.delete(ids=page)
            self.sentences._collection.delete(where={"chunk_id": {"$in": page}})

    # --- reading ---------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        got = get_all(self.chunks._collection, ["documents", "metadatas"])
        return [
            metadata_to_chunk(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def dense(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks (none from an empty index).

        No count() first: at 100k chunks it costs more than the query itself.
        """
        res = self.chunks._collection.query(
            query_embeddings=[vector], n_results=k, where=where or None, include=["distances"]
        )
        return [
            (i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def dense_sentences(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity of its best sentence) from the k nearest sentences.

        A fact stated in one sentence of a long paragraph is closer to the question than the
        paragraph as a whole is. The chunk id is read off the sentence id, because fetching
        metadata with the results doubles the query's cost.
        """
        res = self.sentences._collection.query(
            query_embeddings=[vector], n_results=k, where=where or None, include=["distances"]
        )
        best: dict[str, float] = {}
        for sid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            best.setdefault(chunk_id_of(sid), 1.0 - float(dist))
        return list(best.items())

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Sentence id -> unit vector, for the sentences of these chunks."""
        if not chunk_ids:
            return {}
        got = self.sentences._collection.get(
            where={"chunk_id": {"$in": chunk_ids}}, include=["embeddings"]
        )
        return {
            i: np.asarray(e, dtype=np.float32)
            for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }
