"""The offline engine's name and answer-type checks, on their own (no index needed)."""

from __future__ import annotations

import pytest

from bot.answer.offline import _coverage, _mentions, question_names
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
    ],
)
def test_names_match_by_alias_and_acronyms_only_in_capitals(
    name: str, context: str, found: bool
) -> None:
    assert _mentions(name, context.replace("’", "'"), context.lower().replace("’", "'")) is found


def test_a_common_name_missing_costs_less_than_a_rare_one() -> None:
    idf = Rarity.of({"cern": 0.1, "nairr": 3.0})
    without_common = _coverage(["CERN", "NAIRR"], "the NAIRR in the US", idf)
    without_rare = _coverage(["CERN", "NAIRR"], "CERN in Geneva", idf)
    assert without_common > 0.9 > 0.1 > without_rare
