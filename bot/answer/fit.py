"""`debatebot fit`: fit the scoring model on the labelled evaluation sets, choosing every
setting by cross-validation across sets (train on all sets but one, score the one left out).

What is fitted, and written to bot/answer/weights.json with this command's record:
- the sentence model: whether a candidate sentence answers (logistic regression over FEATURES);
- the ranking model: which of a question's candidates answers (the same features learnt as a
  choice among them, then calibrated: bot/answer/ranker.py), which orders the evidence;
- the answerability model: whether any does (over ANSWERABLE_FEATURES, read off the sentence
  model's out-of-fold scores), and the threshold that balances answering and abstaining;
- the composition: how close a further sentence must score to be quoted after the first;
- the pack's query adapter, question prior and labelled neighbours (bot/answer/adapter.py),
  refitted inside every fold so that no figure is scored with an adapter, a prior or a
  neighbour that saw its set; candidates
  are retrieved through the fold's adapter, as answers retrieve through the shipped one. How
  far the adapter's training goes (its step size) is chosen like the models' settings.

The sealed set is never read here: it measures a change once at its start, once at its end.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.answer.adapter import (
    EVIDENCE_TEMPERATURE,
    Nearest,
    QueryAdapter,
    fit_adapter,
    neighbour_share,
    prior_input,
    sentence_key,
)
from bot.answer.compose import choose
from bot.answer.context import AnswerContext
from bot.answer.evidence import Evidence, candidates
from bot.answer.features import FEATURES, features
from bot.answer.model import (
    ANSWERABLE_FEATURES,
    NEIGHBOURS,
    PRIOR,
    Composition,
    Linear,
    ScoringModel,
    answerable_features,
)
from bot.answer.pipeline import STRATEGIES
from bot.answer.query import Query, Turn
from bot.answer.ranker import fit_ranker
from bot.citations import renumber
from bot.evaluate import SEALED_SET, EvalItem, is_evidence, load_set
from bot.models import Answer

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
# The ranking model chose the grid's smallest C in every fit since it came: its grid reaches
# further down (a choice among a question's candidates learns from few groups per feature; with
# the grid extended it chose 0.03 again).
RANKING_C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
# The adapter's L2 pull towards the identity (cross-validation chose the smallest of 1e-3,
# 1e-2 and 1e-1 in every fit), and the step sizes of its fixed number of training steps: the
# step size decides how far the adapter moves from the identity, so it is the one chosen.
ADAPTER_STRENGTH = 1e-3
ADAPTER_RATE_GRID = (1e-3, 4e-3, 8e-3)
ADAPTED = FEATURES.index("cos_adapted")
KNOWN = FEATURES.index("neighbour_evidence")
# A further sentence is quoted when it scores at least this share of the first (never under a
# fifth: a sentence that far behind does not add to the answer) ...
KEEP_RATIO_GRID = (0.2, 0.3, 0.5, 0.7, 0.85, 1.01)
# ... and at least this probability.
KEEP_FLOOR_GRID = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5)
# A fact answer quotes the sentence that answers and at most two more (lists keep their length):
# cross-validated on the same 2,402 rows, a third quote found the evidence for 1.1 % more
# answerable questions, the share of quotes that are evidence 1.2 points lower, the first the same.
MAX_QUOTES_GRID = (1, 2, 3)
PRIOR_C_GRID = (0.01, 0.1, 1.0, 3.0)
# How sharply a new question's nearest labelled questions are weighted by their closeness.
NEIGHBOUR_TEMPERATURE_GRID = (0.02, 0.05, 0.1)

MakeQuery = Callable[[str, list[Turn]], Query]


@dataclass
class Row:
    """One labelled question: its candidates' features, and which of them are evidence."""

    set: str
    item: EvalItem
    x: np.ndarray
    y: np.ndarray
    evidence: list[Evidence]  # the candidates, scores filled in later
    listing: bool  # the question asks for several things
    oof: np.ndarray = field(default_factory=lambda: np.zeros(0))  # out-of-fold ranking scores
    answerable_x: np.ndarray | None = None  # the answerability model's inputs, out of fold
    answerable: float = 0.0  # out-of-fold P(answerable)
    handled: Answer | None = None  # the answer of a strategy before the fitted engine
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the question's


