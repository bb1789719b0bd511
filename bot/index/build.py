"""Snapshots to index: load, chunk and store every source that changed, and only those.

A source whose snapshot hash and chunker version match what is indexed is skipped; a changed
source is chunked in full before its old chunks are replaced, so a bad snapshot never leaves
the index without that source's previous passages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.index.embeddings import get_embedder
from bot.index.links import link_targets
from bot.index.store import IndexMismatchError, IndexStore
from bot.ingest.chunker import CHUNKER_VERSION, chunk_document
from bot.ingest.loaders import LoadError, load_document
from bot.ingest.snapshots import snapshot_status
from bot.registry import Source
from bot.settings import Settings

Status = Literal["indexed", "unchanged", "missing", "failed", "removed"]


@dataclass(frozen=True)
class SourceReport:
    source_id: str
    status: Status
    chunks: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    sources: list[SourceReport] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for s in self.sources if s.status == status)

    @property
    def chunks_written(self) -> int:
        return sum(s.chunks for s in self.sources if s.status == "indexed")


def open_store(settings: Settings) -> IndexStore:
    return IndexStore(settings, get_embedder(settings), CHUNKER_VERSION)


def ingest(
    settings: Settings,
    sources: list[Source],
    *,
    rebuild: bool = False,
    progress: Callable[[SourceReport], None] | None = None,
) -> IngestReport:
    """Bring the index in line with the snapshots of `sources`."""
    started = time.perf_counter()
    store = open_store(settings)
    if not rebuild:
        try:
            store.check_compatible()
        except IndexMismatchError:
            rebuild = True  # ingest is re-indexing: an index of another model is rebuilt whole
    if rebuild:
        store.reset()
    indexed = store.indexed_records()
    targets = link_targets(sources)
    report = IngestReport()
    changed = False

    def note(r: SourceReport) -> None:
        report.sources.append(r)
        if progress:
            progress(r)

    for source in sources:
        _, meta = snapshot_status(settings.snapshots_dir, source)
        if meta is None:  # snapshot_status says "missing"
            note(SourceReport(source.id, "missing", reason=f"no snapshot of {source.url}"))
            continue
        record = indexed.get(source.id)
        if record is not None and record.hashes == {meta.sha256}:
            note(SourceReport(source.id, "unchanged"))
            continue
        try:
            doc = load_document(
                source, settings.snapshots_dir / meta.file, settings.ingest.max_file_mb
            )
            chunks = chunk_document(doc, meta.sha256, settings.ingest.max_chunk_chars, targets)
            if not chunks:
                raise LoadError(f"source '{source.id}': no text to index")
        except Exception as exc:  # one bad source must not stop the others
            reason = str(exc) if isinstance(exc, LoadError) else f"{type(exc).__name__}: {exc}"
            note(SourceReport(source.id, "failed", reason=reason))
            continue
        old = set(record.chunk_ids) if record is not None else set()
        store.add(chunks)
        store.delete_ids(sorted(old - {c.id for c in chunks}))
        changed = True
        note(SourceReport(source.id, "indexed", chunks=len(chunks)))

    registered = {s.id for s in sources}
    for gone in sorted(set(indexed) - registered):
        store.delete_ids(indexed[gone].chunk_ids)
        changed = True
        note(SourceReport(gone, "removed"))
    if changed or not store.info.get("embedding_model"):
        store.mark_built()
    report.seconds = time.perf_counter() - started
    return report
