"""The fit's neighbour_evidence (bot/answer/fit.py): each question reads which sentences
answered the nearest labelled questions of the other sets, never its own set's, as a new
question reads the pack's labelled questions, which never hold it. Hand-made rows: no index."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer.evidence import Evidence
from bot.answer.features import FEATURES
from bot.answer.fit import KNOWN, Row, _neighbour_evidence_oof
from bot.evaluate import EvalItem
from bot.models import Chunk, Quote

SENTENCES = ["CERN was founded in 1954.", "It has 25 member states.", "The budget is large."]
CHUNK = Chunk(
    id="c",
    source_id="s",
    text=" ".join(SENTENCES),
    start=0,
    end=100,
    heading_path=["A"],
    url="https://example.org/",
    block_kind="paragraph",
    sentences=[(0, 25), (26, 50), (51, 71)],
    sentence_urls=["https://example.org/"] * 3,
)


def _row(name: str, i: int, vector: list[float], answers: int | None) -> Row:
    """A question of set `name` whose candidates are the three sentences; `answers` is the one
    that answers it (None: out of scope)."""
    item = EvalItem(f"fact-{i:02d}", f"question {i}", [], answers is None, "fact")
    y = np.array([answers == k for k in range(3)], dtype=bool)
    evidence = [Evidence(Quote(CHUNK, k), 0.0, 0.0, 0, np.zeros(2)) for k in range(3)]
    v = np.array(vector, dtype=np.float32)
    row = Row(name, item, np.zeros((3, len(FEATURES)), np.float32), y, evidence, False)
    row.vector = v / np.linalg.norm(v)
    return row


def test_each_question_reads_only_the_other_sets_answers() -> None:
    assert Quote(CHUNK, 0).text == SENTENCES[0]
    a1 = _row("a", 1, [1.0, 0.0], answers=0)
    a2 = _row("a", 2, [1.0, 0.01], answers=1)  # its own set's twin answered by another sentence
    b1 = _row("b", 3, [1.0, 0.02], answers=0)
    b2 = _row("b", 4, [0.0, 1.0], answers=2)
    c1 = _row("c", 5, [0.99, 0.05], answers=None)  # out of scope: it answered nothing
    _neighbour_evidence_oof([a1, a2, b1, b2, c1])
    # a2 reads b1 (close, answered by sentence 0) and c1 (close, nothing), never a1.
    assert a2.x[0, KNOWN] > 0.3 and a2.x[1, KNOWN] == 0.0
    assert a1.x[:, KNOWN] == pytest.approx(a2.x[:, KNOWN], abs=0.05)
    # b1 reads a1 and a2 (both near) and c1; b2 far off still sums its weights to at most one.
    assert b1.x[0, KNOWN] > 0.2 and b1.x[1, KNOWN] > 0.2 and b1.x[2, KNOWN] == 0.0
    assert b2.x[:, KNOWN].sum() <= 1.0 + 1e-6
    # Every other column is left as it was.
    others = [i for i in range(len(FEATURES)) if i != KNOWN]
    assert not any(r.x[:, others].any() for r in (a1, a2, b1, b2, c1))