FitSentences = Callable[[list[Row], float], Linear]  # rows, C -> a model over FEATURES


def _handled(query: Query, ctx: AnswerContext) -> Answer | None:
    """The answer of the strategies that run before the fitted engine, as the pipeline runs
    them: questions they take never reach the engine, so they are not fitted on."""
    for name in ctx.settings.answer.strategies:
        if name in ("extractive", "llm"):
            return None
        found = STRATEGIES[name](query, ctx)
        if found is not None:
            return found
    return None


def collect(
    sets: dict[str, Path],
    ctx: AnswerContext,
    make_query: MakeQuery,
    adapters: dict[str, QueryAdapter] | None = None,
) -> list[Row]:
    """Every question of the sets, analysed, retrieved and turned into labelled candidates.

    With `adapters` (set name -> the adapter fitted without that set), each set's questions
    retrieve as answers do, through an adapter, but one that never saw them; without, with the
    plain vector (the first pass, which those adapters are fitted on)."""
    rows: list[Row] = []
    for name, path in sets.items():
        if path.resolve() == SEALED_SET.resolve():
            raise ValueError("the sealed set judges a change at its start and end, never fitted on")
        for item in load_set(path):
            query = make_query(item.question, [(q, "") for q in item.history])
            handled = _handled(query, ctx)
            if handled is not None:
                rows.append(
                    Row(
                        name,
                        item,
                        np.zeros((0, len(FEATURES))),
                        np.zeros(0, bool),
                        [],
                        False,
                        handled=handled,
                    )
                )
                continue
            # Never the shipped adapter: it saw every set, and a set's figures must not rest on it.
            k = ctx.settings.answer.passages
            if adapters is None:
                passages = ctx.search(query, k)
            else:
                passages = ctx.retrieve(query, k, adapters[name].apply(query.vector))
            found = candidates(query, passages, ctx)
            x = features(query, found, ctx.heading_vectors, ctx.idf, ctx.lexicon)
            gold = [] if item.abstain else item.gold
            y = np.array([is_evidence(c.quote.text, gold) for c in found], dtype=bool)
            cos = x[:, FEATURES.index("cos")] if len(x) else []
            ev = [
                Evidence(c.quote, 0.0, float(s), c.rank, c.vector)
                for c, s in zip(found, cos, strict=True)
            ]
            rows.append(Row(name, item, x, y, ev, query.wants.listing, vector=query.vector))
    return rows


def _adapter(rows: list[Row], rate: float) -> QueryAdapter:
    """The query adapter fitted on the rows' answerable questions, with this step size."""
    used = [r for r in _engine(rows) if not r.item.abstain and r.y.any()]
    return fit_adapter(
        np.array([r.vector for r in used]),
        [np.array([e.vector for e in r.evidence]) for r in used],
        [r.y for r in used],
        ADAPTER_STRENGTH,
        rate=rate,
    )


def _adapt(rows: list[Row], adapter: QueryAdapter) -> None:
    """Set every row's cos_adapted column to what this adapter makes of its question."""
    for r in rows:
        if len(r.x):
            moved = adapter.apply(r.vector)
            r.x[:, ADAPTED] = np.array([e.vector for e in r.evidence]) @ moved


def _adapted_folds(
    rows: list[Row], adapters: dict[str, QueryAdapter]
) -> Iterator[tuple[list[Row], list[Row]]]:
    """The folds, each with cos_adapted set by the adapter fitted without its held-out set."""
    for name, (train, test) in zip(sorted(adapters), _folds(rows), strict=True):
        _adapt(rows, adapters[name])
        yield train, test


