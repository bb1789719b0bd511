"""Scoring on its own, no index: names and aliases, the pack's words, the features, the fitted
model's file, and how an answer is composed from scored sentences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.answer.compose import choose, lead_of, render_parts
from bot.answer.evidence import Evidence
from bot.answer.features import FEATURES, FRAGMENT, Candidate, features
from bot.answer.model import (
    ANSWERABLE_FEATURES,
    WEIGHTS_FILE,
    Composition,
    Linear,
    ModelFileError,
    ScoringModel,
    answerable_features,
    load_model,
)
from bot.answer.names import coverage, mentions
from bot.answer.query import analyse
from bot.citations import CitationList
from bot.corpus import Corpus, section_path
from bot.evaluate import HELD_OUT_SETS, SEALED_SET
from bot.lexicon import Lexicon
from bot.models import Chunk, Quote
from bot.retrieve.text import Rarity, fold

LEXICON = Lexicon(
    topic=["CERN for AI"],
    aliases=[["US", "United States", "American"], ["EU", "European"]],
    not_answers=["The first section", "Dark grey backgrounds"],
    notices=["Join the discussion"],
)


@pytest.mark.parametrize(
    ("name", "context", "found"),
    [
        ("US", "The United States, China, and Russia are not members.", True),
        ("American", "closer to the US National AI Research Resource", True),
        ("US", "To explore these questions, join us on Thursday.", False),
        ("EU", "European Commission President Ursula von der Leyen", True),
        ("LHC", "the world’s biggest particle accelerator, the Large Hadron Collider", True),
        ("LHC", "a large collider", False),
        ("AI-for-Good", "private sector neglect of AI for Good and AI safety", True),
        ("AI-for-Good", "AI is good for research", False),
    ],
)
def test_names_match_by_the_packs_aliases_and_acronyms_only_in_capitals(name, context, found):
    text = context.replace("’", "'")
    assert mentions(name, text, fold(text), LEXICON) is found


def test_aliases_are_the_packs_not_the_codes() -> None:
    text = "closer to the US National AI Research Resource"
    assert not mentions("American", text, fold(text), Lexicon())


def test_a_common_name_missing_costs_less_than_a_rare_one() -> None:
    idf = Rarity.of({"cern": 0.1, "nairr": 3.0})
    groups = (("CERN",), ("NAIRR",))
    assert coverage(groups, "the NAIRR in the US", idf, LEXICON) > 0.9
    assert coverage(groups, "CERN in Geneva", idf, LEXICON) < 0.1


@pytest.mark.parametrize(
    ("sentence", "not_answer"),
    [
        ("The first section offers context on the structure.", True),
        ("Finally, the first section is short.", True),
        ("Dark grey backgrounds indicate similarity.", True),
        ("CERN’s annual budget is about 1.4 billion CHF.", False),
    ],
)
def test_the_packs_marks_find_the_sentences_that_steer_the_reader(sentence, not_answer) -> None:
    assert LEXICON.is_not_answer(sentence) is not_answer
    assert not Lexicon().is_not_answer(sentence)


def _chunk(cid: str, texts: list[str], kind: str = "paragraph", start: int = 0, path=("A",)):
    text, spans, pos = "", [], 0
    for t in texts:
        spans.append((pos, pos + len(t)))
        text += t + " "
        pos += len(t) + 1
    return Chunk(
        id=cid,
        source_id="s",
        text=text.strip(),
        start=start,
        end=start + len(text),
        heading_path=list(path),
        url="https://example.org/",
        block_kind=kind,
        sentences=spans,
        sentence_urls=["https://example.org/"] * len(spans),
    )


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_features_read_the_figure_the_names_and_the_reading_order() -> None:
    para = _chunk("p", ["CERN was founded in 1954.", "It has many users."])
    notice = _chunk("n", ["Join us on July 10."], start=100, path=("Join the discussion",))
    q = analyse("When was CERN founded?")
    q = q.__class__(**{**q.__dict__, "vector": _unit(1, 0, 0)})
    cands = [
        Candidate(Quote(para, 0), _unit(1, 0.1, 0), 0, 1.0, "Title"),
        Candidate(Quote(para, 1), _unit(0, 1, 0), 0, 1.0, "Title"),
        Candidate(Quote(notice, 0), _unit(0.5, 0.5, 0), 1, 0.5, "Title"),
    ]
    x = features(q, cands, {}, Rarity.of({"cern": 0.1, "found": 2.0}), LEXICON)
    col = {f: i for i, f in enumerate(FEATURES)}
    assert x.shape == (3, len(FEATURES))
    assert x[0, col["figure_missing"]] == 0 and x[1, col["figure_missing"]] == 1
    assert x[0, col["cos_gap"]] == 0 and x[1, col["cos_gap"]] < 0
    assert x[1, col["dangling"]] == 1 and x[0, col["dangling"]] == 0
    assert x[0, col["names_missing_around"]] == 0


def _ev(quote: Quote, score: float, vec: np.ndarray) -> Evidence:
    return Evidence(quote, score, float(vec[0]), 0, vec)


COMP = Composition(keep_ratio=0.5, keep_floor=0.2, max_quotes=3)


def test_the_answering_sentence_comes_first_then_only_what_adds() -> None:
    para = _chunk("p", ["Budget is 1.4 billion.", "Founded in 1954.", "Budget is 1.4 billion!"])
    corpus = Corpus([para], {})
    best = _ev(Quote(para, 1), 0.9, _unit(1, 0, 0))
    close = _ev(Quote(para, 0), 0.6, _unit(0, 1, 0))
    same = _ev(Quote(para, 2), 0.55, _unit(0, 1, 0.01))  # says what `close` says
    weak = _ev(Quote(para, 0), 0.1, _unit(0, 0, 1))
    parts = choose([best, close, same, weak], COMP, corpus)
    assert [p.quote.index for p in parts] == [1, 0]
    only = choose([best, close], Composition(0.9, 0.2, 3), corpus)
    assert [p.quote.index for p in only] == [1], "a sentence far below the first is not quoted"


def test_a_sentence_leaning_on_the_one_before_brings_it_as_context() -> None:
    para = _chunk("p", ["Open source helps and harms.", "This tension is sharp for big models."])
    parts = choose([_ev(Quote(para, 1), 0.9, _unit(1, 0))], COMP, Corpus([para], {}))
    assert [(p.kind, p.quote.index) for p in parts] == [("sentence", 1), ("context", 0)]
    text = render_parts(parts, CitationList({}))
    lead, context = text.split("\n\n")
    assert lead.startswith("“This tension"), "the answering sentence opens the answer"
    assert "before it" in context and "“Open source helps and harms.”" in context


def test_a_list_answers_a_question_asking_for_several_things_only() -> None:
    intro = _chunk("i", ["The mission is as follows:"])
    items = _chunk("l", ["do research.", "train people."], kind="list", start=50)
    corpus = Corpus([intro, items], {})
    item = _ev(Quote(items, 1), 0.9, _unit(1, 0))
    assert [p.kind for p in choose([item], COMP, corpus, listing=True)] == ["list"]
    assert [p.kind for p in choose([item], COMP, corpus, listing=False)] == ["sentence"]
    lead_in = _ev(Quote(intro, 0), 0.9, _unit(1, 0))
    parts = choose([lead_in], COMP, corpus)
    assert parts[0].kind == "list" and [q.text for q in parts[0].quotes] == [
        "do research.",
        "train people.",
    ]


@pytest.mark.parametrize(
    ("listing", "opens"),
    [
        (False, ("sentence", "The lab trains engineers.")),  # the item alone is a fragment
        (True, ("list", "do research.")),  # the item brings its list, which stands alone
    ],
)
def test_a_fragment_never_opens_an_answer(listing: bool, opens: tuple[str, str]) -> None:
    intro = _chunk("i", ["The mission is as follows:"])
    items = _chunk("l", ["do research.", "train people."], kind="list", start=50)
    para = _chunk("p", ["The lab trains engineers."], start=100)
    corpus = Corpus([intro, items, para], {})
    fragment = _ev(Quote(items, 1), 0.9, _unit(1, 0))
    whole = _ev(Quote(para, 0), 0.6, _unit(0, 1))
    assert lead_of([fragment, whole], corpus, listing) is (whole if not listing else fragment)
    parts = choose([fragment, whole], COMP, corpus, listing)
    assert (parts[0].kind, parts[0].quotes[0].text) == opens
    # The fragment still counts as evidence: it follows the sentence that opens.
    assert any(q.text == "train people." for p in parts for q in p.quotes)
    # With nothing that stands alone, the best candidate opens all the same.
    assert lead_of([fragment], corpus, False) is fragment and lead_of([], corpus) is None


def test_the_shipped_model_fits_this_codes_features() -> None:
    model = load_model()
    assert model.sentence.names == model.ranking.names == FEATURES
    assert model.answerable.names == ANSWERABLE_FEATURES
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["meta"]["command"] == "debatebot fit"
    assert SEALED_SET.stem not in data["meta"]["sets"], "the sealed set is never fitted on"
    assert 0 < model.answer_threshold < 1 and model.composition.max_quotes >= 1


# The way each answerability input must push: a refit that turns one round has learned how the
# labelled sets were written, not what makes a question answerable.
ANSWERABLE_DIRECTION = {
    "top_prob": 1,
    "prob_mass": 1,
    "top_names_missing": -1,
    "top_figure_missing": -1,
    "top_cos_adapted": 1,
    "question_prior": 1,
    "neighbours_answerable": 1,
}


def test_the_shipped_answerability_weights_point_the_way_their_inputs_mean() -> None:
    model = load_model()
    assert set(ANSWERABLE_DIRECTION) == set(ANSWERABLE_FEATURES)
    for name, coef in zip(model.answerable.names, model.answerable.coef, strict=True):
        assert np.sign(coef) == ANSWERABLE_DIRECTION[name], (name, coef)


def test_answerability_reads_the_best_candidate_and_the_models_confidence() -> None:
    col = {f: i for i, f in enumerate(FEATURES)}
    x = np.zeros((3, len(FEATURES)), dtype=np.float32)
    x[1, col["section_cos"]], x[1, col["names_missing_around"]] = 0.4, 0.5
    x[:, col["cos_adapted"]] = 0.7, 0.55, 0.6  # the best sentence, not the closest, is read
    x[2, col["figure_missing"]] = 1.0
    read = answerable_features(x, np.array([0.1, 0.6, 0.2]), prior=-1.5, neighbours=0.3)
    assert read is not None
    got = dict(zip(ANSWERABLE_FEATURES, read, strict=True))
    assert got == pytest.approx(
        {
            "top_prob": 0.6,
            "prob_mass": 0.9,
            "top_names_missing": 0.5,
            "top_figure_missing": 0.0,
            "top_cos_adapted": 0.55,
            "question_prior": -1.5,
            "neighbours_answerable": 0.3,
        }
    )
    assert answerable_features(x[:0], np.zeros(0)) is None
    model = load_model()
    sure, unsure = (
        answerable_features(x, np.array(p)) for p in ([0.1, 0.9, 0.6], [0.01, 0.02, 0.0])
    )
    assert model.answerable_prob(sure) > model.answerable_prob(unsure)


@pytest.mark.parametrize("name", ["question_prior", "neighbours_answerable"])
def test_a_pack_without_a_question_prior_or_neighbours_is_read_at_the_fits_mean(
    name: str,
) -> None:
    """No prior or labelled questions (a second pack, another embedding model) weigh nothing:
    the input is read as its mean in the fit, and a likelier value only ever raises
    P(answerable)."""
    model = load_model()
    col = ANSWERABLE_FEATURES.index(name)
    key = {"question_prior": "prior", "neighbours_answerable": "neighbours"}[name]
    x = np.zeros((2, len(FEATURES)), dtype=np.float32)
    probs = np.array([0.3, 0.5])
    absent = answerable_features(x, probs)
    assert absent is not None and np.isnan(absent[col])
    mean = float(model.answerable.mean[col])
    at_mean = answerable_features(x, probs, **{key: mean})
    assert model.answerable_prob(absent) == pytest.approx(model.answerable_prob(at_mean))
    step = 2.0 if name == "question_prior" else 0.3
    low, high = (answerable_features(x, probs, **{key: mean + d}) for d in (-step, step))
    assert model.answerable_prob(low) < model.answerable_prob(absent) < model.answerable_prob(high)


def test_a_sentence_that_answered_the_nearest_labelled_questions_ranks_higher() -> None:
    """The shipped ranking model reads neighbour_evidence the way it means: a candidate that
    answered questions phrased like this one ranks higher; a pack without labelled questions
    (NaN) reads it at the fit's mean, between none and some. The sentence model, which
    answerability reads, weighs it not at all (bot/answer/fit.py `_sentence_model`)."""
    model = load_model()
    col = FEATURES.index("neighbour_evidence")
    assert model.ranking.coef[col] > 0
    assert model.sentence.coef[col] == 0.0
    x = np.tile(model.ranking.mean, (3, 1)).astype(np.float32)
    x[:, col] = 0.0, np.nan, 1.0
    low, absent, high = model.ranking.prob(x)
    assert low < absent < high
    assert absent == pytest.approx(float(model.ranking.prob(model.ranking.mean[None, :])[0]))
    assert len(set(model.sentence.prob(x))) == 1


def test_text_before_any_heading_sits_under_its_documents_title() -> None:
    intro = _chunk("i", ["An opening line."], path=())
    body = _chunk("b", ["A later line."], start=50, path=("Section", "Part"))
    assert section_path(intro, "The Post") == ("The Post",)
    assert section_path(body, "The Post") == ("Section", "Part")
    q = analyse("What does the post open with?")
    q = q.__class__(**{**q.__dict__, "vector": _unit(1, 0, 0)})
    heads = {("The Post",): _unit(1, 0, 0), ("Section", "Part"): _unit(0, 1, 0)}
    cands = [
        Candidate(Quote(intro, 0), _unit(1, 0, 0), 0, 1.0, "The Post"),
        Candidate(Quote(body, 0), _unit(1, 0, 0), 1, 1.0, "The Post"),
    ]
    x = features(q, cands, heads, Rarity.of({}), LEXICON)
    col = FEATURES.index("section_cos")
    assert x[0, col] == pytest.approx(1.0) and x[1, col] == pytest.approx(0.0)


def test_the_fit_refuses_the_sealed_set() -> None:
    from bot.answer.fit import collect

    assert SEALED_SET not in HELD_OUT_SETS
    with pytest.raises(ValueError, match="sealed"):
        collect({"sealed": SEALED_SET}, None, None)  # type: ignore[arg-type]


def test_a_model_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    data["sentence"]["features"] = [*data["sentence"]["features"][:-1], "something_else"]
    stale = tmp_path / "weights.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelFileError, match="debatebot fit"):
        load_model(stale)
    del data["ranking"]  # a file from before the ranking model
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelFileError, match="no ranking model"):
        load_model(stale)
    neutral = ScoringModel.neutral()
    assert neutral.sentence_probs(np.zeros((2, len(FEATURES)), dtype=np.float32)).shape == (2,)


def _context(chunks: list[Chunk]):
    """An answering context over these chunks alone: every sentence has the same vector, and
    nothing is searched or encoded (what `candidates` reads, without an index)."""
    from bot.answer.context import AnswerContext
    from bot.index.records import sentence_ids
    from bot.settings import Settings

    return AnswerContext(
        settings=Settings(),
        sources={},
        corpus=Corpus(chunks, {}),
        lexicon=LEXICON,
        debate=None,
        model=ScoringModel.neutral(),
        idf=Rarity.of({}),
        search=lambda query, k: [],
        sentence_vectors=lambda ids: {
            sid: _unit(1, 0) for c in chunks if c.id in ids for sid in sentence_ids(c)
        },
        heading_vectors={},
        encode=lambda texts: np.zeros((len(texts), 2), dtype=np.float32),
    )


def test_an_event_notice_is_a_candidate_only_for_questions_about_the_event() -> None:
    from bot.answer.evidence import candidates
    from bot.models import Passage

    para = _chunk("p", ["CERN was founded in 1954."])
    notice = _chunk(
        "n", ["Join us on July 10 in Geneva."], start=100, path=("Join the discussion",)
    )
    ctx = _context([para, notice])
    passages = [Passage(chunk=para, score=1.0), Passage(chunk=notice, score=0.9)]
    plain = candidates(analyse("When was CERN founded?"), passages, ctx)
    event = candidates(analyse("When is the debate, and where do I register?"), passages, ctx)
    assert [c.quote.chunk.id for c in plain] == ["p"]
    assert [c.quote.chunk.id for c in event] == ["p", "n"]


def test_a_heading_that_poses_a_question_is_a_candidate_when_a_question_is_asked_for() -> None:
    from bot.answer.evidence import candidates
    from bot.models import Passage

    path = ("Open questions", "b) Should the lab be one hub or a network?")
    head = _chunk("h", [path[1]], kind="heading", path=path)
    label = _chunk("l", ["Funding"], kind="heading", start=200, path=("Funding",))
    body = _chunk("b", ["A hub pools talent.", "A network spreads risk."], start=100, path=path)
    funding = _chunk("f", ["Members pay by GDP."], start=300, path=("Funding",))
    ctx = _context([head, body, label, funding])
    passages = [Passage(chunk=body, score=1.0), Passage(chunk=funding, score=0.8)]
    asked = analyse("Which discussion question is about hub versus network?")
    other = candidates(analyse("Should the lab be one hub or a network?"), passages, ctx)
    posed = candidates(asked, passages, ctx)
    # A heading that is a label is never quoted; one that poses a question is, before its section.
    assert [c.quote.chunk.id for c in other] == ["b", "b", "f"]
    assert [c.quote.chunk.id for c in posed] == ["h", "b", "b", "f"]
    q = asked.__class__(**{**asked.__dict__, "vector": _unit(1, 0)})
    x = features(q, posed, {}, Rarity.of({}), LEXICON)
    assert list(x[:, FEATURES.index("question_fit")]) == [1, 0, 0, 0]
    # Its enumerator does not make it a fragment: it may open the answer.
    ranked = [_ev(posed[0].quote, 0.9, _unit(1, 0)), _ev(posed[1].quote, 0.6, _unit(0, 1))]
    assert lead_of(ranked, ctx.corpus) is ranked[0]
    assert not FRAGMENT.match(head.text) and FRAGMENT.match("do research.")


def test_headings_are_candidates_when_the_documents_parts_are_asked_for() -> None:
    from bot.answer.evidence import candidates
    from bot.models import Passage

    top = ("Proposals",)
    academic, safety = (*top, "a) Academic labs"), (*top, "b) Safety labs")
    chunks = [
        _chunk("intro", ["This note has two parts."], start=0, path=()),
        _chunk("H", [top[0]], kind="heading", start=10, path=top),
        _chunk("p", ["They fall into two camps."], start=20, path=top),
        _chunk("ha", [academic[1]], kind="heading", start=30, path=academic),
        _chunk("x", ["CLAIRE calls for public funding."], start=40, path=academic),
        _chunk("hb", [safety[1]], kind="heading", start=50, path=safety),
        _chunk("y", ["An institute tests models."], start=60, path=safety),
        _chunk(
            "J", ["Join the discussion"], kind="heading", start=70, path=("Join the discussion",)
        ),
    ]
    ctx = _context(chunks)
    by_id = {c.id: c for c in chunks}
    passages = [Passage(chunk=by_id[i], score=1.0 - r / 10) for r, i in enumerate("pxy")]

    def ids(question: str, ps=passages) -> list[str]:
        return [c.quote.chunk.id for c in candidates(analyse(question), ps, ctx)]

    # Asked about the subject, headings stay labels.
    assert ids("What does CLAIRE call for?") == ["p", "x", "y"]
    # Asked for the groups: the section's heading and the parts under it, once each, first.
    assert ids("Which groups are the proposals sorted into?") == ["H", "ha", "hb", "p", "x", "y"]
    # Asked where one item is filed: the heading over its passage comes before it.
    assert ids("Under which heading is CLAIRE listed?", passages[1:2]) == ["ha", "x"]
    # The parts of the whole document, but not the event notice among them.
    intro = [Passage(chunk=by_id["intro"], score=1.0)]
    assert ids("How is the note laid out?", intro) == ["H", "intro"]
    q = analyse("Which groups are the proposals sorted into?")
    q = q.__class__(**{**q.__dict__, "vector": _unit(1, 0)})
    x = features(q, candidates(q, passages, ctx), {}, Rarity.of({}), LEXICON)
    assert list(x[:, FEATURES.index("part_fit")]) == [1, 1, 1, 0, 0, 0]


def test_a_heading_among_its_siblings_brings_them_all_when_several_things_are_asked_for() -> None:
    top = ("Proposals",)
    heads = [
        _chunk(
            f"h{k}",
            [f"{k}) Group {k}"],
            kind="heading",
            start=10 * n,
            path=(*top, f"{k}) Group {k}"),
        )
        for n, k in enumerate("abc", start=1)
    ]
    body = _chunk("x", ["Group b funds research."], start=25, path=(*top, "b) Group b"))
    corpus = Corpus([_chunk("H", [top[0]], kind="heading", path=top), *heads, body], {})
    ranked = [_ev(Quote(heads[2], 0), 0.9, _unit(1, 0)), _ev(Quote(body, 0), 0.8, _unit(0, 1))]

    def quoted(listing: bool) -> list[str]:
        return [q.chunk.id for p in choose(ranked, COMP, corpus, listing) for q in p.quotes]

    # Asked for several, the parts come whole and in reading order, each once.
    assert quoted(listing=True) == ["ha", "hb", "hc"]
    # Asked for one, the best heading answers alone, and the rest follows as for any sentence.
    assert quoted(listing=False) == ["hc", "x"]
    # A heading with no sibling is a sentence like any other.
    alone = Corpus([heads[2], body], {})
    assert [q.chunk.id for p in choose(ranked[:1], COMP, alone, True) for q in p.quotes] == ["hc"]


def test_the_fit_judges_a_strategys_citations_in_the_order_they_are_read() -> None:
    """A template may print its lead sentence first and cite it last; `debatebot eval` reads
    the citations down the page, and so must the fit."""
    from bot.answer.fit import _judged
    from bot.evaluate import EvalItem
    from bot.models import Answer, Citation

    def cite(n: int, quote: str) -> Citation:
        return Citation(n=n, source_id="s", title="t", url="u", quote=quote)

    answer = Answer(
        question="q",
        answer="“The lead sentence says it all.” [2]\n\n- **Item** [1]",
        abstained=False,
        engine="structure",
        citations=[cite(1, "Item"), cite(2, "The lead sentence says it all.")],
    )
    judged = _judged(answer, EvalItem("fact-01", "q", ["lead sentence says it all"], False, "fact"))
    assert judged == {"abstained": 0.0, "hit": 1.0, "first": 1.0, "share": 0.5}


def test_a_signpost_is_a_candidate_only_for_questions_about_the_document() -> None:
    from bot.answer.evidence import candidates
    from bot.models import Passage

    para = _chunk(
        "p",
        [
            "The first section offers context on CERN.",
            "It then turns to the proposals.",
            "CERN was founded in 1954.",
        ],
    )
    ctx = _context([para])
    passages = [Passage(chunk=para, score=1.0)]
    q = analyse("How is the blog post organised?")
    subject = candidates(analyse("What does the first part say about CERN?"), passages, ctx)
    document = candidates(q, passages, ctx)
    # The signpost, and the sentence leaning on it, steer the reader: no answer on the subject.
    assert [c.quote.index for c in subject] == [2]
    assert [c.quote.index for c in document] == [0, 1, 2]
    q = q.__class__(**{**q.__dict__, "vector": _unit(1, 0)})
    x = features(q, document, {}, Rarity.of({}), LEXICON)
    col = {f: i for i, f in enumerate(FEATURES)}
    assert list(x[:, col["document_asked"]]) == [1, 0, 0]
    assert not x[:, col["about_the_document"]].any()


def test_the_fit_breaks_a_tie_on_the_worst_figure_by_the_next_worst() -> None:
    """Abstention, which the composition does not move, is often the worst figure; among
    compositions tied on it, the one with more room on the answers' figures wins."""
    from bot.answer.fit import TARGETS, objective

    abstention = {"abstention_precision": 0.85, "abstention_recall": 0.85}
    one_quote = {"evidence_hit": 0.86, "first_citation_evidence": 0.8, "evidence_share": 0.8}
    two_quotes = {"evidence_hit": 0.9, "first_citation_evidence": 0.8, "evidence_share": 0.75}
    tied = objective({**one_quote, **abstention}), objective({**two_quotes, **abstention})
    assert tied[0][0] == tied[1][0] == 1.0
    assert tied[1] > tied[0]
    # The worst figure still decides first: no room on the answers buys back abstention.
    worse = objective({**two_quotes, "abstention_precision": 0.8, "abstention_recall": 0.85})
    assert worse < tied[0]
    assert len(tied[0]) == len(TARGETS)


