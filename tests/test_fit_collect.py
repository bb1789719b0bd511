"""The fit's second pass retrieves each set's questions through the adapter fitted without
that set, as answers retrieve through the shipped one (on a real index of the default pack)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.answer.adapter import QueryAdapter
from bot.answer.fit import collect

QUESTION = "How is the laboratory paid for, year after year?"


def _one_question_set(tmp_path: Path) -> Path:
    path = tmp_path / "mine.jsonl"
    item = {"id": "fact-01", "category": "fact", "question": QUESTION, "gold": [], "abstain": True}
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    return path


def _towards(question: np.ndarray, target: np.ndarray) -> QueryAdapter:
    """An adapter that moves this question (a unit vector) onto the target's direction."""
    return QueryAdapter(100.0 * np.outer(target, question).astype(np.float32))


def test_each_set_retrieves_through_its_own_adapter(bot, tmp_path: Path) -> None:
    ctx = bot.context()
    sets = {"mine": _one_question_set(tmp_path)}
    (plain,) = collect(sets, ctx, bot.query)
    seen = {e.quote.chunk.id for e in plain.evidence}
    # A passage the plain question does not retrieve, with sentences to quote.
    target = next(
        c for c in bot.retriever.chunks.values() if c.id not in seen and len(c.sentences) > 1
    )
    adapter = _towards(bot.query(QUESTION).vector, bot.embed([target.text])[0])

    (moved,) = collect(sets, ctx, bot.query, {"mine": adapter})

    assert target.id in {e.quote.chunk.id for e in moved.evidence}
    assert len(moved.x) == len(moved.evidence) == len(moved.y)
