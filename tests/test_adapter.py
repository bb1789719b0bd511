"""The pack's query adapter (bot/answer/adapter.py): fitted for real on small vectors, saved and
loaded as the app loads it, and refused when it was made for another model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.answer import ADAPTER_FILE, QueryAdapter
from bot.answer.adapter import (
    NEIGHBOURS,
    PRIOR_LIMIT,
    Nearest,
    fit_adapter,
    neighbour_share,
    prior_input,
    sentence_key,
)
from bot.settings import ROOT, Settings

MODEL = "some-model"


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def _task(seed: int, n: int = 60, d: int = 16) -> tuple:
    """Questions whose answer lies along a fixed rotation of the question, not along it: what
    the embedding model misses and the adapter has to learn."""
    rng = np.random.default_rng(seed)
    turn = np.linalg.qr(np.random.default_rng(0).normal(size=(d, d)))[0]
    questions = _unit(rng.normal(size=(n, d)))
    candidates, answers = [], []
    for q in questions:
        answer = _unit(0.3 * q + turn @ q)
        decoys = _unit(q[None, :] + 0.9 * rng.normal(size=(5, d)))
        candidates.append(np.vstack([answer[None, :], decoys]))
        answers.append(np.array([True] + [False] * 5))
    return questions, candidates, answers


def _top1(adapter: QueryAdapter, questions, candidates, answers) -> float:
    picks = [
        bool(a[int(np.argmax(c @ adapter.apply(q)))])
        for q, c, a in zip(questions, candidates, answers, strict=True)
    ]
    return float(np.mean(picks))


def test_the_adapter_learns_where_answers_lie_and_carries_to_new_questions() -> None:
    train, test = _task(1), _task(2)
    identity = QueryAdapter()
    adapter = fit_adapter(*train, strength=1e-4, epochs=200)
    assert _top1(adapter, *test) >= _top1(identity, *test) + 0.3
    assert adapter.weights is not None and adapter.weights.shape == (16, 16)
    moved = adapter.apply(test[0][0])
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5


def test_a_strong_pull_to_zero_leaves_questions_as_they_are() -> None:
    adapter = fit_adapter(*_task(1), strength=10.0, epochs=50)
    q = _task(3)[0][0]
    assert float(adapter.apply(q) @ q) > 0.99


def test_the_step_size_decides_how_far_the_adapter_moves() -> None:
    """The same number of steps goes further with a larger step: the setting the fit chooses."""
    q = _task(3)[0]
    moved = [
        float(np.mean(np.sum(np.array([fit.apply(v) for v in q]) * q, axis=1)))
        for fit in (fit_adapter(*_task(1), strength=1e-3, epochs=10, rate=r) for r in (1e-3, 1e-2))
    ]
    assert moved[1] < moved[0] < 1.0  # mean cosine to the question's own vector


def test_saved_and_loaded_as_the_app_loads_it(tmp_path: Path) -> None:
    adapter = fit_adapter(*_task(1), strength=1e-3, epochs=20, rate=2e-3)
    adapter.save(tmp_path / ADAPTER_FILE, MODEL)
    loaded = QueryAdapter.load(tmp_path, MODEL)
    assert loaded.meta["embedding_model"] == MODEL and loaded.meta["strength"] == 1e-3
    assert loaded.meta["rate"] == 2e-3
    q = _task(3)[0][0]
    assert np.allclose(loaded.apply(q), adapter.apply(q), atol=1e-2)  # kept in float16


def test_the_question_prior_is_saved_loaded_and_clipped(tmp_path: Path) -> None:
    base = fit_adapter(*_task(1), strength=1e-3, epochs=5)
    coef = np.linspace(-1.0, 1.0, 32).astype(np.float32)  # the question, then its match
    QueryAdapter(base.weights, base.meta, coef, 0.25).save(tmp_path / ADAPTER_FILE, MODEL)
    loaded = QueryAdapter.load(tmp_path, MODEL)
    q, s = _task(3)[0][:2]
    expected = float(q @ coef[:16]) + float((q * s) @ coef[16:]) + 0.25
    assert loaded.prior(q, s) == pytest.approx(expected, abs=1e-5)
    big = QueryAdapter(base.weights, {}, coef * 1e3, 0.0)
    assert big.prior(q, s) in (-PRIOR_LIMIT, PRIOR_LIMIT)
    # No prior in the file, or a vector of another size: no prior, never a made-up one.
    base.save(tmp_path / ADAPTER_FILE, MODEL)
    assert QueryAdapter.load(tmp_path, MODEL).prior(q, s) is None
    assert loaded.prior(np.ones(4, np.float32), None) is None


def test_the_prior_reads_how_the_question_meets_its_best_sentence() -> None:
    """The same question scores differently against a sentence that agrees with it where the
    prior's match weights look and one that does not; with no candidate, only the question
    counts."""
    q = np.array([0.6, 0.8, 0.0, 0.0], np.float32)
    coef = np.array([0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0], np.float32)
    adapter = QueryAdapter(np.zeros((4, 4), np.float32), {}, coef, -1.0)
    agrees = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    elsewhere = np.array([0.0, 0.0, 1.0, 0.0], np.float32)
    assert adapter.prior(q, agrees) == pytest.approx(-1.0 + 5.0 * 0.6)
    assert adapter.prior(q, elsewhere) == pytest.approx(-1.0)
    assert adapter.prior(q, None) == pytest.approx(-1.0)
    assert np.array_equal(prior_input(q, None), np.concatenate([q, np.zeros(4, np.float32)]))


def test_the_neighbour_share_weighs_the_closest_labelled_questions_most() -> None:
    """The share answerable among the nearest labelled questions: one very close question
    outweighs several far ones, and questions beyond the nearest NEIGHBOURS are not read."""
    labels = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    close = np.array([0.95, 0.80, 0.79, 0.78], np.float32)
    assert neighbour_share(close, labels, 0.05) > 0.85  # e^3 against three of about e^0
    assert neighbour_share(close, labels, 10.0) == pytest.approx(0.25, abs=0.01)
    assert neighbour_share(close, 1 - labels, 0.05) < 0.15
    far = np.concatenate([np.full(NEIGHBOURS, 0.9), np.full(50, 0.1)]).astype(np.float32)
    many = np.concatenate([np.zeros(NEIGHBOURS), np.ones(50)]).astype(np.float32)
    assert neighbour_share(far, many, 10.0) == 0.0


def _labelled_task() -> tuple[QueryAdapter, np.ndarray, np.ndarray]:
    """An adapter, 30 labelled questions and whether each was answerable (one in three)."""
    base = fit_adapter(*_task(1), strength=1e-3, epochs=5)
    return base, _task(4, n=30)[0], np.arange(30) % 3 == 0


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("CERN was founded in 1954.", "cern  was founded in 1954", True),
        ("CERN was founded in 1954.", "CERN was\nfounded in 1954!", True),
        ("CERN was founded in 1954.", "CERN was founded in 1955.", False),
        ("It has 25 member states.", "It has 23 member states.", False),
    ],
)
def test_a_sentence_keeps_its_key_through_case_whitespace_and_punctuation(
    a: str, b: str, same: bool
) -> None:
    assert (sentence_key(a) == sentence_key(b)) is same
    assert 0 <= sentence_key(a) < 2**64


def test_a_candidate_counts_by_how_close_the_questions_it_answered_are() -> None:
    """A sentence that answered the nearest labelled question scores near 1, one that answered
    a far one near 0, one that answered none 0; answering several near ones adds up."""
    similarity = np.array([0.95, 0.80, 0.79, 0.20], np.float32)
    answered_by = [frozenset({1}), frozenset({2}), frozenset({2}), frozenset({3})]
    near = Nearest.of(similarity, 0.05)
    assert near.weight.sum() == pytest.approx(1.0)
    got = near.evidence([1, 2, 3, 4], answered_by)
    assert got[0] > 0.9 and got[1] < 0.1 and got[2] < 1e-4 and got[3] == 0.0
    even = Nearest.of(similarity, 100.0).evidence([1, 2, 3, 4], answered_by)
    assert even == pytest.approx([0.25, 0.5, 0.25, 0.0], abs=0.01)
    # Beyond the k nearest, nothing is read.
    assert Nearest.of(similarity, 100.0, k=2).evidence([3], answered_by)[0] == 0.0


def test_the_sentences_that_answered_are_saved_as_keys_and_read_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base, questions, labels = _labelled_task()
    answered = [
        frozenset({sentence_key(f"sentence {i}"), 2**64 - 1 - i}) if lab else frozenset()
        for i, lab in enumerate(labels)
    ]
    base.with_neighbours(questions, labels, 0.05, answered).save(tmp_path / ADAPTER_FILE, MODEL)
    loaded = QueryAdapter.load(tmp_path, MODEL)
    assert loaded.answered_by == tuple(answered)  # keys survive, the top bit included
    q = questions[3]  # an answerable labelled question finds itself first
    keys = [sentence_key("sentence 3"), sentence_key("sentence 6"), sentence_key("other")]
    got = loaded.neighbour_evidence(q, keys)
    assert got is not None and got[0] > 0.5 and got[0] > got[1] and got[2] == 0.0
    assert loaded.neighbour_evidence(np.ones(4, np.float32), keys) is None  # another model's
    base.with_neighbours(questions, labels, 0.05).save(tmp_path / ADAPTER_FILE, MODEL)
    assert QueryAdapter.load(tmp_path, MODEL).neighbour_evidence(q, keys) is None
    # Keys for another number of questions than the file keeps are not read as these.
    base.with_neighbours(questions, labels, 0.05, answered[:-1]).save(
        tmp_path / ADAPTER_FILE, MODEL
    )
    with caplog.at_level(logging.WARNING):
        refused = QueryAdapter.load(tmp_path, MODEL)
    assert refused.answered_by is None and "other questions" in caplog.text
    assert refused.neighbour_share(q) is not None


def test_labelled_questions_are_saved_loaded_and_refused_when_they_do_not_fit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base, questions, labels = _labelled_task()
    base.with_neighbours(questions, labels, 0.05).save(tmp_path / ADAPTER_FILE, MODEL)
    loaded = QueryAdapter.load(tmp_path, MODEL)
    q = questions[3]  # a labelled answerable question finds itself first
    expected = neighbour_share(questions @ q, labels.astype(np.float32), 0.05)
    assert loaded.neighbour_share(q) == pytest.approx(expected, abs=1e-2)  # kept in float16
    assert loaded.neighbour_share(q) > 0.5
    assert loaded.neighbour_temperature == pytest.approx(0.05)
    assert loaded.neighbour_share(np.ones(4, np.float32)) is None  # another model's vector
    # None kept, or a matrix of another width: no share, never a made-up one.
    base.save(tmp_path / ADAPTER_FILE, MODEL)
    assert QueryAdapter.load(tmp_path, MODEL).neighbour_share(q) is None
    base.with_neighbours(questions[:, :8], labels, 0.05).save(tmp_path / ADAPTER_FILE, MODEL)
    with caplog.at_level(logging.WARNING):
        refused = QueryAdapter.load(tmp_path, MODEL)
    assert refused.neighbours is None and "wrong shape" in caplog.text
    assert refused.weights is not None


def test_a_prior_of_the_old_size_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file whose prior reads the question alone (fitted before the prior read its best
    sentence) is not read as this one: the pack answers without a prior until refitted."""
    base = fit_adapter(*_task(1), strength=1e-3, epochs=5)
    QueryAdapter(base.weights, base.meta, np.ones(16, np.float32), 0.0).save(
        tmp_path / ADAPTER_FILE, MODEL
    )
    with caplog.at_level(logging.WARNING):
        loaded = QueryAdapter.load(tmp_path, MODEL)
    assert loaded.prior_coef is None and "wrong size" in caplog.text
    assert loaded.weights is not None  # the adapter itself still moves questions


