"""A debate pack: the reading list, its snapshots and the event data, found under one folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.registry import RegistryError, Source, by_id, load_registry
from bot.settings import Settings


@lru_cache(maxsize=8)
def _load_sources(path: Path, mtime: float) -> tuple[Source, ...]:
    return tuple(load_registry(path))


def sources(settings: Settings) -> list[Source]:
    """The pack's validated reading list (re-read when the file changes)."""
    path = settings.sources_file
    if not path.exists():
        raise RegistryError(f"{path}: no reading list in the pack {settings.pack}")
    return list(_load_sources(path, path.stat().st_mtime))


def source_map(settings: Settings) -> dict[str, Source]:
    return by_id(sources(settings))
