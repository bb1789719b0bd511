"""Where one debate pack's index and databases live, so packs can share a data folder.

A pack is known by its id: the `id` of its debate.yaml when it sets one (it survives moving
the folder), else a slug of the pack folder's name and a short hash of its resolved path
("corpus-1a2b3c4d"). Under the data folder each pack owns `packs/<id>/` (databases, ingest
report, saved tables) and its own Chroma collections `<collection>-<id>-...`.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.registry import RegistryError
from bot.settings import Settings

_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class PackIdError(RegistryError):
    """debate.yaml names an id that cannot name folders and collections (a pack error, so it
    is reported wherever a broken reading list is)."""


def slug(text: str) -> str:
    """Lower-case letters, digits and single dashes (at most 24 characters)."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24].strip("-")
    return out or "pack"


@lru_cache(maxsize=32)
def _declared_id(debate_file: Path, mtime: float) -> str | None:
    try:
        data = yaml.safe_load(debate_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # the debate data's own loader reports a broken file
    value = data.get("id") if isinstance(data, dict) else None
    if value is None:
        return None
    value = str(value)
    if not _ID.match(value):
        raise PackIdError(
            f"{debate_file}: id '{value}' must be 1-40 lower-case letters, digits or dashes"
        )
    return value


def pack_id(settings: Settings) -> str:
    """The pack's id: debate.yaml's `id`, else '<folder slug>-<hash of its path>'."""
    debate = settings.debate_file
    if debate.exists():
        declared = _declared_id(debate, debate.stat().st_mtime)
        if declared:
            return declared
    where = settings.pack.resolve()
    return f"{slug(where.name)}-{hashlib.sha256(str(where).encode()).hexdigest()[:8]}"


def pack_data_dir(settings: Settings) -> Path:
    """The pack's own folder in the data folder: its databases, ingest report and tables."""
    return settings.data_dir / "packs" / pack_id(settings)


def collection_prefix(settings: Settings) -> str:
    """What every Chroma collection of this pack's index is named from."""
    return f"{settings.store.collection}-{pack_id(settings)}"


def pointer_name(settings: Settings) -> str:
    """The collection whose metadata names the live generation (see bot.index.generations)."""
    return f"{collection_prefix(settings)}-live"


def generation_names(settings: Settings, generation: str) -> tuple[str, str]:
    """The chunk and sentence collections of one generation of the index."""
    base = f"{collection_prefix(settings)}-{generation}"
    return base, f"{base}_sentences"


def pack_file(settings: Settings, name: str) -> Path:
    """`packs/<id>/<name>`, adopting a file an earlier version left at the data folder's top.

    Before packs had their own folders every pack shared `<data_dir>/<name>`; the first pack to
    ask after the upgrade takes it over (with SQLite's -wal and -shm), so no queue is lost.
    """
    path = pack_data_dir(settings) / name
    legacy = settings.data_dir / name
    if not path.exists() and legacy.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", ""):  # the main file last: its arrival marks "done"
            old = legacy.with_name(legacy.name + suffix)
            if old.exists():
                old.replace(path.with_name(path.name + suffix))
    return path
