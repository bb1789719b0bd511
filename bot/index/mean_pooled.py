"""A sentence-transformers model of the plain kind, run with `transformers` alone.

Importing sentence-transformers costs a new process 5-7 s and 200 MB (it pulls in
scikit-learn), a third of the cold start of `debatebot ask` at 100k chunks. Models made of a
Transformer, mean pooling and (optionally) normalisation, as all-MiniLM-L6-v2 is, are run here
with the tokenizer and model directly; the vectors match sentence-transformers' to 1e-7
(tests/test_scale.py). Any other layout is left to sentence-transformers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


def plain_layout(folder: Path) -> tuple[int, bool, bool] | None:
    """(max tokens, lower-case, normalise) when `folder` holds a plain mean-pooled model."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        kinds = [m["type"] for m in modules]
        if kinds[:2] != [_TRANSFORMER, _POOLING] or kinds[2:] not in ([], [_NORMALIZE]):
            return None
        if modules[0].get("path", "") != "":
            return None
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"} or not config.get("max_seq_length"):
        return None
    return int(config["max_seq_length"]), bool(config.get("do_lower_case")), len(kinds) == 3


class MeanPooledModel:
    """Tokenizer + transformer + mean pooling (+ L2 normalisation), batched by length."""

    def __init__(
        self, folder: Path, max_tokens: int, lower_case: bool, normalize: bool, offline: bool
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch = torch
        self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(
            str(folder), local_files_only=offline
        )
        self.model: PreTrainedModel = AutoModel.from_pretrained(
            str(folder), local_files_only=offline
        ).eval()
        self.max_tokens = max_tokens
        self.lower_case = lower_case
        self.normalize = normalize

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """One vector per text, in input order (longest texts batched together, as s-t does)."""
        torch = self._torch
        if self.lower_case:
            texts = [t.lower() for t in texts]
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.get_sentence_embedding_dimension()), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            features = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation="longest_first",
                max_length=self.max_tokens,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self.model(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            vectors = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if self.normalize:
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
            out[rows] = vectors.numpy()
        return out
