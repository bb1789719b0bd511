"""Snapshots to index: load, chunk and store every source that changed, and only those.

An update edits the live generation in place: a changed source is chunked in full before its
old chunks are replaced. A rebuild (asked for, or forced by another model or chunker) writes a
new generation beside the live one and swaps the live pointer only when it is complete, so
answers never see half an index. In both, a source whose snapshot is missing, refused or
unreadable keeps the passages it had, and a rebuild that produced nothing never goes live.
One ingest runs at a time per data folder (bot.index.lock); the outcome is saved for the UI.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.index.client import StoreCorruptError, move_aside
from bot.index.embeddings import get_embedder
from bot.index.generations import (
    Stamp,
    drop_generation,
    new_generation_id,
    new_revision,
    read_live,
    set_live,
    stored_generations,
)
from bot.index.links import link_targets
from bot.index.lock import ingest_lock
from bot.index.report import IngestReport, SourceReport, Status, save_report
from bot.index.store import IndexStore
from bot.ingest.chunker import CHUNKER_VERSION, chunk_document
from bot.ingest.loaders import LoadError, load_document
from bot.ingest.messages import message
from bot.ingest.snapshots import (
    SnapshotError,
    SnapshotMeta,
    read_meta,
    snapshot_file,
    verified_snapshot,
)
from bot.models import Chunk
from bot.registry import Source
from bot.settings import Settings

__all__ = ["IngestReport", "SourceReport", "Status", "ingest", "open_store"]

log = logging.getLogger(__name__)

Prepare = Callable[[IndexStore, Stamp], None]


def open_store(settings: Settings, generation: str | None = None) -> IndexStore:
    """The pack's index as readers see it (the live generation), or one pinned generation."""
    return IndexStore(settings, get_embedder(settings), CHUNKER_VERSION, generation)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _open_for_ingest(settings: Settings, rebuild: bool) -> tuple[IndexStore, str]:
    """The live store, and a notice when a damaged one had to be moved aside first.

    A damaged embedded store is moved aside (timestamped) by a rebuild; a plain ingest reports it.
    """
    try:
        store = open_store(settings)
        store.count()  # a store whose vector files are damaged fails here, not above
        return store, ""
    except StoreCorruptError:
        if not rebuild or settings.store.host:
            raise
    notice = message("store_moved_aside", path=move_aside(settings))
    log.warning(notice)
    return open_store(settings), notice


def _snapshot(settings: Settings, source: Source) -> tuple[SnapshotMeta, Path]:
    """A source's snapshot, checked: present, inside the pack, and the bytes that were fetched.

    Raises FileNotFoundError (missing) or SnapshotError (refused) with the reason.
    """
    snaps = settings.snapshots_dir
    meta = read_meta(snaps, source.id)
    if meta is None or not snapshot_file(snaps, meta).exists():
        raise FileNotFoundError(message("no_snapshot", url=source.url))
    return meta, verified_snapshot(snaps, meta, int(settings.ingest.max_file_mb * 1024 * 1024))


def _load_chunks(
    settings: Settings, source: Source, meta: SnapshotMeta, path: Path, targets: dict[str, str]
) -> list[Chunk]:
    doc = load_document(source, path, settings.ingest.max_file_mb)
    chunks = chunk_document(doc, meta.sha256, settings.ingest.max_chunk_chars, targets)
    if not chunks:
        raise LoadError(message("no_text", source=source.id))
    return chunks


def _reason(exc: Exception) -> str:
    known = (LoadError, SnapshotError, FileNotFoundError)
    return str(exc) if isinstance(exc, known) else f"{type(exc).__name__}: {exc}"


def ingest(
    settings: Settings,
    sources: list[Source],
    *,
    rebuild: bool = False,
    progress: Callable[[SourceReport], None] | None = None,
    prepare: Prepare | None = None,
) -> IngestReport:
    """Bring the pack's index in line with the snapshots of `sources`.

    `prepare` runs on the finished generation before it goes live (the CLI saves the chunk
    table and BM25 there, so a server switches to the new index without rebuilding them).
    """
    with ingest_lock(settings):
        return _ingest(settings, sources, rebuild, progress, prepare)


