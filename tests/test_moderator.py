"""Moderator prompts grounded in the reading list, the fact-check box, and the prompt feed."""

from __future__ import annotations

from pathlib import Path

import pytest
from _console import console_settings

from bot.citations import markers
from bot.debate.agenda import Agenda
from bot.debate.feed import PromptFeed
from bot.debate.moderator import NOT_SAID, Moderator, ModeratorPrompt, TemplateWriter, writer_for
from bot.debate.queue import AudienceQueue
from bot.debate.sides import against, clauses, read
from bot.debate.texts import message
from bot.pack import load_debate
from bot.prompts import all_templates, phrase, template
from bot.settings import Settings


@pytest.fixture(scope="module")
def moderator(bot) -> Moderator:
    return Moderator(bot)


def assert_grounded(prompt: ModeratorPrompt, bot) -> None:
    """Every [n] names a citation, and every citation quotes its chunk verbatim."""
    assert prompt.citations, prompt.text
    numbers = {c.n for c in prompt.citations}
    assert set(markers(prompt.text)) == numbers, prompt.text
    chunks = bot.corpus.chunks
    for c in prompt.citations:
        assert c.quote in chunks[c.chunk_id].text
        assert f"“{c.quote}” [{c.n}]" in prompt.text
        assert c.url.startswith("https://")


def test_every_moderator_template_loads():
    names = [n for n in all_templates() if n.startswith("moderator/")]
    assert {"moderator/opening.md.j2", "moderator/factcheck.md.j2"} <= set(names)
    for name in names:
        assert template(name).variables


@pytest.mark.parametrize("qid", ["a", "b", "c", "d", "e"])
def test_opening_framing_cites_the_posts_wording(moderator: Moderator, bot, qid: str):
    prompt = moderator.opening(qid)
    assert_grounded(prompt, bot)
    heading = load_debate(bot.settings).question(qid).heading
    assert prompt.citations[0].quote == heading
    assert prompt.kind == "opening" and prompt.engine == "template"


def test_followups_quote_different_passages(moderator: Moderator, bot):
    prompt = moderator.followups("d")
    assert_grounded(prompt, bot)
    assert len(prompt.citations) == 3
    assert len({c.quote for c in prompt.citations}) == 3
    assert all(not c.quote.endswith("?") for c in prompt.citations)


@pytest.mark.parametrize(
    ("view", "qid"),
    [
        ("A single centralized lab is the only way to keep AI secure.", "d"),
        ("Frontier models should be open source; openness beats secrecy.", "c"),
        ("CERN conducts military research.", None),
    ],
)
def test_counter_argument_takes_the_other_side(moderator: Moderator, bot, view, qid):
    prompt = moderator.counter(view, qid)
    assert_grounded(prompt, bot)
    context = load_debate(bot.settings).question(qid).wording if qid else ""
    others = {s.quote.text for s in against(bot, view, context=context)}
    assert {c.quote for c in prompt.citations} == others
    for c in prompt.citations:  # each passage argues against the view, none restates it
        assert read(view, c.quote) is None or read(view, c.quote).side != "for"


def test_counter_argument_without_material_says_so(moderator: Moderator):
    prompt = moderator.counter("Pineapple belongs on pizza.")
    assert prompt.text == message("counter_none") and not prompt.citations


