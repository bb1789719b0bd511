"""The pack's query adapter: a linear map, fitted on the pack's labelled questions, that moves a
question's vector towards the sentences that answer such questions in this reading list.

The embedding model places "How is X funded?" closer to sentences that repeat its words than to
the one with the budget in it. The adapter learns, from strangers' questions and the sentences
that answer them, how questions about this reading list are phrased and where their answers
lie; it is pack data (`<pack>/query_adapter.npz`), fitted by `debatebot fit` and chosen by
cross-validation across sets. A pack without one (or with one made for another model) uses the
question's own vector, so its answers are what they were without it.

The same file carries the pack's question prior: a logistic regression, fitted on the same
labelled questions, for how likely a question like this one is to be answerable from this
reading list. Strangers who read one post ask about the same few things it names without
detailing (who chairs a council, what a model was called); the prior learns where such questions
lie. It reads the question's vector and its elementwise product with the best candidate
sentence's (`prior_input`): the product says in which of the embedding's directions the two
agree, so the prior also learns which kinds of agreement make an answer and which are a near
miss that shares the topic but not the detail asked for. It is one input of the answerability
model, never a verdict alone.

It also carries the labelled questions themselves, as vectors with whether each was answerable
(never their text): a new question's nearest labelled questions say how often questions phrased
and aimed like it were answerable here (`neighbour_share`). The prior draws one line through
the embedding; the neighbours follow the few places where strangers ask about what the post
names without detailing, which one line cannot trace.

With each labelled question it keeps which sentences answered it, as keys of their text (a
hash, never the text): a candidate sentence that answered the questions nearest a new one
likely answers it too (`Nearest.evidence`). Strangers who read one post ask about the same
facts in their own words; the embedding finds the earlier question phrased alike more surely
than the sentence written in the post's words.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.retrieve.text import TEXT_CACHE

log = logging.getLogger(__name__)

ADAPTER_FILE = "query_adapter.npz"
PRIOR_LIMIT = 8.0  # the prior's logit is clipped to this: a prior informs, it never decides
NEIGHBOURS = 10  # labelled questions a new question's neighbour share reads
NEIGHBOUR_TEMPERATURE = 0.05  # how sharply closeness weighs them, where the file does not say


# How sharply closeness weighs the nearest questions whose answering sentences a candidate is
# matched against: broader than the share's (the fit chose 0.02 there), as a paraphrase a little
# further off names the same answer as the nearest one. Fixed, not chosen by cross-validation:
# the features are computed before the models' settings are chosen.
EVIDENCE_TEMPERATURE = 0.05


@lru_cache(maxsize=TEXT_CACHE)  # the same corpus sentences come back question after question
def sentence_key(text: str) -> int:
    """A sentence's key: a 64-bit hash of its words, so the pack keeps no text and a
    re-ingested corpus (other chunking, other whitespace) keeps its keys."""
    words = " ".join(re.findall(r"\w+", text.lower()))
    return int.from_bytes(hashlib.blake2b(words.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Nearest:
    """A question's k most similar labelled questions, each weighted by
    softmax(similarity / temperature): the closest count most, a far tenth barely."""

    index: np.ndarray
    weight: np.ndarray  # sums to 1

    @classmethod
    def of(cls, similarity: np.ndarray, temperature: float, k: int = NEIGHBOURS) -> Nearest:
        n = len(similarity)
        top = np.argpartition(-similarity, k)[:k] if n > k else np.arange(n)
        weight = np.exp((similarity[top] - similarity[top].max()) / temperature)
        return cls(top, weight / weight.sum())

    def share(self, answerable: np.ndarray) -> float:
        """The weighted share of them that were answerable."""
        return float(self.weight @ answerable[self.index])

    def evidence(self, keys: list[int], answered_by: Sequence[frozenset[int]]) -> np.ndarray:
        """For each candidate sentence (by key), the weighted share of them it answered."""
        weight: dict[int, float] = {}
        for i, w in zip(self.index, self.weight, strict=True):
            for key in answered_by[i]:
                weight[key] = weight.get(key, 0.0) + float(w)
        return np.array([weight.get(k, 0.0) for k in keys], dtype=np.float32)


def neighbour_share(
    similarity: np.ndarray, answerable: np.ndarray, temperature: float, k: int = NEIGHBOURS
) -> float:
    """The share of answerable questions among the k most similar labelled ones (`Nearest`)."""
    return Nearest.of(similarity, temperature, k).share(answerable)


def prior_input(question: np.ndarray, best: np.ndarray | None) -> np.ndarray:
    """What the question prior reads: the question's vector, then its elementwise product with
    the best candidate sentence's vector (zeros where there is none)."""
    if best is None or len(best) != len(question):
        best = np.zeros_like(question)
    return np.concatenate([question, question * best]).astype(np.float32)


