"""Taking the other side of a view (bot/debate/sides.py), as a table built from the post.

The sentences are looked up in the real index by their opening words, so the table reads the
post's own text; each row says how that sentence stands to a view or claim, and why.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.brief.stance import where_do_i_stand
from bot.debate.moderator import NOT_SAID, Moderator
from bot.debate.sides import against, read, take_sides, weigh
from bot.models import Quote


def sentence(bot, opening: str) -> str:
    """The post's sentence that starts with `opening`."""
    for chunk in bot.corpus.chunks.values():
        for i in range(len(chunk.sentences)):
            text = Quote(chunk, i).text
            if text.startswith(opening):
                return text
    raise AssertionError(f"no sentence starts with {opening!r}")


# (view or claim, opening of a sentence of the post, factual?, expected (side, cue) or None)
READINGS = [
    ("CERN has 40 member states.", "CERN is governed by a Council", True, ("against", "number")),
    ("CERN has 25 member states.", "CERN is governed by a Council", True, ("for", "")),
    ("CERN is a UN organization.", "European Integration:", True, ("against", "negation")),
    ("CERN is not a UN organization.", "European Integration:", True, ("for", "")),
    ("CERN is based in Geneva.", "European Integration:", True, ("for", "")),
    ("CERN conducts military research.", "Civilian and open by design", True,
     ("against", "negation")),
    ("CERN is closed by design.", "Civilian and open by design", True, ("against", "opposite")),
    ("CERN is open by design.", "Civilian and open by design", True, ("for", "")),
    ("The idea of a CERN for AI was first proposed by Gary Marcus in 2019.",
     "The idea of a “CERN for AI” was first", True, ("against", "number")),
    # An argument's turn ("A, but B") is the other side of a view that holds A...
    ("Frontier models should be open source.", "Open-source AI promotes", False,
     ("against", "contrast")),
    # ...but not a factual contradiction.
    ("Frontier models should be open source.", "Open-source AI promotes", True, None),
    ("Companies already fund all the fundamental AI research we need.",
     "By contrast, AI is commercially lucrative", False, None),
    # Unrelated to the sentence: it takes no side, whatever its numbers or negations.
    ("Quantum computers will replace GPUs by 2030.", "Computing power:", True, None),
    ("The best pizza in Naples is not margherita.", "European Integration:", True, None),
    ("The best pizza in Naples is not margherita.", "European Integration:", False, None),
]  # fmt: skip


@pytest.mark.parametrize(("view", "opening", "factual", "expected"), READINGS)
def test_a_sentence_is_read_against_a_view_by_its_cue(bot, view, opening, factual, expected):
    got = read(view, sentence(bot, opening), factual=factual, rarity=bot.retriever.idf)
    assert (got.side, got.cue) == expected if expected else got is None, got


# A view and its negation: what argues against the one never argues against the other.
NEGATIONS = [
    ("Frontier models should be open source.", "Frontier models should not be open source."),
    ("CERN is open by design.", "CERN is closed by design."),
    ("The United States is a member state of CERN.",
     "The United States is not a member state of CERN."),
    ("Europe needs one central AI hub.", "Europe needs a decentralized network, not a hub."),
]  # fmt: skip


@pytest.mark.parametrize(("view", "negation"), NEGATIONS)
def test_a_view_and_its_negation_get_different_passages(bot, view, negation):
    one = {(s.quote.key, s.reading.clause) for s in against(bot, view, limit=5)}
    two = {(s.quote.key, s.reading.clause) for s in against(bot, negation, limit=5)}
    assert one or two, "the reading list argues against neither"
    assert not one & two, f"the same passage argues against both: {one & two}"


@pytest.mark.parametrize(
    "claim",
    [
        "The best pizza in Naples is margherita.",
        "Quantum computers will replace GPUs by 2030.",
        "Penguins cannot fly but swim well.",
    ],
)
def test_an_unrelated_claim_gets_no_contradicting_list(bot, claim):
    assert not [s for s in weigh(bot, claim, factual=True) if s.side == "against"]
    prompt = Moderator(bot).factcheck(claim)
    assert "Contradicting:" not in prompt.text and prompt.verdict == NOT_SAID


def test_relevance_rests_on_the_cosine_not_on_the_fitted_probability(bot):
    """A refit that makes the sentence model sharper (every probability but the best near 0)
    must not empty the moderator's lists: relevance is read off the embedding's cosine."""
    view = "CERN is a UN organization."
    flattened = [dataclasses.replace(e, score=0.0) for e in bot.evidence(view)]
    assert [s for s in take_sides(bot, view, flattened, factual=True) if s.side == "against"]
    floor = max(e.cos for e in flattened) + 0.01
    assert not take_sides(bot, view, flattened, factual=True, floor=floor)


def test_furthest_from_a_view_argues_against_it(bot):
    views = {
        "c": "Frontier models should be open source; openness beats secrecy.",
        "d": "A single centralized lab is the only way to keep AI secure.",
    }
    stance = where_do_i_stand(bot, views)
    assert [q.question.id for q in stance.questions] == ["c", "d"]
    for qs in stance.questions:
        assert qs.furthest, f"nothing argues against {qs.view!r}"
        expected = against(bot, qs.view, k=10, context=qs.question.wording, limit=2)
        assert [m.line.text for m in qs.furthest] == [s.quote.text for s in expected]
        assert all(m.cue for m in qs.furthest)
        assert not {m.line.n for m in qs.closest} & {m.line.n for m in qs.furthest}
