"""The Chroma client for the settings, and what its failures mean for an organiser.

An embedded store on disk or a `chroma run` server; a store whose files cannot be read is
"damaged", and `debatebot ingest --rebuild` moves it aside (timestamped) and starts anew.
"""

from __future__ import annotations

import contextlib
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


def _forget_embedded(path: Path) -> None:
    """Drop chromadb's per-process client for `path`, so the next open reads the disk anew."""
    system = SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


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
        _forget_embedded(settings.chroma_dir)
        raise corrupt_error(settings, exc) from exc


def corrupt_error(settings: Settings, exc: BaseException) -> StoreCorruptError:
    """The organiser's message for a damaged store, embedded or served."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if settings.store.host:
        where = f"{settings.store.host}:{settings.store.port}"
        return StoreCorruptError(message("store_corrupt_server", where=where, detail=detail))
    return StoreCorruptError(message("store_corrupt", path=settings.chroma_dir, detail=detail))


def move_aside(settings: Settings) -> Path:
    """Rename a damaged embedded store to `chroma.broken-<UTC time>` and return the new path."""
    _forget_embedded(settings.chroma_dir)
    target = settings.chroma_dir.with_name(
        f"{settings.chroma_dir.name}.broken-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    )
    settings.chroma_dir.rename(target)
    return target
