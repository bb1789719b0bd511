"""`debatebot fit` end to end on a few labelled sets and the default pack's real index: every
model it writes (sentence, ranking, answerability), each chosen by cross-validation across the
sets, and a weights file the engine loads back and answers with."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.answer.evidence import find
from bot.answer.features import FEATURES
from bot.answer.fit import (
    ADAPTER_RATE_GRID,
    C_GRID,
    JUDGED_BY,
    NEIGHBOUR_TEMPERATURE_GRID,
    RANKING_C_GRID,
)
from bot.answer.model import ANSWERABLE_FEATURES, load_model
from bot.evaluate import DEFAULT_SET, EVAL_DIR


def test_a_fit_on_three_sets_writes_every_model_and_the_engine_answers_with_it(
    bot, tmp_path: Path
) -> None:
    from bot.answer import fit_model

    sets = {
        "dev": DEFAULT_SET,
        "heldout": EVAL_DIR / "heldout.jsonl",
        "blind": EVAL_DIR / "blind.jsonl",
    }
    model, adapter, per_set = fit_model(sets, bot.context(), bot.query, command="test")
    assert set(per_set) == {*sets, "all"}
    assert all(0.0 <= per_set["all"][k] <= 1.0 for k in JUDGED_BY)
    assert per_set["all"]["n"] == sum(per_set[s]["n"] for s in sets)
    assert model.meta["ranking_c"] in RANKING_C_GRID and model.meta["sentence_c"] in C_GRID
    # The ranking model is fitted apart from the sentence model, on the same features.
    assert model.ranking.names == model.sentence.names == FEATURES
    assert model.answerable.names == ANSWERABLE_FEATURES
    assert not np.allclose(model.ranking.coef, model.sentence.coef)
    # Only the ranking model reads which sentences answered the nearest labelled questions.
    known = FEATURES.index("neighbour_evidence")
    assert model.sentence.coef[known] == 0.0 and model.ranking.coef[known] != 0.0
    assert adapter.weights is not None and adapter.prior_coef is not None
    assert adapter.prior_coef.shape == (2 * adapter.weights.shape[1],)  # question and match
    # The adapter's step size is chosen by cross-validation, and the shipped adapter has it.
    assert model.meta["adapter_rate"] in ADAPTER_RATE_GRID
    assert adapter.meta["rate"] == model.meta["adapter_rate"]
    # It carries the questions the engine answered (vectors and labels, never text), read with
    # the temperature cross-validation chose.
    assert adapter.neighbours is not None and adapter.neighbour_answerable is not None
    engine = per_set["all"]["n"]
    assert 0 < len(adapter.neighbours) <= engine
    assert adapter.neighbours.shape[1] == adapter.weights.shape[1]
    assert set(np.unique(adapter.neighbour_answerable)) == {0.0, 1.0}
    assert model.meta["neighbour_temperature"] in NEIGHBOUR_TEMPERATURE_GRID
    assert adapter.neighbour_temperature == model.meta["neighbour_temperature"]
    # ... and, for each, the keys of the sentences that answered it: none for a question out of
    # scope, some for most answerable ones (the rest had no evidence among their candidates).
    assert adapter.answered_by is not None and len(adapter.answered_by) == len(adapter.neighbours)
    pairs = list(zip(adapter.answered_by, adapter.neighbour_answerable, strict=True))
    assert all(not keys for keys, answerable in pairs if not answerable)
    assert np.mean([bool(keys) for keys, answerable in pairs if answerable]) > 0.5
    model.save(tmp_path / "weights.json")
    loaded = load_model(tmp_path / "weights.json")
    x = np.random.default_rng(0).normal(size=(5, len(FEATURES)))
    assert np.allclose(loaded.ranking_probs(x), model.ranking_probs(x), atol=1e-5)
    assert np.allclose(loaded.sentence_probs(x), model.sentence_probs(x), atol=1e-5)
    found = find(bot.query("How is CERN funded?", []), replace(bot.context(), model=loaded))
    scores = [e.score for e in found.evidence]
    assert scores and scores == sorted(scores, reverse=True) and 0.0 < found.answerable < 1.0
