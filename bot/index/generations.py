"""Generations of a pack's index and the pointer that says which one is live.

A rebuild writes a new generation (its own pair of Chroma collections) beside the live one and
goes live by rewriting the metadata of one small pointer collection: one write, done by the
store itself, so it is atomic for the embedded store and for a `chroma run` server alike, and
every process that reads the pointer sees the same index. An in-place update of the live
generation changes the pointer's revision, so readers know to reload what they derived from it.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import chromadb
from chromadb.errors import NotFoundError

from bot.index.namespace import collection_prefix, generation_names, pointer_name
from bot.settings import Settings


@dataclass(frozen=True)
class Stamp:
    """Which generation is live and which revision of it: what readers key their caches by."""

    generation: str
    revision: str


def new_generation_id() -> str:
    """A sortable, unique generation name ('g20260101120000-3fa2')."""
    return f"g{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(2)}"


def new_revision() -> str:
    return secrets.token_hex(6)


def read_live(client: chromadb.ClientAPI, settings: Settings) -> Stamp | None:
    """The live generation, or None when this pack was never indexed."""
    try:
        meta = client.get_collection(pointer_name(settings), embedding_function=None).metadata
    except NotFoundError:
        return None
    if not meta or not meta.get("generation"):
        return None
    return Stamp(str(meta["generation"]), str(meta.get("revision", "")))


def set_live(client: chromadb.ClientAPI, settings: Settings, stamp: Stamp) -> None:
    """Make `stamp` the live index in one metadata write."""
    pointer = client.get_or_create_collection(pointer_name(settings), embedding_function=None)
    pointer.modify(
        metadata={
            "generation": stamp.generation,
            "revision": stamp.revision,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )


def stored_generations(client: chromadb.ClientAPI, settings: Settings) -> set[str]:
    """Every generation of this pack that has collections in the store."""
    head = f"{collection_prefix(settings)}-g"
    out = set()
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith(head):
            out.add(name[len(head) - 1 :].removesuffix("_sentences"))
    return out


def drop_generation(client: chromadb.ClientAPI, settings: Settings, generation: str) -> None:
    """Delete a generation's collections (readers still holding them retry on the live one)."""
    for name in generation_names(settings, generation):
        with contextlib.suppress(NotFoundError):
            client.delete_collection(name)