@dataclass(frozen=True)
class QueryAdapter:
    """q -> normalise(q + W q); W is zero for the identity. With the question prior
    logit(P(answerable)) = prior_input(q, s) @ prior_coef + prior_intercept, s the best candidate
    sentence's vector."""

    weights: np.ndarray | None = None  # (d, d), or None for the identity
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    prior_coef: np.ndarray | None = field(default=None, compare=False)  # (2d,), or no prior
    prior_intercept: float = 0.0
    neighbours: np.ndarray | None = field(default=None, compare=False)  # (n, d) labelled questions
    neighbour_answerable: np.ndarray | None = field(default=None, compare=False)  # (n,) 0 or 1
    neighbour_temperature: float = NEIGHBOUR_TEMPERATURE
    # (n,) the keys of the sentences that answered each labelled question (`sentence_key`)
    answered_by: tuple[frozenset[int], ...] | None = field(default=None, compare=False)

    def with_neighbours(
        self,
        vectors: np.ndarray,
        answerable: np.ndarray,
        temperature: float,
        answered_by: list[frozenset[int]] | None = None,
    ) -> QueryAdapter:
        return replace(
            self,
            neighbours=np.asarray(vectors, dtype=np.float32),
            neighbour_answerable=np.asarray(answerable, dtype=np.float32),
            neighbour_temperature=temperature,
            answered_by=None if answered_by is None else tuple(answered_by),
        )

    def _similarity(self, question: np.ndarray) -> np.ndarray | None:
        """The question's cosine with every labelled question, or None where the pack keeps
        none for this model."""
        if self.neighbours is None or self.neighbours.shape[1] != len(question):
            return None
        # einsum, not `@`: a product this size wakes BLAS's own threads, which then spin against
        # the embedding model's on a small machine and cost the next question's encoding more
        # than this saves (bench_answer: p50 21 ms -> 50 ms with `@`).
        return np.einsum("ij,j->i", self.neighbours, question)

    def neighbour_share(self, question: np.ndarray) -> float | None:
        """How often the labelled questions nearest this one were answerable, or None where
        the pack keeps none for this model."""
        similarity = self._similarity(question)
        if similarity is None or self.neighbour_answerable is None:
            return None
        return neighbour_share(similarity, self.neighbour_answerable, self.neighbour_temperature)

    def neighbour_evidence(self, question: np.ndarray, keys: list[int]) -> np.ndarray | None:
        """For each candidate sentence (by `sentence_key`), how much it answered the labelled
        questions nearest this one, or None where the pack keeps no answering sentences."""
        similarity = self._similarity(question)
        if similarity is None or self.answered_by is None:
            return None
        return Nearest.of(similarity, EVIDENCE_TEMPERATURE).evidence(keys, self.answered_by)

    def prior(self, question: np.ndarray, best: np.ndarray | None) -> float | None:
        """The question prior's logit for a question and its best candidate sentence, or None
        where the pack has no prior for this model."""
        if self.prior_coef is None or 2 * len(question) != len(self.prior_coef):
            return None
        logit = float(prior_input(question, best) @ self.prior_coef) + self.prior_intercept
        return float(np.clip(logit, -PRIOR_LIMIT, PRIOR_LIMIT))

    def apply(self, vector: np.ndarray) -> np.ndarray:
        if self.weights is None or not len(vector) or self.weights.shape[1] != len(vector):
            return vector
        moved = vector + self.weights @ vector
        return (moved / (np.linalg.norm(moved) or 1.0)).astype(np.float32)

    def save(self, path: Path, model: str) -> None:
        """Kept in float16: half the size, and the map is a small correction to a unit vector."""
        assert self.weights is not None
        meta = {**self.meta, "embedding_model": model}
        arrays: dict[str, np.ndarray] = {
            "weights": self.weights.astype(np.float16),
            "meta": np.array(json.dumps(meta)),
        }
        if self.prior_coef is not None:
            arrays["prior_coef"] = self.prior_coef.astype(np.float32)
            arrays["prior_intercept"] = np.array(self.prior_intercept, dtype=np.float32)
        if self.neighbours is not None and self.neighbour_answerable is not None:
            arrays["neighbours"] = self.neighbours.astype(np.float16)
            arrays["neighbour_answerable"] = self.neighbour_answerable.astype(np.uint8)
            arrays["neighbour_temperature"] = np.array(self.neighbour_temperature, np.float32)
        if self.neighbours is not None and self.answered_by is not None:
            # Ragged: question i's keys are answer_keys[answer_offsets[i]:answer_offsets[i + 1]].
            sizes = [len(keys) for keys in self.answered_by]
            arrays["answer_offsets"] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
            arrays["answer_keys"] = np.array(
                [k for keys in self.answered_by for k in sorted(keys)], dtype=np.uint64
            )
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, pack: Path, model: str) -> QueryAdapter:
        """The pack's adapter, or the identity (with a warning when the file is unusable)."""
        path = pack / ADAPTER_FILE
        if not path.exists():
            return cls()
        try:
            with np.load(path, allow_pickle=False) as data:
                weights = data["weights"].astype(np.float32)
                meta = json.loads(str(data["meta"]))
                coef = data["prior_coef"].astype(np.float32) if "prior_coef" in data else None
                intercept = float(data["prior_intercept"]) if coef is not None else 0.0
                near = data["neighbours"].astype(np.float32) if "neighbours" in data else None
                labels = (
                    data["neighbour_answerable"].astype(np.float32) if near is not None else None
                )
                temperature = (
                    float(data["neighbour_temperature"])
                    if near is not None
                    else NEIGHBOUR_TEMPERATURE
                )
                answered_by = (
                    _ragged(data["answer_offsets"], data["answer_keys"])
                    if near is not None and "answer_offsets" in data
                    else None
                )
        except (OSError, ValueError, KeyError) as exc:
            log.warning("%s is unreadable (%s); questions are not adapted", path, exc)
            return cls()
        if meta.get("embedding_model") != model or weights.ndim != 2:
            log.warning(
                "%s was fitted for embedding model %r, the settings say %r; run `debatebot fit`",
                path,
                meta.get("embedding_model"),
                model,
            )
            return cls()
        if coef is not None and coef.shape != (2 * weights.shape[1],):
            log.warning("%s has a question prior of the wrong size; it is not used", path)
            coef = None
        if near is not None and (
            near.shape[1:] != (weights.shape[1],) or labels is None or len(labels) != len(near)
        ):
            log.warning("%s keeps labelled questions of the wrong shape; they are not used", path)
            near = labels = answered_by = None
        if answered_by is not None and near is not None and len(answered_by) != len(near):
            log.warning("%s keeps answering sentences for other questions; not used", path)
            answered_by = None
        return cls(weights, meta, coef, intercept, near, labels, temperature, answered_by)


