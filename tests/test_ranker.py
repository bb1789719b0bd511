"""The ranking model's fit (bot/answer/ranker.py) on made-up questions whose truth is known:
it learns what sets an answer apart from its rivals, not which questions have many answers,
and its probabilities are calibrated over every candidate."""

from __future__ import annotations

import numpy as np

from bot.answer.ranker import fit_ranker

SETS_APART, CROWDED = 0, 1  # the two features of the made-up candidates


def _questions(n: int, seed: int, answered: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """Eight candidates per question. The answers score higher on SETS_APART than their
    rivals; CROWDED is the same for every candidate of a question and high where a question
    has three answers rather than one: true of the question, useless for choosing among its
    candidates."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        crowded = rng.random() < 0.5
        y = np.zeros(8, bool)
        if answered:
            y[: 3 if crowded else 1] = True
        x = np.column_stack(
            [rng.normal(size=8) + 1.5 * y, np.full(8, float(crowded)) + rng.normal(0, 0.01, 8)]
        )
        out.append((x, y))
    return out


def _prob(fitted: tuple[np.ndarray, np.ndarray, np.ndarray, float], x: np.ndarray) -> np.ndarray:
    mean, scale, coef, intercept = fitted
    return 1 / (1 + np.exp(-(((x - mean) / scale) @ coef + intercept)))


def test_it_learns_what_sets_the_answer_apart_not_which_questions_have_many() -> None:
    from sklearn.linear_model import LogisticRegression

    train = _questions(300, seed=1)
    _, _, coef, _ = fit_ranker(train, c=1.0)
    assert coef[SETS_APART] > 1.0
    assert abs(coef[CROWDED]) < 0.1 * coef[SETS_APART]
    # Fitted on each candidate alone, the same data teaches the question-level feature.
    x = np.vstack([q for q, _ in train])
    pointwise = LogisticRegression().fit(x, np.concatenate([a for _, a in train]))
    assert pointwise.coef_[0, CROWDED] > 0.5


def test_it_ranks_new_questions_answers_first() -> None:
    fitted = fit_ranker(_questions(300, seed=2), c=1.0)
    held_out = _questions(200, seed=3)
    first = [bool(y[int(np.argmax(_prob(fitted, x)))]) for x, y in held_out]
    assert np.mean(first) > 0.6


def test_its_probabilities_are_calibrated_over_every_candidate() -> None:
    train = _questions(300, seed=4)
    fitted = fit_ranker(train, c=1.0)
    p = _prob(fitted, np.vstack([x for x, _ in train]))
    assert abs(float(p.mean()) - float(np.mean([y.mean() for _, y in train]))) < 0.01


def test_unanswered_questions_lower_the_probabilities_but_not_the_order() -> None:
    answered = _questions(300, seed=5)
    with_unanswered = answered + _questions(300, seed=6, answered=False)
    alone, mixed = fit_ranker(answered, c=1.0), fit_ranker(with_unanswered, c=1.0)
    x = np.vstack([q for q, _ in answered])
    assert _prob(mixed, x).mean() < _prob(alone, x).mean() - 0.05
    # The same ranking up to standardisation: the choice is fitted on answered questions only.
    w_alone, w_mixed = alone[2] / alone[1], mixed[2] / mixed[1]
    cosine = w_alone @ w_mixed / np.linalg.norm(w_alone) / np.linalg.norm(w_mixed)
    assert cosine > 0.99
