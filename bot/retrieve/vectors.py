"""Sentence vectors kept in memory once read: a question's candidates are mostly the same few
hundred sentences, and one Chroma read per question costs more than the rest of the scoring."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from bot.index.store import IndexStore
from bot.models import chunk_id_of


class SentenceVectorCache:
    """Chunk id -> its sentences' vectors, least recently used chunks dropped past `capacity`.

    One cache serves one index version: the service makes a new one when the index changes.
    """

    def __init__(self, store: IndexStore, capacity: int = 20_000) -> None:
        self.store = store
        self.capacity = capacity
        self._by_chunk: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Sentence id -> unit vector for the sentences of these chunks."""
        with self._lock:
            missing = [c for c in dict.fromkeys(chunk_ids) if c not in self._by_chunk]
        if missing:
            read: dict[str, dict[str, np.ndarray]] = {c: {} for c in missing}
            for sid, vec in self.store.sentence_vectors(missing).items():
                read[chunk_id_of(sid)][sid] = vec
            with self._lock:
                self._by_chunk.update(read)
                while len(self._by_chunk) > self.capacity:
                    self._by_chunk.popitem(last=False)
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for c in chunk_ids:
                found = self._by_chunk.get(c)
                if found is not None:
                    self._by_chunk.move_to_end(c)
                    out.update(found)
        return out