def _ragged(offsets: np.ndarray, keys: np.ndarray) -> tuple[frozenset[int], ...]:
    bounds = offsets.astype(np.int64)
    return tuple(frozenset(int(k) for k in keys[a:b]) for a, b in itertools.pairwise(bounds))


def fit_adapter(
    questions: np.ndarray,
    candidates: list[np.ndarray],
    answers: list[np.ndarray],
    strength: float,
    epochs: int = 40,
    temperature: float = 0.05,
    rate: float = 1e-3,
) -> QueryAdapter:
    """Fit W so that each question's adapted vector picks out, among its candidate sentences,
    those that answer it (softmax over the candidates); `strength` pulls W towards zero.
    Training stops after `epochs` steps of size about `rate` each, before W fits the labelled
    questions closely: how far it goes is the adapter's main regularisation, and the fit
    chooses `rate` by cross-validation across sets.

    questions: (n, d) unit vectors; candidates[i]: (k_i, d) unit vectors; answers[i]: (k_i,)
    bool, at least one true. Deterministic: full batch, fixed seed.
    """
    import torch

    torch.manual_seed(0)
    n, d = questions.shape
    k = max(len(c) for c in candidates)
    cand = torch.zeros(n, k, d)
    real = torch.zeros(n, k, dtype=torch.bool)
    good = torch.zeros(n, k, dtype=torch.bool)
    for i, (c, a) in enumerate(zip(candidates, answers, strict=True)):
        cand[i, : len(c)] = torch.from_numpy(np.asarray(c, dtype=np.float32))
        real[i, : len(c)] = True
        good[i, : len(c)] = torch.from_numpy(np.asarray(a, dtype=bool))
    q = torch.from_numpy(np.asarray(questions, dtype=np.float32))
    w = torch.zeros(d, d, requires_grad=True)
    opt = torch.optim.Adam([w], lr=rate)
    for _ in range(epochs):
        opt.zero_grad()
        moved = q + q @ w.T
        moved = moved / moved.norm(dim=1, keepdim=True)
        logits = torch.einsum("nkd,nd->nk", cand, moved) / temperature
        logits = logits.masked_fill(~real, -1e9)
        picked = logits.masked_fill(~good, -1e9)
        loss = (torch.logsumexp(logits, 1) - torch.logsumexp(picked, 1)).mean()
        loss = loss + strength * (w**2).sum()
        loss.backward()
        opt.step()
    return QueryAdapter(
        w.detach().numpy().astype(np.float32),
        {
            "strength": strength,
            "epochs": epochs,
            "rate": rate,
            "temperature": temperature,
            "questions": n,
        },
    )
