"""A debate pack: the reading list, its snapshots and the event data, found under one folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.debate.pack_data import DebatePackError, load_debate
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
    registry = list(_load_sources(path, path.stat().st_mtime))
    _check_clusters(settings, registry)
    return registry


def _check_clusters(settings: Settings, registry: list[Source]) -> None:
    """Every cluster a source names is one of the pack's clusters (debate.yaml), when it has
    any: the clusters are the debate's, not the code's."""
    if not settings.debate_file.exists():
        return
    try:
        known = {c.id for c in load_debate(settings).clusters}
    except DebatePackError:
        return  # reported where debate.yaml is used; the reading list itself is still good
    for s in registry:
        if s.cluster is not None and s.cluster not in known:
            raise RegistryError(
                f"{settings.sources_file}, source '{s.id}': unknown cluster '{s.cluster}' "
                f"(debate.yaml has {', '.join(sorted(known)) or 'none'})"
            )


def source_map(settings: Settings) -> dict[str, Source]:
    return by_id(sources(settings))