def _ingest(
    settings: Settings,
    sources: list[Source],
    rebuild: bool,
    progress: Callable[[SourceReport], None] | None,
    prepare: Prepare | None,
) -> IngestReport:
    started = time.perf_counter()
    live, moved = _open_for_ingest(settings, rebuild)
    old = live.stamp
    compatible = old is not None and live.is_compatible()
    fresh = rebuild or old is None or not compatible
    # What the live index has: kept for sources that fail, unless built another way.
    kept = live.indexed_records() if old is not None and compatible else {}
    for leftover in stored_generations(live.client, settings):
        if old is None or leftover != old.generation:  # a crashed rebuild's half index
            drop_generation(live.client, settings, leftover)
    generation = new_generation_id() if fresh else old.generation  # type: ignore[union-attr]
    target = open_store(settings, generation)
    report = IngestReport(rebuild=fresh, notices=[moved] if moved else [])
    targets = link_targets(sources)
    changed = False

    def note(source_id: str, status: Status, chunks: int = 0, reason: str = "") -> None:
        r = SourceReport(source_id, status, chunks=chunks, reason=reason, at=_now())
        report.sources.append(r)
        if progress:
            progress(r)

    def keep(source_id: str, status: Status, reason: str) -> None:
        """A source that cannot be (re)indexed keeps what the live index has of it."""
        had = kept.get(source_id)
        if had is None:
            note(source_id, status, reason=reason)
            return
        if fresh:
            try:
                target.copy_source(live, source_id)
            except StoreCorruptError as exc:  # the old generation cannot be read either
                note(source_id, status, reason=f"{reason}; {exc}")
                return
        n = len(had.chunk_ids)
        note(source_id, status, n, message("kept_previous", reason=reason, chunks=n))

    for source in sources:
        try:
            meta, path = _snapshot(settings, source)
            record = kept.get(source.id)
            if not fresh and record is not None and record.hashes == {meta.sha256}:
                note(source.id, "unchanged", len(record.chunk_ids))
                continue
            chunks = _load_chunks(settings, source, meta, path, targets)
        except FileNotFoundError as exc:
            keep(source.id, "missing", _reason(exc))
            continue
        except Exception as exc:  # one bad source must not stop the others
            keep(source.id, "failed", _reason(exc))
            continue
        target.add(chunks)
        if not fresh and source.id in kept:
            target.delete_ids(sorted(set(kept[source.id].chunk_ids) - {c.id for c in chunks}))
        changed = True
        note(source.id, "indexed", len(chunks))

    registered = {s.id for s in sources}
    for gone in sorted(set(kept) - registered):
        if not fresh:
            target.delete_ids(kept[gone].chunk_ids)
        changed = True
        note(gone, "removed")

    stamp = _publish(settings, live, target, fresh, changed, report, prepare)
    report.generation = stamp.generation if stamp else ""
    report.seconds = time.perf_counter() - started
    report.finished_at = _now()
    save_report(settings, report)
    return report


def go_live(
    target: IndexStore, stamp: Stamp | None = None, prepare: Prepare | None = None
) -> Stamp:
    """Record what a pinned generation was built with and make it the live index.

    `prepare` runs just before the swap. Tools that fill a store directly (the benchmarks'
    synthetic index) call this too.
    """
    stamp = stamp or Stamp(str(target.pinned), new_revision())
    target.mark_built()
    if prepare is not None:
        prepare(target, stamp)
    set_live(target.client, target.settings, stamp)
    return stamp


def _publish(
    settings: Settings,
    live: IndexStore,
    target: IndexStore,
    fresh: bool,
    changed: bool,
    report: IngestReport,
    prepare: Prepare | None,
) -> Stamp | None:
    """Make the result live; return the live stamp afterwards."""
    old = live.stamp
    if not fresh and not changed:
        return old
    stamp = Stamp(str(target.pinned), new_revision())
    if fresh and old is not None and target.count() == 0 and live.count() > 0:
        # A rebuild where nothing could be read must not replace a working index.
        drop_generation(live.client, settings, target.pinned)
        report.notices.append(message("empty_rebuild", chunks=live.count()))
        return old
    go_live(target, stamp, prepare)
    if fresh and old is not None and old.generation != stamp.generation:
        # Running apps look at the pointer every `recheck_s`: give them time to move before
        # the old generation goes (one caught mid-question moves over when its read fails).
        time.sleep(2 * settings.store.recheck_s + 1)
        drop_generation(target.client, settings, old.generation)
    return read_live(target.client, settings)