def test_bridge_cites_the_next_question(moderator: Moderator, bot):
    items = load_debate(bot.settings).agenda
    prompt = moderator.bridge(items[1], items[2])
    assert_grounded(prompt, bot)
    assert load_debate(bot.settings).question("b").heading in prompt.text
    assert moderator.bridge(items[-2], items[-1]).text.endswith("**Closing**.")


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (
            "CERN is governed by a Council with representatives from its 25 member states.",
            "supports",
        ),
        ("CERN's annual budget is around 1.4 billion CHF.", "supports"),
        ("Gary Marcus first proposed a CERN for AI in 2017.", "supports"),
        ("CERN is based in Geneva.", "supports"),
        ("CERN has 40 member states.", "contradicts"),
        ("The United States is a member state of CERN.", "contradicts"),
        ("CERN conducts military research.", "contradicts"),
        ("The idea of a CERN for AI was first proposed by Gary Marcus in 2019.", "contradicts"),
        ("CERN is a UN organization.", "contradicts"),
        ("Quantum computers will replace GPUs by 2030.", NOT_SAID),
        ("The best pizza in Naples is margherita.", NOT_SAID),
    ],
)
def test_fact_check(moderator: Moderator, bot, claim: str, verdict: str):
    prompt = moderator.factcheck(claim)
    assert prompt.verdict == verdict, prompt.text
    if verdict == NOT_SAID:
        assert phrase(NOT_SAID) in prompt.text and not prompt.citations
        return
    assert_grounded(prompt, bot)
    label = "Supporting:" if verdict == "supports" else "Contradicting:"
    assert label in prompt.text
    # Each passage stands under the heading its own reading gives it.
    supporting, _, contradicting = prompt.text.partition("Contradicting:")
    for c in prompt.citations:
        side = read(claim, c.quote, factual=True, rarity=bot.retriever.idf).side
        assert f"“{c.quote}”" in (contradicting if side == "against" else supporting)


def test_clauses_keep_short_tails():
    assert clauses("CERN conducts only fundamental, non-military research.") == [
        "CERN conducts only fundamental",
        "non-military research.",
    ]


def test_the_llm_engine_is_a_seam_that_falls_back_to_templates():
    assert isinstance(writer_for("llm"), TemplateWriter)


class Clock:
    now = 5_000_000.0

    def __call__(self) -> float:
        return self.now


def make_feed(built_settings: Settings, tmp_path: Path, bot, moderator: Moderator):
    """A prompt feed over a fresh agenda and queue, all on one controllable clock."""
    settings = console_settings(built_settings, tmp_path)
    clock = Clock()
    agenda = Agenda(settings, clock=clock)
    queue = AudienceQueue(settings, encode=bot.store.embedder.encode, clock=clock)
    return clock, agenda, queue, PromptFeed(bot, agenda, queue, moderator, clock=clock)


def test_feed_suggests_an_unheard_side_and_logs_what_was_used(
    built_settings: Settings, tmp_path: Path, bot, moderator: Moderator
):
    clock, agenda, queue, feed = make_feed(built_settings, tmp_path, bot, moderator)
    agenda.goto("q-a")
    queue.submit("Which research do markets underfund, like neurosymbolic AI?", "", "c1")
    state = feed.state()
    assert state.question_id == "a" and state.audience_waiting == 1
    assert state.unheard_clusters == ["ai_for_good", "safety", "academics"]
    kinds = [s.kind for s in feed.suggest(limit=4)]
    assert kinds[:3] == ["opening", "side", "audience"]
    side = next(s for s in feed.suggest(limit=4) if s.kind == "side")
    assert "CERN for AI for Good" in side.prompt.text
    assert_grounded(side.prompt, bot)
    clock.now += 42
    row = feed.use(side.id)
    assert feed.state().unheard_clusters == ["safety", "academics"]
    next_side = next(s for s in feed.suggest(limit=4) if s.kind == "side")
    assert "CERN for AI Safety" in next_side.prompt.text
    log = feed.log()
    assert [r["id"] for r in log] == [row]
    assert log[0]["used_at"] == clock.now and log[0]["agenda_item"] == "q-a"
    assert log[0]["clusters"] == ["ai_for_good"] and log[0]["citations"]
    with pytest.raises(KeyError):
        feed.use("not-offered")


def test_feed_suggests_a_bridge_when_time_runs_out(
    built_settings: Settings, tmp_path: Path, bot, moderator: Moderator
):
    clock, agenda, _, feed = make_feed(built_settings, tmp_path, bot, moderator)
    agenda.goto("q-b")
    clock.now += 11 * 60
    first = feed.suggest()[0]
    assert first.kind == "bridge" and "2 minutes" in first.reason
    clock.now += 5 * 60
    assert "run over" in feed.suggest()[0].reason
