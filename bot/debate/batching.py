"""Embeddings for many request threads in shared model calls.

When fifty attendees press "send" together, one model call for a dozen short questions costs
about as much as two single calls, and only one call at a time competes for the two cores.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import numpy as np

from bot.index.embeddings import Encode


class BatchEncoder:
    """A drop-in `encode(texts) -> vectors` that batches concurrent callers."""

    def __init__(self, encode: Encode, max_batch: int = 32) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self._pending: list[tuple[list[str], Future[np.ndarray]]] = []
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        done: Future[np.ndarray] = Future()
        with self._cond:
            self._pending.append((list(texts), done))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="batch-encoder", daemon=True)
                self._worker.start()
            self._cond.notify()
        return done.result()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                batch, size = [], 0
                while self._pending and (
                    not batch or size + len(self._pending[0][0]) <= self.max_batch
                ):
                    item = self._pending.pop(0)
                    batch.append(item)
                    size += len(item[0])
            try:
                vectors = self._encode([t for texts, _ in batch for t in texts])
            except BaseException as exc:  # every waiting caller gets the error, not a hang
                for _, fut in batch:
                    fut.set_exception(exc)
                continue
            start = 0
            for texts, fut in batch:
                fut.set_result(vectors[start : start + len(texts)])
                start += len(texts)


_SHARE_LOCK = threading.Lock()


def shared_encoder(embedder: object) -> BatchEncoder:
    """Route every `embedder.encode` call in this process through one BatchEncoder.

    The answer engine, the retriever and the audience queue all call the process's one
    embedder; once shared, their concurrent calls become one model run instead of competing
    for the cores (answers under load: about 2x the throughput; see docs/BENCHMARKS.md). A
    single caller is encoded at once, alone, exactly as before. Idempotent.
    """
    with _SHARE_LOCK:
        current = embedder.encode  # type: ignore[attr-defined]
        if isinstance(current, BatchEncoder):
            return current
        batched = BatchEncoder(current)
        embedder.encode = batched  # type: ignore[attr-defined]
        return batched
