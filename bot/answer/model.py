"""The fitted scoring model: which sentence answers a question, and whether any does.

Three logistic models over named features, fitted by `debatebot fit` (bot/answer/fit.py) on
the labelled evaluation sets and chosen by cross-validation across sets: the sentence model
(each candidate alone: does it answer?), the ranking model (the same features learnt as a choice
among a question's candidates: bot/answer/ranker.py) and the answerability model. The ranking
model orders the evidence and composition reads it; answerability reads the sentence model,
whose probabilities also say how much of the question the reading list covers, which a choice
among candidates does not learn. Their weights, the composition settings and the command that
produced them live in bot/answer/weights.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.features import FEATURES

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

# Question-level inputs of the answerability model: how sure the sentence model is that something
# answers (its best probability, and the probability mass over all candidates), how close the best
# candidate is to the question once the pack's adapter has moved the question (the adapter learnt
# where answers to such questions lie, so a question the reading list does not answer stays further
# from its best sentence), whether that sentence lacks the question's names or the figure asked for,
# the pack's question prior (how often questions like this one, meeting their best sentence as this
# one does, were answerable among the pack's labelled questions: see bot/answer/adapter.py), and the
# share of answerable questions among the pack's labelled questions nearest this one (the same
# file). The last two are absent for a pack without them, and then they weigh nothing. Each has a
# known direction, which tests/test_scoring.py checks on the shipped weights. The plain cosine adds
# nothing the sentence model's probability does not carry; inputs that fitted the evaluation sets'
# style (word overlap, an answer-type match, how far the best sentence stands out of the reading
# list) came out with the wrong sign, since a near miss there is written from the post's own words;
# so did how close the best sentence's section heading is, once the neighbours were read (it had
# added little, and added nothing after). Question-level inputs tried since (question words the
# reading list never uses, the best passage lacking the question's rarest word, an asked person or
# figure missing from the best three sentences) moved nothing cross-validated.
ANSWERABLE_FEATURES: tuple[str, ...] = (
    "top_prob",
    "prob_mass",
    "top_names_missing",
    "top_figure_missing",
    "top_cos_adapted",
    "question_prior",
    "neighbours_answerable",
)
PRIOR = ANSWERABLE_FEATURES.index("question_prior")
NEIGHBOURS = ANSWERABLE_FEATURES.index("neighbours_answerable")
# Where answerability reads the best candidate's features.
_TOP_READ = [FEATURES.index(f) for f in ("names_missing_around", "figure_missing", "cos_adapted")]


class ModelFileError(RuntimeError):
    """weights.json is missing or does not fit this code's features."""


@dataclass(frozen=True)
class Linear:
    """A standardised logistic regression: sigmoid(((x - mean) / scale) @ coef + intercept)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        """An input given as NaN (one the pack cannot supply: no question prior, no labelled
        questions) is read as its mean in the fit, where it weighs nothing."""
        x = np.where(np.isnan(x), self.mean, x)
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -40.0, 40.0)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> Linear:
        names = tuple(data["features"])
        if names != expected:
            raise ModelFileError(
                f"{WEIGHTS_FILE.name} was fitted on features {list(names)}, this code computes "
                f"{list(expected)}; run `debatebot fit`"
            )
        return cls(
            names,
            np.asarray(data["mean"], dtype=np.float32),
            np.asarray(data["scale"], dtype=np.float32),
            np.asarray(data["coef"], dtype=np.float32),
            float(data["intercept"]),
        )


@dataclass(frozen=True)
class Composition:
    """How many sentences an answer quotes after the one that answers."""

    keep_ratio: float  # a further sentence must score at least this share of the first
    keep_floor: float  # ... and at least this probability
    max_quotes: int  # sentences quoted in all (lists keep their own length)


@dataclass(frozen=True)
class ScoringModel:
    sentence: Linear  # P(this candidate answers), fitted on each candidate alone
    ranking: Linear  # the same, learnt as a choice among a question's candidates
    answerable: Linear
    answer_threshold: float  # answer when P(answerable) is at least this
    composition: Composition
    meta: dict[str, Any]

    def sentence_probs(self, x: np.ndarray) -> np.ndarray:
        return self.sentence.prob(x) if len(x) else np.zeros(0, dtype=np.float32)

    def ranking_probs(self, x: np.ndarray) -> np.ndarray:
        return self.ranking.prob(x) if len(x) else np.zeros(0, dtype=np.float32)

    def answerable_prob(self, x: np.ndarray) -> float:
        """P(answerable); an input the pack cannot supply is NaN (`Linear.logits`)."""
        return float(self.answerable.prob(x[None, :])[0])

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "sentence": self.sentence.to_json(),
            "ranking": self.ranking.to_json(),
            "answerable": self.answerable.to_json(),
            "answer_threshold": round(self.answer_threshold, 4),
            "composition": self.composition.__dict__,
        }

    @classmethod
    def neutral(cls) -> ScoringModel:
        """Cosine alone, for when weights.json is missing or stale: answers still come, less
        well, and `debatebot fit` (which needs none) makes a real model."""

        def only(names: tuple[str, ...], name: str, intercept: float) -> Linear:
            coef = np.array([1.0 if n == name else 0.0 for n in names], dtype=np.float32)
            zeros = np.zeros(len(names), dtype=np.float32)
            return Linear(names, zeros, np.full(len(names), 0.1, np.float32), coef, intercept)

        return cls(
            only(FEATURES, "cos", -4.0),
            only(FEATURES, "cos", -4.0),
            only(ANSWERABLE_FEATURES, "top_prob", -4.0),
            0.5,
            Composition(0.85, 0.35, 2),
            {"command": "none: ScoringModel.neutral()"},
        )

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n", "utf-8")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoringModel:
        missing = [k for k in ("sentence", "ranking", "answerable") if k not in data]
        if missing:
            raise ModelFileError(
                f"{WEIGHTS_FILE.name} has no {', '.join(missing)} model; run `debatebot fit`"
            )
        return cls(
            Linear.from_json(data["sentence"], FEATURES),
            Linear.from_json(data["ranking"], FEATURES),
            Linear.from_json(data["answerable"], ANSWERABLE_FEATURES),
            float(data["answer_threshold"]),
            Composition(**data["composition"]),
            dict(data.get("meta", {})),
        )


@lru_cache(maxsize=4)
def load_model(path: Path = WEIGHTS_FILE) -> ScoringModel:
    """The fitted model shipped with the code (read once per process)."""
    if not path.exists():
        raise ModelFileError(f"{path} is missing; run `debatebot fit`")
    return ScoringModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def answerable_features(
    x: np.ndarray,
    probs: np.ndarray,
    prior: float | None = None,
    neighbours: float | None = None,
) -> np.ndarray | None:
    """The answerability model's inputs, in ANSWERABLE_FEATURES order (None for no candidate);
    `prior` is the pack's question prior (a logit) and `neighbours` the share answerable among
    its nearest labelled questions, each NaN where the pack has none."""
    if not len(probs):
        return None
    best = int(np.argmax(probs))
    top = x[best]
    return np.array(
        [
            probs[best],
            float(np.sum(probs)),
            *top[_TOP_READ],
            np.nan if prior is None else prior,
            np.nan if neighbours is None else neighbours,
        ],
        dtype=np.float32,
    )