def _fit_linear(x: np.ndarray, y: np.ndarray, c: float, names: tuple[str, ...]) -> Linear:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return Linear(names, mean, scale, model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def _engine(rows: list[Row]) -> list[Row]:
    """The rows the fitted engine answers (the others a strategy before it took)."""
    return [r for r in rows if r.handled is None]


def _sentence_model(rows: list[Row], c: float) -> Linear:
    """Each candidate alone: does it answer? Fitted with neighbour_evidence held at zero, so it
    weighs nothing there: answerability reads this model, and a question the reading list does
    not answer, phrased like one it does, would borrow that one's answer as its own
    (cross-validated: abstention precision and recall fell by over a point each when it read it)."""
    used = [r for r in _engine(rows) if len(r.x)]
    x = np.vstack([r.x for r in used])
    x[:, KNOWN] = 0.0
    y = np.concatenate([r.y for r in used])
    return _fit_linear(x, y, c, FEATURES)


def _ranking_model(rows: list[Row], c: float) -> Linear:
    mean, scale, coef, intercept = fit_ranker([(r.x, r.y) for r in _engine(rows) if len(r.x)], c)
    f32 = np.float32
    return Linear(FEATURES, mean.astype(f32), scale.astype(f32), coef.astype(f32), intercept)


def _top1(rows: list[Row], probs: list[np.ndarray]) -> float:
    hits = [bool(len(p)) and bool(r.y[int(np.argmax(p))]) for r, p in zip(rows, probs, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


def _folds(rows: list[Row]) -> list[tuple[list[Row], list[Row]]]:
    names = sorted({r.set for r in rows})
    return [([r for r in rows if r.set != n], [r for r in rows if r.set == n]) for n in names]


def _top1_cv(
    rows: list[Row],
    adapters: dict[str, QueryAdapter],
    c: float,
    fit: FitSentences = _sentence_model,
) -> float:
    """Mean over held-out sets of how often the best-scored candidate is evidence."""
    scores = []
    for train, test in _adapted_folds(rows, adapters):
        model = fit(train, c)
        answerable = [r for r in _engine(test) if not r.item.abstain]
        scores.append(_top1(answerable, [model.prob(r.x) for r in answerable]))
    return float(np.mean(scores))


def _choose_sentence_settings(
    rows: list[Row],
) -> tuple[float, float, dict[str, QueryAdapter]]:
    """The adapter's step size and the sentence model's regularisation with the best mean top-1
    on the held-out sets, and the adapters fitted without each set at that step size."""
    names = sorted({r.set for r in rows})
    best: tuple[float, float, float, dict[str, QueryAdapter]] | None = None
    for rate in ADAPTER_RATE_GRID:
        adapters = {n: _adapter([r for r in rows if r.set != n], rate) for n in names}
        for c in C_GRID:
            score = _top1_cv(rows, adapters, c)
            if best is None or score > best[0]:
                best = (score, rate, c, adapters)
    assert best is not None
    return best[1], best[2], best[3]


def _answerable_model(rows: list[Row], c: float) -> Linear:
    used = [(r, r.answerable_x) for r in _engine(rows)]
    used = [(r, x) for r, x in used if x is not None]
    x = np.vstack([x for _, x in used])
    y = np.array([not r.item.abstain for r, _ in used])
    return _fit_linear(x, y, c, ANSWERABLE_FEATURES)


def _best_vector(row: Row) -> np.ndarray | None:
    """The vector of the candidate the answer would quote first (by its out-of-fold ranking)."""
    return row.evidence[int(np.argmax(row.oof))].vector if len(row.oof) else None


def _prior_input(row: Row) -> np.ndarray:
    return prior_input(row.vector, _best_vector(row))


def _prior(rows: list[Row], c: float) -> tuple[np.ndarray, float]:
    """The question prior fitted on the rows the engine answers: logistic regression on
    `prior_input` (the question and its best candidate), folded back to a plain dot product
    (coefficients, intercept)."""
    used = _engine(rows)
    x = np.array([_prior_input(r) for r in used])
    y = np.array([not r.item.abstain for r in used])
    lin = _fit_linear(x, y, c, tuple(f"q{i}" for i in range(x.shape[1])))
    coef = lin.coef / lin.scale
    return coef.astype(np.float32), float(lin.intercept - float((lin.mean / lin.scale) @ lin.coef))


def _prior_oof(rows: list[Row], c: float) -> None:
    """Set every row's out-of-fold question prior, and the answerability input that reads it."""
    for train, test in _folds(rows):
        adapter = QueryAdapter(None, {}, *_prior(train, c))
        for r in _engine(test):
            if r.answerable_x is not None:
                prior = adapter.prior(r.vector, _best_vector(r))
                r.answerable_x[PRIOR] = np.nan if prior is None else prior


def _labelled(rows: list[Row]) -> tuple[list[Row], np.ndarray, np.ndarray]:
    """The questions the engine answers, their vectors and whether each was answerable."""
    used = _engine(rows)
    vectors = np.array([r.vector for r in used])
    return used, vectors, np.array([not r.item.abstain for r in used], dtype=np.float32)


Neighbours = list[tuple[Row, np.ndarray, np.ndarray]]  # a row, its similarities, their labels


def _across_sets(
    used: list[Row], vectors: np.ndarray
) -> Iterator[tuple[Row, np.ndarray, np.ndarray]]:
    """Each labelled question with the indices of the other sets' questions and its similarity
    to them: what it may read, as a new question reads the pack's, which never hold it."""
    similarity = vectors @ vectors.T
    sets = np.array([r.set for r in used])
    for i, r in enumerate(used):
        other = np.flatnonzero(sets != r.set)
        yield r, other, similarity[i, other]


def _neighbour_inputs(rows: list[Row]) -> Neighbours:
    """Each row's similarity to the labelled questions of the other sets, and their labels:
    computed once, since only the temperature that weighs them is chosen."""
    used, vectors, answerable = _labelled(rows)
    return [
        (r, similarity, answerable[other])
        for r, other, similarity in _across_sets(used, vectors)
        if r.answerable_x is not None
    ]


def _neighbours_oof(inputs: Neighbours, temperature: float) -> None:
    """Set every row's neighbour share, read from the labelled questions of the other sets."""
    for r, similarity, answerable in inputs:
        assert r.answerable_x is not None
        r.answerable_x[NEIGHBOURS] = neighbour_share(similarity, answerable, temperature)


def _answered_by(row: Row) -> frozenset[int]:
    """The keys of the row's candidates that answer it (none for an unanswerable question)."""
    pairs = zip(row.evidence, row.y, strict=True)
    return frozenset(sentence_key(e.quote.text) for e, y in pairs if y)


def _neighbour_evidence_oof(rows: list[Row]) -> None:
    """Set every candidate's neighbour_evidence: how much it answered the nearest labelled
    questions of the other sets (as a new question reads the pack's, which never hold it)."""
    used, vectors, _ = _labelled(rows)
    answered = [_answered_by(r) for r in used]
    for r, other, similarity in _across_sets(used, vectors):
        if len(r.x):
            near = Nearest.of(similarity, EVIDENCE_TEMPERATURE)
            keys = [sentence_key(e.quote.text) for e in r.evidence]
            r.x[:, KNOWN] = Nearest(other[near.index], near.weight).evidence(keys, answered)


def _with_neighbours(adapter: QueryAdapter, rows: list[Row], temperature: float) -> QueryAdapter:
    """The adapter carrying every question the engine answers, as a vector, a label and the
    sentences that answered it."""
    used, vectors, answerable = _labelled(rows)
    return adapter.with_neighbours(
        vectors, answerable, temperature, [_answered_by(r) for r in used]
    )


def _answerable_oof(rows: list[Row], c: float) -> None:
    """Set every row's out-of-fold P(answerable), from a model fitted without its set."""
    for train, test in _folds(rows):
        model = _answerable_model(train, c)
        for r in test:
            ax = r.answerable_x
            r.answerable = float(model.prob(ax[None, :])[0]) if ax is not None else 0.0


def _balanced_accuracy(rows: list[Row], threshold: float) -> float:
    rows = _engine(rows)
    answered = [r.answerable >= threshold for r in rows]
    pos = [a for a, r in zip(answered, rows, strict=True) if not r.item.abstain]
    neg = [not a for a, r in zip(answered, rows, strict=True) if r.item.abstain]
    return (float(np.mean(pos)) + float(np.mean(neg))) / 2 if pos and neg else 0.0


def _scored(row: Row) -> list[Evidence]:
    ev = [
        Evidence(e.quote, float(p), e.cos, e.rank, e.vector)
        for e, p in zip(row.evidence, row.oof, strict=True)
    ]
    return sorted(ev, key=lambda e: -e.score)


def replay(row: Row, comp: Composition, ctx: AnswerContext, threshold: float) -> dict[str, float]:
    """What the pipeline's answer to this question would score, given the engine's scores."""
    if row.handled is not None:
        return _judged(row.handled, row.item)
    if row.answerable < threshold or not len(row.oof):
        return _marks(None)
    quoted = [
        q for part in choose(_scored(row), comp, ctx.corpus, row.listing) for q in part.quotes
    ]
    return _marks([is_evidence(q.text, row.item.gold) for q in quoted])


def _judged(answer: Answer, item: EvalItem) -> dict[str, float]:
    """A strategy's answer judged as `debatebot eval` judges it: its citations in the order the
    reader meets them (a template may print its lead sentence first but cite it last)."""
    if answer.abstained:
        return _marks(None)
    _, cited = renumber(answer.answer, answer.citations)
    return _marks([is_evidence(c.quote, item.gold) for c in cited])


def _marks(good: list[bool] | None) -> dict[str, float]:
    """One answer's marks from whether each quote, in order, is evidence (None: abstained)."""
    if good is None:
        return {"abstained": 1.0, "hit": 0.0, "first": 0.0, "share": float("nan")}
    return {
        "abstained": 0.0,
        "hit": float(any(good)),
        "first": float(bool(good) and good[0]),
        "share": float(np.mean(good)) if good else float("nan"),
    }


Marks = dict[int, dict[str, float]]  # id(row) -> its answer's marks, were it answered


def replayed(rows: list[Row], comp: Composition, ctx: AnswerContext) -> Marks:
    """Every row's answer as composed with `comp`, before the threshold decides which of the
    engine's answers are declined (the composition and the threshold are chosen together, so
    each composition is replayed once and every threshold read off it)."""
    return {id(r): replay(r, comp, ctx, -1.0) for r in rows}


def figures(rows: list[Row], marks: Marks, threshold: float) -> dict:
    """Evidence hit, first citation, evidence share and abstention P/R over the rows, the
    engine declining where P(answerable) is under `threshold`."""
    declined = _marks(None)

    def mark(r: Row) -> dict[str, float]:
        engine_declines = r.handled is None and r.answerable < threshold
        return declined if engine_declines else marks[id(r)]

    ans = [mark(r) for r in rows if not r.item.abstain]
    out = [mark(r) for r in rows if r.item.abstain]
    tp = sum(a["abstained"] for a in out)
    fp = sum(a["abstained"] for a in ans)
    shares = [a["share"] for a in ans if not np.isnan(a["share"])]
    return {
        "n": len(rows),
        "evidence_hit": round(float(np.mean([a["hit"] for a in ans])), 3) if ans else 0.0,
        "first_citation_evidence": round(float(np.mean([a["first"] for a in ans])), 3)
        if ans
        else 0.0,
        "evidence_share": round(float(np.mean(shares)), 3) if shares else 0.0,
        "abstention_precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "abstention_recall": round(tp / len(out), 3) if out else 1.0,
    }


def summary(rows: list[Row], comp: Composition, ctx: AnswerContext, threshold: float) -> dict:
    """The figures of the rows' answers, composed with `comp` at `threshold`."""
    return figures(rows, replayed(rows, comp, ctx), threshold)


# The figures answers are judged by, and the level each should reach.
TARGETS: dict[str, float] = {
    "evidence_hit": 0.85,
    "first_citation_evidence": 0.70,
    "evidence_share": 0.60,
    "abstention_precision": 0.85,
    "abstention_recall": 0.85,
}
JUDGED_BY = tuple(TARGETS)


def objective(figures: dict) -> tuple[float, ...]:
    """Each figure as a share of its target, worst first, compared in that order: the worst
    decides, so no figure is traded away for the others (a plain mean answered nearly
    everything, leaving abstention far behind); on a tie the next worst does. The worst figure
    is often abstention, which the composition does not move, and the tie then goes to the
    composition with the most room on the answers' own figures rather than to grid order."""
    return tuple(sorted(figures[k] / v for k, v in TARGETS.items()))


def fit_model(
    sets: dict[str, Path], ctx: AnswerContext, make_query: MakeQuery, command: str
) -> tuple[ScoringModel, QueryAdapter, dict]:
    """Fit the whole scoring model and the pack's query adapter; returns them and the
    cross-validated figures per set."""
    rows = collect(sets, ctx, make_query)
    _neighbour_evidence_oof(rows)
    if sum(bool(r.y.any()) for r in rows) < 2 * len(sets):
        raise ValueError(
            "the labelled sets' evidence is not in this pack's index: they are about another "
            "reading list (fit with the pack they were written for)"
        )
    # Answers retrieve through the adapter, so the models are fitted on candidates retrieved
    # that way: a second pass, each set through the adapter fitted without it.
    _, _, adapters = _choose_sentence_settings(rows)
    rows = collect(sets, ctx, make_query, adapters)
    _neighbour_evidence_oof(rows)
    rate, c, adapters = _choose_sentence_settings(rows)
    ranking_c = max(RANKING_C_GRID, key=lambda rc: _top1_cv(rows, adapters, rc, _ranking_model))
    for train, test in _adapted_folds(rows, adapters):
        model, ranking = _sentence_model(train, c), _ranking_model(train, ranking_c)
        for r in test:
            r.oof = ranking.prob(r.x) if len(r.x) else np.zeros(0)
            # Read off out-of-fold scores and adapted cosines, as a new question sees them.
            probs = model.prob(r.x) if len(r.x) else np.zeros(0)
            r.answerable_x = answerable_features(r.x, probs)
    c2_best, c2, prior_c, tau = -1.0, C_GRID[0], PRIOR_C_GRID[0], NEIGHBOUR_TEMPERATURE_GRID[0]
    thresholds = np.linspace(0.1, 0.9, 33)
    neighbours = _neighbour_inputs(rows)
    for pc in PRIOR_C_GRID:
        _prior_oof(rows, pc)  # once per prior C: it does not depend on the answerability C
        for temperature in NEIGHBOUR_TEMPERATURE_GRID:
            _neighbours_oof(neighbours, temperature)
            for cand in C_GRID:
                _answerable_oof(rows, cand)
                score = max(_balanced_accuracy(rows, t) for t in thresholds)
                if score > c2_best:
                    c2_best, c2, prior_c, tau = score, cand, pc, temperature
    _prior_oof(rows, prior_c)
    _neighbours_oof(neighbours, tau)
    _answerable_oof(rows, c2)
    # The threshold and the composition together, by `objective` (`max` keeps the first best).
    comps = [
        Composition(ratio, floor, most)
        for ratio, floor, most in itertools.product(
            KEEP_RATIO_GRID, KEEP_FLOOR_GRID, MAX_QUOTES_GRID
        )
    ]
    scores = {}
    for comp in comps:
        marks = replayed(rows, comp, ctx)
        for t in thresholds[::2]:
            scores[float(t), comp] = objective(figures(rows, marks, float(t)))
    threshold, comp = max(
        ((float(t), c) for t in thresholds[::2] for c in comps), key=scores.__getitem__
    )
    per_set = {
        name: summary([r for r in rows if r.set == name], comp, ctx, threshold)
        for name in sorted({r.set for r in rows})
    }
    per_set["all"] = summary(rows, comp, ctx, threshold)
    adapter = _adapter(rows, rate)
    _adapt(rows, adapter)
    model = ScoringModel(
        sentence=_sentence_model(rows, c),
        ranking=_ranking_model(rows, ranking_c),
        answerable=_answerable_model(rows, c2),
        answer_threshold=threshold,
        composition=comp,
        meta={
            "command": command,
            "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sets": {name: len([r for r in rows if r.set == name]) for name in sets},
            "sentence_c": c,
            "ranking_c": ranking_c,
            "answerable_c": c2,
            "prior_c": prior_c,
            "neighbour_temperature": tau,
            "adapter_rate": rate,
            "cross_validated": per_set,
        },
    )
    stamp = {k: model.meta[k] for k in ("command", "fitted_at")}
    meta = {**adapter.meta, **stamp, "prior_c": prior_c, "neighbour_temperature": tau}
    shipped = QueryAdapter(adapter.weights, meta, *_prior(rows, prior_c))
    return model, _with_neighbours(shipped, rows, tau), per_set