def _on(name: str, weight: float, names: tuple[str, ...] = FEATURES) -> Linear:
    """A model that reads one input alone (standardised at zero mean and unit scale)."""
    coef = np.array([weight if n == name else 0.0 for n in names], dtype=np.float32)
    zeros = np.zeros(len(names), dtype=np.float32)
    return Linear(names, zeros, np.ones(len(names), np.float32), coef, 0.0)


def test_the_ranking_model_orders_the_evidence_and_the_sentence_model_says_if_it_answers() -> None:
    """Two models read the same candidates: the ranking model (a choice among them) orders the
    evidence, the sentence model (each candidate alone) feeds answerability."""
    from dataclasses import replace

    from bot.answer.evidence import find
    from bot.models import Passage

    para = _chunk("p", ["CERN was founded in 1954.", "It has many member states."])
    model = ScoringModel(
        sentence=_on("first_sentence", 3.0),  # the first sentence, and a sure one
        ranking=_on("first_sentence", -1.0),  # the other
        answerable=_on("top_prob", 4.0, ANSWERABLE_FEATURES),
        answer_threshold=0.5,
        composition=COMP,
        meta={},
    )
    ctx = replace(
        _context([para]), model=model, search=lambda query, k: [Passage(chunk=para, score=1.0)]
    )
    q = analyse("When was CERN founded?")
    found = find(q.__class__(**{**q.__dict__, "vector": _unit(1, 0)}), ctx)
    assert [e.quote.text for e in found.evidence] == [
        "It has many member states.",
        "CERN was founded in 1954.",
    ]
    assert [e.score for e in found.evidence] == pytest.approx(
        sorted(model.ranking_probs(found.features), reverse=True)
    )
    read = answerable_features(found.features, model.sentence_probs(found.features))
    assert read is not None and read[0] == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert found.answerable == pytest.approx(model.answerable_prob(read))


