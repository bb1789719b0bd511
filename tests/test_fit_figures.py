"""How the fit scores a setting (bot/answer/fit.py `figures`): each composition's answers are
replayed once and every threshold read off them, so the threshold must decline exactly the
engine's answers under it, never a strategy's, and the figures must count as `debatebot eval`
counts. Table-driven, on hand-made rows: no index needed."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer.features import FEATURES
from bot.answer.fit import Row, _marks, figures
from bot.evaluate import EvalItem
from bot.models import Answer


def _row(i: int, abstain: bool, answerable: float, handled: bool = False) -> Row:
    item = EvalItem(f"fact-{i:02d}", f"question {i}", [] if abstain else ["gold"], abstain, "fact")
    answer = Answer(question=item.question, answer="", abstained=False, engine="structure")
    answer = answer if handled else None
    row = Row("set", item, np.zeros((0, len(FEATURES))), np.zeros(0, bool), [], False)
    row.answerable, row.handled = answerable, answer
    return row


# (abstain, P(answerable), a strategy answered, its quotes' evidence marks were it answered)
ROWS = [
    (False, 0.9, False, [True, False]),  # answered, evidence first
    (False, 0.4, False, [False, True]),  # declined at 0.5, evidence second at 0.3
    (False, 0.1, True, [True]),  # a strategy's answer: the threshold never declines it
    (True, 0.2, False, [False]),  # out of scope, declined at 0.3 and 0.5
    (True, 0.45, False, [False]),  # out of scope, answered at 0.3, declined at 0.5
]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (
            0.3,
            {
                "evidence_hit": 1.0,
                "first_citation_evidence": 2 / 3,
                "evidence_share": (0.5 + 0.5 + 1.0) / 3,
                "abstention_precision": 1.0,
                "abstention_recall": 0.5,
            },
        ),
        (
            0.5,
            {
                "evidence_hit": 2 / 3,
                "first_citation_evidence": 2 / 3,
                "evidence_share": (0.5 + 1.0) / 2,
                "abstention_precision": 2 / 3,
                "abstention_recall": 1.0,
            },
        ),
    ],
)
def test_the_threshold_declines_only_the_engines_answers_under_it(
    threshold: float, expected: dict[str, float]
) -> None:
    rows = [_row(i, a, p, h) for i, (a, p, h, _) in enumerate(ROWS)]
    marks = {id(r): _marks(good) for r, (*_, good) in zip(rows, ROWS, strict=True)}
    got = figures(rows, marks, threshold)
    assert got["n"] == len(ROWS)
    assert {k: got[k] for k in expected} == pytest.approx(expected, abs=1e-3)