def test_no_adapter_a_broken_one_or_another_models_is_the_identity(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    q = _task(3)[0][0]
    assert QueryAdapter.load(tmp_path, MODEL).apply(q) is q  # a pack without one
    fit_adapter(*_task(1), strength=1e-3, epochs=5).save(tmp_path / ADAPTER_FILE, MODEL)
    with caplog.at_level(logging.WARNING):
        assert QueryAdapter.load(tmp_path, "another-model").weights is None
    assert "debatebot fit" in caplog.text
    (tmp_path / ADAPTER_FILE).write_bytes(b"not an npz file")
    with caplog.at_level(logging.WARNING):
        assert QueryAdapter.load(tmp_path, MODEL).weights is None
    assert "unreadable" in caplog.text
    # A vector of another size (another model's) passes through untouched.
    assert QueryAdapter(np.zeros((4, 4), np.float32)).apply(q) is q


def test_the_default_pack_ships_an_adapter_for_the_default_model() -> None:
    settings = Settings()
    adapter = QueryAdapter.load(ROOT / "corpus", settings.embedding.model)
    assert adapter.weights is not None and adapter.weights.shape == (384, 384)
    assert adapter.meta["command"] == "debatebot fit"
    unit = np.full(384, 384**-0.5, np.float32)
    assert adapter.prior_coef is not None and adapter.prior_coef.shape == (768,)
    assert adapter.prior(unit, unit) is not None
    assert adapter.neighbours is not None and adapter.neighbours.shape[1] == 384
    share = adapter.neighbour_share(unit)
    assert share is not None and 0.0 <= share <= 1.0
    assert adapter.answered_by is not None and len(adapter.answered_by) == len(adapter.neighbours)
    assert sum(bool(keys) for keys in adapter.answered_by) > len(adapter.answered_by) / 2


def test_answers_retrieve_with_the_adapted_vector() -> None:
    """The answering strategies search with the question as the pack's adapter moves it; the
    raw search (the fit's first pass) keeps the plain vector."""
    from dataclasses import replace

    from bot.answer.context import AnswerContext
    from bot.answer.model import ScoringModel
    from bot.answer.query import analyse
    from bot.corpus import Corpus
    from bot.lexicon import Lexicon
    from bot.retrieve.text import Rarity

    seen: list[np.ndarray] = []

    def search(query, k):
        seen.append(query.vector)
        return []

    weights = np.roll(np.eye(4, dtype=np.float32), 1, axis=0)  # moves each axis to the next
    ctx = AnswerContext(
        settings=Settings(),
        sources={},
        corpus=Corpus([], {}),
        lexicon=Lexicon(),
        debate=None,
        model=ScoringModel.neutral(),
        idf=Rarity.of({}),
        search=search,
        sentence_vectors=lambda ids: {},
        heading_vectors={},
        encode=lambda texts: np.zeros((len(texts), 4), dtype=np.float32),
        adapter=QueryAdapter(weights),
    )
    query = replace(analyse("How is it funded?"), vector=np.array([1, 0, 0, 0], np.float32))
    ctx.retrieve(query, 3)
    ctx.search(query, 3)
    assert np.allclose(seen[0], QueryAdapter(weights).apply(query.vector))
    assert not np.allclose(seen[0], query.vector) and seen[1] is query.vector


def test_search_returns_the_passages_answers_are_made_from(bot) -> None:
    """The brief, related reading and recall@5 see what answers retrieve: the question as the
    pack's adapter moves it, not its plain vector."""
    ctx = bot.context()
    assert ctx.adapter.weights is not None
    for question in ("How is CERN funded?", "Who proposed a CERN for AI first?"):
        query = bot.query(question)
        got = [p.chunk.id for p in bot.search(question, k=5)]
        assert got == [p.chunk.id for p in ctx.retrieve(query, 5)]
    follow = bot.search("and who pays for it?", k=5, context="What is CERN?")
    assert [p.chunk.id for p in follow] == [
        p.chunk.id
        for p in ctx.retrieve(bot.query("and who pays for it?", [("What is CERN?", "")]), 5)
    ]