def test_the_evidence_reads_which_candidates_answered_the_nearest_labelled_questions() -> None:
    """Through `find`, as answers run: a candidate that answered a labelled question phrased
    like this one carries it in neighbour_evidence, and a model that weighs it ranks it first;
    without labelled questions the input is NaN (read at the fit's mean)."""
    from dataclasses import replace

    from bot.answer.adapter import QueryAdapter, sentence_key
    from bot.answer.evidence import find
    from bot.models import Passage

    para = _chunk("p", ["CERN has many member states.", "CERN was founded in 1954."])
    model = ScoringModel(
        _on("neighbour_evidence", 3.0),
        _on("neighbour_evidence", 3.0),
        _on("top_prob", 4.0, ANSWERABLE_FEATURES),
        0.5,
        COMP,
        {},
    )
    q = analyse("When was CERN founded?")
    q = q.__class__(**{**q.__dict__, "vector": _unit(1, 0)})
    labelled = np.array([_unit(1, 0.05), _unit(0, 1)])  # one asked like this, one not
    answered = [frozenset({sentence_key("CERN was founded in 1954.")}), frozenset()]
    adapter = QueryAdapter().with_neighbours(labelled, np.array([1, 0]), 0.05, answered)
    ctx = replace(
        _context([para]),
        model=model,
        search=lambda query, k: [Passage(chunk=para, score=1.0)],
        adapter=adapter,
    )
    found = find(q, ctx)
    col = FEATURES.index("neighbour_evidence")
    assert found.evidence[0].quote.text == "CERN was founded in 1954."
    by_text = {
        c.quote.text: row[col] for c, row in zip(found.candidates, found.features, strict=True)
    }
    assert by_text == pytest.approx(
        {"CERN was founded in 1954.": 1.0, "CERN has many member states.": 0.0}, abs=1e-3
    )
    plain = find(q, replace(ctx, adapter=QueryAdapter()))
    assert np.isnan(plain.features[:, col]).all()


def test_related_reading_offers_sentences_that_read_alone() -> None:
    """An abstention's related reading shows one sentence per passage: never a lead-in whose
    list it does not show, nor a fragment, where the passage has a sentence that reads alone."""
    from bot.answer.abstain import related_quotes
    from bot.models import Passage

    intro = _chunk("i", ["It was launched as follows:", "The plan costs 20 billion."])
    items = _chunk("l", ["do research.", "The lab trains people."], kind="list", start=50)
    only = _chunk("o", ["Its mission is this:"], start=100)
    passages = [Passage(chunk=c, score=1.0) for c in (intro, items, only)]
    scored = [_ev(Quote(intro, 0), 0.9, _unit(1, 0)), _ev(Quote(items, 0), 0.8, _unit(0, 1))]
    shown = [q.text for q in related_quotes(passages, scored)]
    assert shown == ["The plan costs 20 billion.", "The lab trains people.", "Its mission is this:"]
    assert [q.text for q in related_quotes(passages)][:2] == shown[:2]  # nothing scored
