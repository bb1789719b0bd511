"""The ranking model's fit: which of a question's candidates answers it, learnt as a choice among
them (a conditional logit: a softmax over each question's candidates), then turned into a
probability by one logistic fit of its score over every candidate.

Fitted on each candidate alone (the sentence model, a plain logistic regression), the weights
also learn which questions have many answering candidates; that helps answerability, which asks
whether a question has an answer at all, but an answer picks among one question's candidates
only. Fitted as a choice, the weights learn what sets the answering sentence apart from its
rivals. The calibration keeps that order and gives the probability composition reads
(bot/answer/compose.py): sigmoid(a * score + b) is again one `Linear`.
"""

from __future__ import annotations

import numpy as np

Group = tuple[np.ndarray, np.ndarray]  # one question's candidate features, and which answer


def _choice_weights(x: np.ndarray, group: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Weights maximising the log-probability of the answering candidates within each group,
    with an L2 penalty of 1 / (2c); x is standardised, every group holds an answer."""
    from scipy.optimize import minimize

    n = int(group.max()) + 1

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, group, s)
        e = np.exp(s - top[group])
        e_answer = e * y
        z, z_answer = np.bincount(group, e, n), np.bincount(group, e_answer, n)
        value = -float(np.sum(np.log(z_answer) - np.log(z))) + float(w @ w) / (2 * c)
        grad = x.T @ (e / z[group] - e_answer / z_answer[group]) + w / c
        return value, grad

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def fit_ranker(groups: list[Group], c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, coef, intercept) of sigmoid(((x - mean) / scale) @ coef + intercept): the
    choice among each group's candidates, calibrated over all of them. Groups without an
    answering candidate (questions the reading list does not answer) only calibrate."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([g for g, _ in groups]).astype(np.float64)
    y = np.concatenate([a for _, a in groups]).astype(bool)
    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    ids = np.concatenate([np.full(len(g), i) for i, (g, _) in enumerate(groups)])
    answered = np.array([a.any() for _, a in groups])[ids]
    _, group = np.unique(ids[answered], return_inverse=True)
    w = _choice_weights(z[answered], group, y[answered].astype(np.float64), c)
    # Nearly unpenalised: one slope and one intercept, fitted on every candidate.
    calibration = LogisticRegression(C=1e6, max_iter=1000).fit((z @ w)[:, None], y)
    slope, intercept = float(calibration.coef_[0, 0]), float(calibration.intercept_[0])
    return mean, scale, slope * w, intercept
