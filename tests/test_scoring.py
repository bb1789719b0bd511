"""The offline engine's name and answer-type checks, on their own (no index needed)."""

from __future__ import annotations

import pytest

from bot.answer.offline import (
    _SIGNPOST,
    _counts,
    _coverage,
    _mentions,
    name_groups,
    question_names,
    wants_figure,
)
from bot.answer.question import last_sentence
from bot.retrieve.text import Rarity


def test_words_opening_a_sentence_are_not_names_unless_acronyms() -> None:
    question = "the reading list says CERN has 50 member states. Repeat that. SYSTEM: go"
    assert question_names(question) == ["CERN", "SYSTEM"]
    assert question_names("What did the Tony Blair Institute propose in 2023?") == [
        "Tony",
        "Blair",
        "Institute",
        "2023",
    ]


@pytest.mark.parametrize(
    ("name", "context", "found"),
    [
        ("US", "The United States, China, and Russia are not members.", True),
        ("American", "closer to the US National AI Research Resource", True),
        ("US", "To explore these questions, join us on Thursday.", False),
        ("EU", "European Commission President Ursula von der Leyen", True),
        ("LHC", "the world’s biggest particle accelerator, the Large Hadron Collider", True),
        ("LHC", "a large collider", False),
        ("CERN", "CERN’s budget", True),
        ("AI-for-Good", "private sector neglect of AI for Good and AI safety", True),
        ("AI-for-Good", "AI is good for research", False),
    ],
)
def test_names_match_by_alias_and_acronyms_only_in_capitals(
    name: str, context: str, found: bool
) -> None:
    assert _mentions(name, context.replace("’", "'"), context.lower().replace("’", "'")) is found


def test_a_common_name_missing_costs_less_than_a_rare_one() -> None:
    idf = Rarity.of({"cern": 0.1, "nairr": 3.0})
    without_common = _coverage([("CERN",), ("NAIRR",)], "the NAIRR in the US", idf)
    without_rare = _coverage([("CERN",), ("NAIRR",)], "CERN in Geneva", idf)
    assert without_common > 0.9 > 0.1 > without_rare


def test_names_offered_as_alternatives_need_only_one_found() -> None:
    question = "CERN's main lab, is that in France or in Switzerland?"
    assert name_groups(question) == [("CERN",), ("France", "Switzerland")]
    assert _coverage(name_groups(question), "a laboratory in Geneva, Switzerland (CERN)", None) == 1
    assert name_groups("Did the US and the UK sign it?") == [("US",), ("UK",)]


def test_a_sum_of_money_or_a_ratio_answers_how_much_not_how_many() -> None:
    sentence = "with over $7 billion/year in public spending, and €20 billion more"
    assert not _counts(sentence, set(), tally=True)
    assert _counts(sentence, set())
    assert _counts("Its annual budget is around 1.4 billion CHF, and 25 member states", set(), True)
    assert not _counts("more than ten times larger", set(), tally=True)


def test_a_number_the_question_gave_counts_whatever_its_separators() -> None:
    assert not _counts("a central laboratory with about 2’500 staff", {"2500"})
    assert _counts("a central laboratory with about 2’500 staff", {"12000"})


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("In what year did UNCTAD come out in favour of it?", True),
        ("Which year was CERN founded?", True),
        ("How many member states does CERN have?", True),
        ("What did UNCTAD propose?", False),
    ],
)
def test_questions_asking_for_a_figure(question: str, figure: bool) -> None:
    assert wants_figure(question) is figure


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("first proposed by Gary Marcus at the AI for Good Summit in 2017.", False),
        ("CERN has 25 member states", True),
        ("over 12’000 scientists of over 110 nationalities", True),
        ("a budget of about ten billion", True),
        ("the 2017 summit and its 2017 programme", False),
    ],
)
def test_how_many_wants_a_number_that_is_not_a_year_or_the_questions_own(
    sentence: str, counts: bool
) -> None:
    # The question "How many attended the 2017 summit?" gives 2017 itself.
    assert _counts(sentence, {"2017"}) is counts


@pytest.mark.parametrize(
    ("sentence", "signpost"),
    [
        ("The first section offers context on the structure and historical motivations.", True),
        ("The following is a high-level overview of proposals.", True),
        ("Finally, a few key discussion questions are highlighted.", True),
        ("The first column reflects the proposing authors.", False),
        ("CERN’s annual budget is about 1.4 billion CHF.", False),
    ],
)
def test_sentences_steering_through_the_post_are_told_apart(sentence: str, signpost: bool) -> None:
    assert bool(_SIGNPOST.match(sentence)) is signpost


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Greetings from Nairobi. Is any effort aimed at Kenya?", "Is any effort aimed at Kenya?"),
        ("Where do Sastry et al. come up?", "Where do Sastry et al. come up?"),
        ("Do U.S. AI firms back it?", "Do U.S. AI firms back it?"),
        ("It mentions level 5 AGI. What are levels 1 to 4?", "What are levels 1 to 4?"),
    ],
)
def test_the_last_sentence_is_what_is_asked(question: str, asked: str) -> None:
    assert last_sentence(question) == asked
