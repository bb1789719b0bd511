"""A second debate pack, with other headings, other numbering, other clusters and its own words,
works without a change of code: the answer engine holds no word of the first debate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import pack
from bot.evaluate import citation_problems
from bot.index.build import ingest
from bot.ingest.snapshots import write_snapshot
from bot.service import Bot
from bot.settings import Settings

POST = """# Sharing the Ocean's Data

The Blue Data Compact was proposed by marine scientists in 2019.
It would pool ocean sensor data from coastal states in one open archive.
The archive's yearly cost is estimated at 40 million dollars, shared by its members.

This note first recalls the compact's origins. It then compares two designs.

## Part I. Origins

The Global Ocean Observing System (GOOS) already links national buoy networks.
Its members meet every two years in Paris.

## Part II. Designs

Designers disagree about where the data should live.

### Design 1 — Central archive

Vision: a single archive run by an intergovernmental secretariat.
Rationale: one operator makes quality control uniform.

### Design 2 — Federated nodes

Vision: national nodes that keep their own data and answer shared queries.
Rationale: states keep control over sensitive coastal data.

## Part III. Questions for the panel

### Q1. Who should pay for the archive?

Costs could follow the size of each member's coastline.

### Q2. Who decides which data is sensitive?

Some navies object to publishing seabed maps.
"""

DEBATE = {
    "event": {
        "title": "Who owns the ocean's data?",
        "date": "2026-03-01",
        "post_source": "ocean-note",
    },
    "clusters": [
        {
            "id": "central",
            "heading": "Design 1 — Central archive",
            "label": "Central archive",
            "aliases": ["central", "single archive"],
        },
        {
            "id": "federated",
            "heading": "Design 2 — Federated nodes",
            "label": "Federated nodes",
            "aliases": ["federated", "nodes"],
        },
    ],
    "open_questions": [
        {"id": "q1", "heading": "Q1. Who should pay for the archive?", "label": "Paying"},
        {"id": "q2", "heading": "Q2. Who decides which data is sensitive?", "label": "Secrets"},
    ],
    "agenda": [
        {"id": "open", "kind": "opening", "title": "Opening", "minutes": 5},
        {"id": "a1", "kind": "open_question", "question": "q1", "title": "Paying", "minutes": 10},
        {"id": "a2", "kind": "open_question", "question": "q2", "title": "Secrets", "minutes": 10},
    ],
}

LEXICON = {
    "topic": ["Blue Data Compact"],
    "aliases": [["US", "United States", "American"]],
    "not_answers": ["This note first recalls"],
}


@pytest.fixture(scope="module")
def ocean_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    root = tmp_path_factory.mktemp("ocean")
    folder = root / "pack"
    (folder / "snapshots").mkdir(parents=True)
    sources = {
        "sources": [
            {
                "id": "ocean-note",
                "title": "Sharing the Ocean's Data",
                "author": "A. Writer",
                "url": "https://example.org/ocean-note",
                "kind": "post",
                "format": "markdown",
            }
        ]
    }
    (folder / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    (folder / "debate.yaml").write_text(yaml.safe_dump(DEBATE), encoding="utf-8")
    (folder / "lexicon.yaml").write_text(yaml.safe_dump(LEXICON), encoding="utf-8")
    settings = Settings(pack=folder, data_dir=root / "data")
    entry = pack.sources(settings)[0]
    write_snapshot(folder / "snapshots", entry, POST.encode("utf-8"), "text/markdown")
    report = ingest(settings, pack.sources(settings))
    assert report.count("indexed") == 1, report
    return Bot(settings)


def _ask(bot: Bot, question: str):
    answer = bot.ask(question)
    assert citation_problems(answer, bot) == [], question
    return answer


def test_its_open_questions_come_from_its_own_headings(ocean_bot: Bot) -> None:
    answer = _ask(ocean_bot, "What are the open questions for the debate?")
    assert answer.engine == "structure"
    assert [c.quote for c in answer.citations] == [
        "Q1. Who should pay for the archive?",
        "Q2. Who decides which data is sensitive?",
    ]
    assert "2 open questions" in answer.answer
    one = _ask(ocean_bot, "What is question q2 about?")
    assert one.engine == "structure" and one.citations[0].quote.startswith("Q2.")
    # Its place in the list names it too, by this pack's own count: the last of two.
    for asked in ("What does the last discussion question ask?", "And the second open question?"):
        one = _ask(ocean_bot, asked)
        assert one.engine == "structure" and one.citations[0].quote.startswith("Q2."), asked
        assert not any(c.quote.startswith("Q1.") for c in one.citations), asked


def test_its_clusters_and_their_names_are_its_own(ocean_bot: Bot) -> None:
    answer = _ask(ocean_bot, "What are the two clusters?")
    assert answer.engine == "structure"
    assert {c.quote for c in answer.citations} >= {
        "Design 1 — Central archive",
        "Design 2 — Federated nodes",
    }
    # Picking one of them is answered from the text, not with the list of both.
    picked = _ask(ocean_bot, "Which of the two clusters lets states keep their own data?")
    assert picked.engine != "structure"
    assert "keep" in picked.citations[0].quote
    compared = _ask(ocean_bot, "How does the central design differ from the federated one?")
    assert compared.engine == "structure"
    assert any("intergovernmental secretariat" in c.quote for c in compared.citations)


def test_its_acronyms_and_facts_are_answered_from_its_text(ocean_bot: Bot) -> None:
    defined = _ask(ocean_bot, "What does GOOS stand for?")
    assert defined.engine == "structure"
    assert "Global Ocean Observing System (GOOS)" in defined.citations[0].quote
    cost = _ask(ocean_bot, "How much would the archive cost each year?")
    assert not cost.abstained
    assert "40 million dollars" in cost.citations[0].quote


def test_its_own_signposts_are_never_answers(ocean_bot: Bot) -> None:
    answer = _ask(ocean_bot, "What does this note recall first?")
    assert not any(c.quote.startswith("This note first recalls") for c in answer.citations)


def test_the_moderators_next_question_follows_its_agenda(ocean_bot: Bot) -> None:
    from bot.conversation import reply

    first = reply(ocean_bot, "next question", [])
    assert first.citations[0].quote.startswith("Q1.")
    assert Path(ocean_bot.settings.pack).name == "pack"


def test_fitting_it_on_another_reading_lists_questions_is_refused(ocean_bot: Bot) -> None:
    from bot.answer import fit_model
    from bot.evaluate import DEFAULT_SET, EVAL_DIR

    sets = {"dev": DEFAULT_SET, "blind": EVAL_DIR / "blind.jsonl"}
    with pytest.raises(ValueError, match="another reading list"):
        fit_model(sets, ocean_bot.context(), ocean_bot.query, command="test")
