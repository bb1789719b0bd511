"""The chunk table, BM25 and chunk vectors of one index revision, saved for the next process.

Reading every chunk back from Chroma and re-tokenizing it for BM25 took a new process 41 s and
1.4 GB at 100k chunks. They are saved once per revision instead, under
`<data_dir>/packs/<pack id>/tables/<generation>/<revision>/`:
- `chunks.jsonl`: one chunk per line, validated by pydantic line by line on load (one big
  JSON array doubled the memory it took);
- `bm25/`: bm25s's own files (JSON and numpy arrays, read with pickle off);
- `vectors.npy`: the chunks' vectors in file order, memory-mapped, so MMR reads the few rows it
  needs instead of making Chroma load the whole chunk vector index (200 MB at 100k chunks).
The folder is named by the live stamp, so a rebuild or an update makes readers load (or build)
the new one; it is rebuilt from Chroma whenever it is missing, as on a fresh machine that uses
a Chroma server. `table.json` is written last and marks the folder complete.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.index.generations import Stamp, read_live
from bot.index.namespace import pack_data_dir
from bot.index.store import IndexStore
from bot.models import Chunk
from bot.retrieve.lexical import LexicalIndex
from bot.settings import Settings

log = logging.getLogger(__name__)

FORMAT = 2


@dataclass
class ChunkTable:
    """Everything retrieval keeps in memory about one revision of the index."""

    stamp: Stamp | None
    chunks: dict[str, Chunk] = field(default_factory=dict)
    by_source: dict[str, list[Chunk]] = field(default_factory=dict)
    headings: set[str] = field(default_factory=set)
    lexical: LexicalIndex = field(default_factory=lambda: LexicalIndex([]))
    vectors: np.ndarray | None = None  # row i is the vector of the i-th chunk of `chunks`
    rows: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        stamp: Stamp | None,
        chunks: list[Chunk],
        lexical: LexicalIndex | None = None,
        vectors: np.ndarray | None = None,
    ) -> ChunkTable:
        """The table of `chunks`; BM25 is built unless a loaded one is given."""
        by_source: dict[str, list[Chunk]] = {}
        for c in sorted(chunks, key=lambda c: c.start):
            by_source.setdefault(c.source_id, []).append(c)
        # Headings are kept for the structure answers; as search results they crowd out.
        headings = {c.id for c in chunks if c.block_kind == "heading"}
        if lexical is None:
            lexical = LexicalIndex(_searchable(chunks))
        rows = {c.id: i for i, c in enumerate(chunks)} if vectors is not None else {}
        return cls(stamp, {c.id: c for c in chunks}, by_source, headings, lexical, vectors, rows)

    def vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray] | None:
        """Chunk id -> vector from the saved copy; None when this table has no vectors."""
        if self.vectors is None:
            return None
        return {
            cid: np.asarray(self.vectors[self.rows[cid]]) for cid in chunk_ids if cid in self.rows
        }


def _searchable(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks BM25 ranks, in table order: all but headings."""
    return [c for c in chunks if c.block_kind != "heading"]


def _read_chunks(path: Path) -> list[Chunk]:
    """chunks.jsonl, line by line; the chunks share one `fields set` (every field is set).

    Each pydantic model otherwise keeps its own set of the 13 field names: 70 MB at 100k.
    """
    out: list[Chunk] = []
    shared: set[str] | None = None
    with path.open("rb") as fh:
        for line in fh:
            chunk = Chunk.model_validate_json(line)
            shared = shared or chunk.__pydantic_fields_set__
            object.__setattr__(chunk, "__pydantic_fields_set__", shared)
            out.append(chunk)
    return out


def tables_root(settings: Settings) -> Path:
    return pack_data_dir(settings) / "tables"


def table_dir(settings: Settings, stamp: Stamp) -> Path:
    return tables_root(settings) / stamp.generation / (stamp.revision or "0")


def save_table(settings: Settings, table: ChunkTable) -> Path | None:
    """Write the table for its stamp (temp folder, then rename), unless it is there already."""
    if table.stamp is None:
        return None
    final = table_dir(settings, table.stamp)
    if (final / "table.json").exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=".tmp-"))
    try:
        ordered = list(table.chunks.values())
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in ordered:
                fh.write(c.model_dump_json() + "\n")
        if [c.id for c in _searchable(ordered)] != table.lexical.ids:
            raise ValueError("BM25 was not built over this table's chunks in order")
        table.lexical.save(tmp / "bm25")
        if table.vectors is not None:
            np.save(tmp / "vectors.npy", np.asarray(table.vectors, dtype=np.float32))
        manifest = {"format": FORMAT, "chunks": len(ordered), "vectors": table.vectors is not None}
        (tmp / "table.json").write_text(json.dumps(manifest), encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (final / "table.json").exists():
            raise
    return final


def read_table(settings: Settings, stamp: Stamp) -> ChunkTable | None:
    """The saved table of `stamp`, or None when there is none (or it cannot be read)."""
    folder = table_dir(settings, stamp)
    try:
        manifest = json.loads((folder / "table.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            return None
        chunks = _read_chunks(folder / "chunks.jsonl")
        if len(chunks) != manifest["chunks"]:
            raise ValueError(f"{len(chunks)} chunks, the manifest says {manifest['chunks']}")
        lexical = LexicalIndex.load(folder / "bm25", [c.id for c in _searchable(chunks)])
        vectors = None
        if manifest.get("vectors"):
            vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
            if vectors.shape[0] != len(chunks):
                raise ValueError(f"{vectors.shape[0]} vectors for {len(chunks)} chunks")
    except (OSError, ValueError, KeyError) as exc:
        if folder.exists():  # damaged or from another version: make way for a new copy
            log.warning("saved chunk table %s not used (%s); rebuilding it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
        return None
    return ChunkTable.of(stamp, chunks, lexical, vectors)


def _from_store(store: IndexStore, stamp: Stamp) -> ChunkTable:
    """The table of what `store` holds now, read from it in one pass (chunks and vectors)."""
    chunks, vectors = store.all_chunks_with_vectors()
    return ChunkTable.of(stamp, chunks, vectors=vectors)


def load_table(store: IndexStore) -> ChunkTable:
    """The live revision's table: the saved copy, else built from the store (and saved)."""
    for _ in range(3):
        stamp = store.stamp
        if stamp is None:
            return ChunkTable(None)
        table = read_table(store.settings, stamp)
        if table is not None:
            return table
        table = _from_store(store, stamp)
        if store.stamp != stamp:
            continue  # a rebuild went live while we read: read the new one
        try:
            save_table(store.settings, table)
        except OSError as exc:  # a read-only data folder: the next process rebuilds it too
            log.warning("cannot save the chunk table (%s)", exc)
        return table
    return ChunkTable.of(store.stamp, store.all_chunks())


def prepare_tables(store: IndexStore, stamp: Stamp) -> None:
    """Ingest's hook: save the new revision's table before it goes live; drop older ones.

    The table of the revision still live is kept, so a process starting during the swap can
    load it; anything older goes.
    """
    settings = store.settings
    save_table(settings, _from_store(store, stamp))
    live = read_live(store.client, settings)
    keep = {table_dir(settings, s) for s in (stamp, live) if s is not None}
    root = tables_root(settings)
    for gen in root.iterdir() if root.exists() else ():
        for rev in gen.iterdir() if gen.is_dir() else ():
            if rev not in keep:
                shutil.rmtree(rev, ignore_errors=True)
        if gen.is_dir() and not any(gen.iterdir()):
            gen.rmdir()
