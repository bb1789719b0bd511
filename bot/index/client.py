"""The Chroma client for the settings, and what its failures mean for an organiser.

An embedded store on disk or a `chroma run` server; a store whose files cannot be read is
"damaged", and `debatebot ingest --rebuild` moves it aside (timestamped) and starts anew.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import chromadb
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from bot.ingest.messages import message
from bot.settings import Settings


class IndexMismatchError(RuntimeError):
    """The index was built with another model or chunker; it must be rebuilt."""


class StoreCorruptError(IndexMismatchError):
    """The store's files are damaged; like a mismatch, only a rebuild helps."""


class StoreUnavailableError(RuntimeError):
    """The Chroma server cannot be reached."""


class IndexEmptyError(RuntimeError):
    """This pack has no live index yet."""


def forget_embedded(path: Path) -> None:
    """Drop chromadb's per-process client for `path`, so the next open reads the disk anew.

    The old one is not stopped: stores of this process that still hold it keep working on the
    files they have open until they reopen too.
    """
    SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)


def store_file_id(settings: Settings) -> int | None:
    """The embedded store's database file (inode), to notice it was replaced by a rebuild."""
    if settings.store.host:
        return None
    try:
        return (settings.chroma_dir / "chroma.sqlite3").stat().st_ino
    except OSError:
        return None


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
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except ChromaError as exc:
        forget_embedded(settings.chroma_dir)  # chromadb keeps the half-made client otherwise
        raise store_error(settings, exc) from exc


_BUSY = ("locked", "busy", "timed out", "timeout")


def store_error(
    settings: Settings, exc: BaseException
) -> StoreCorruptError | StoreUnavailableError:
    """What an internal error of the store means: busy for a while, or damaged.

    An embedded store that another process is writing can be locked for a moment; that is not
    damage, and calling it damage would send an organiser to rebuild for nothing.
    """
    text = str(exc).lower()
    if any(word in text for word in _BUSY):
        return StoreUnavailableError(f"the index store is busy ({str(exc)[:200]})")
    if not settings.store.host:
        forget_embedded(settings.chroma_dir)  # the next open reads whatever is on disk then
    return corrupt_error(settings, exc)


def corrupt_error(settings: Settings, exc: BaseException) -> StoreCorruptError:
    """The organiser's message for a damaged store, embedded or served."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if settings.store.host:
        where = f"{settings.store.host}:{settings.store.port}"
        return StoreCorruptError(message("store_corrupt_server", where=where, detail=detail))
    return StoreCorruptError(message("store_corrupt", path=settings.chroma_dir, detail=detail))


def move_aside(settings: Settings) -> Path:
    """Rename a damaged embedded store to `chroma.broken-<UTC time>` and return the new path."""
    forget_embedded(settings.chroma_dir)
    target = settings.chroma_dir.with_name(
        f"{settings.chroma_dir.name}.broken-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    )
    settings.chroma_dir.rename(target)
    return target
