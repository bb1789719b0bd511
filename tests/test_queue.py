"""The audience queue on real SQLite in tmp_path, with the real embedding model and bot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _console import console_settings

from bot.debate.queue import AudienceQueue, QueueError, RateLimitedError, clean_text
from bot.debate.routing import PANEL, READING_LIST, Enricher, route_question
from bot.debate.texts import message
from bot.models import Answer
from bot.settings import Settings
from bot.ui.console_html import queue_html


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(built_settings: Settings, tmp_path: Path) -> Settings:
    return console_settings(built_settings, tmp_path, submit_per_minute=100)


@pytest.fixture
def queue(settings: Settings, bot, clock: FakeClock) -> AudienceQueue:
    return AudienceQueue(settings, encode=bot.store.embedder.encode, clock=clock)


def test_near_duplicates_merge_and_are_counted(queue: AudienceQueue):
    first = queue.submit("Who first proposed a CERN for AI?", "Ann", "c1")
    second = queue.submit("Who first suggested a CERN for AI?", "", "c2")
    third = queue.submit("Who was the first to propose a CERN for AI?", "", "c3")
    other = queue.submit("How much does CERN cost per year?", "", "c4")
    assert not first.merged and second.merged and third.merged and not other.merged
    assert second.question_id == third.question_id == first.question_id
    assert third.count == 3 and "3 people" in third.message
    item = queue.get(first.question_id)
    assert item.merged == 2 and item.asked_by == 3
    assert item.text == "Who first proposed a CERN for AI?", "the first wording is kept"
    counts = queue.counts()
    assert counts["questions"] == 2 and counts["submissions"] == 4 and counts["merged"] == 2


def test_upvote_once_per_browser_session(queue: AudienceQueue):
    qid = queue.submit("How is CERN governed?", "", "c1").question_id
    assert queue.upvote(qid, "browser-a") == (True, 1)
    assert queue.upvote(qid, "browser-a") == (False, 1)
    assert queue.upvote(qid, "browser-b") == (True, 2)
    with pytest.raises(QueueError):
        queue.upvote(qid + 999, "browser-a")
    assert queue.counts()["votes"] == queue.counts()["vote_rows"] == 2


def test_a_flooding_client_is_rate_limited_with_a_clear_message(
    built_settings: Settings, tmp_path: Path, bot, clock: FakeClock
):
    settings = console_settings(built_settings, tmp_path, submit_per_minute=3)
    queue = AudienceQueue(settings, encode=bot.store.embedder.encode, clock=clock)
    topics = ["CERN's budget", "the Higgs boson", "open-source models", "AI Gigafactories"]
    for topic in topics[:3]:
        queue.submit(f"What does the post say about {topic}?", "", "flood")
        clock.now += 1
    with pytest.raises(RateLimitedError) as err:
        queue.submit(f"What does the post say about {topics[3]}?", "", "flood")
    assert "3 questions in the last minute" in str(err.value)
    assert "57 seconds" in str(err.value)
    assert queue.submit("Who funds EuroHPC?", "", "someone-else").question_id
    clock.now += 60
    assert queue.submit(f"What does the post say about {topics[3]}?", "", "flood")
    assert queue.counts()["submissions"] == 5


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "audience_empty"), ("   <b></b>  ", "audience_empty"), ("x" * 501, "audience_too_long")],
)
def test_empty_and_overlong_questions_are_refused(queue: AudienceQueue, text: str, error: str):
    with pytest.raises(QueueError) as err:
        queue.submit(text, "", "c1")
    assert str(err.value) == message(error, limit=500, length=len(text))
    assert queue.counts()["submissions"] == 0


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("<script>alert(1)</script>What is CERN?", "What is CERN?"),
        ("<style>p{}</style><b>Bold</b> question", "Bold question"),
        ("&lt;img src=x onerror=alert(2)&gt;Why CERN?", "Why CERN?"),
        ("Is a < b and c > d?", "Is a < b and c > d?"),
        ("tab\tand\u202enew\nline", "tab and new line"),
    ],
)
def test_markup_is_stripped(raw: str, stored: str):
    assert clean_text(raw) == stored


def test_attendee_text_reaches_the_moderator_inert(queue: AudienceQueue):
    qid = queue.submit(
        "<script>alert('x')</script>[click](javascript:alert(1)) Why CERN? <img src=x>",
        "<b onmouseover=alert(3)>Eve</b>",
        "c1",
    ).question_id
    item = queue.get(qid)
    assert "<" not in item.text and "<" not in item.name
    html = queue_html(queue.items(), {})
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert 'href="javascript' not in html and "<a " not in html
    assert "&#91;click&#93;" in html, "Markdown link syntax is disarmed"


def test_hidden_questions_stay_stored_and_flagged(queue: AudienceQueue):
    qid = queue.submit("Who first proposed a CERN for AI?", "", "c1").question_id
    assert queue.set_flag(qid, "hidden")
    assert qid not in [q.id for q in queue.items()]
    kept = [q for q in queue.items(include_hidden=True) if q.id == qid]
    assert kept and kept[0].hidden
    again = queue.submit("Who first suggested a CERN for AI?", "", "c2")
    assert not again.merged, "a hidden question does not swallow new ones"
    assert queue.counts()["hidden"] == 1 and queue.counts()["questions"] == 2
    with pytest.raises(QueueError):
        queue.upvote(qid, "browser-a")
    assert not queue.set_flag(99999, "pinned")


def test_ranking_pinned_first_then_votes_merges_and_recency(queue: AudienceQueue, clock):
    old = queue.submit("How is CERN governed?", "", "c1").question_id
    clock.now += 3600
    popular = queue.submit("What is the annual budget of CERN?", "", "c2").question_id
    for voter in ("a", "b", "c"):
        queue.upvote(popular, voter)
    fresh = queue.submit("What are AI Gigafactories?", "", "c3").question_id
    pinned = queue.submit("Who first proposed a CERN for AI?", "", "c4").question_id
    done = queue.submit("What is EuroHPC?", "", "c5").question_id
    queue.upvote(done, "a")
    queue.set_flag(pinned, "pinned")
    queue.set_flag(done, "answered")
    order = [q.id for q in queue.items()]
    assert order == [pinned, popular, fresh, old, done]


def test_the_queue_survives_reopening(settings: Settings, queue: AudienceQueue, bot):
    qid = queue.submit("How is CERN governed?", "Ann", "c1").question_id
    queue.upvote(qid, "v")
    queue.db.close()
    reopened = AudienceQueue(settings, encode=bot.store.embedder.encode)
    assert reopened.get(qid).votes == 1 and reopened.get(qid).name == "Ann"
    with sqlite3.connect(reopened.db.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("text", "open_question"),
    [
        ("Should open-source models be released given the misuse risks?", "c"),
        ("Is a decentralized network better than one central lab?", "d"),
        ("Are the AI Gigafactories like US hyperscalers or like NAIRR?", "b"),
        ("Which kinds of research do markets underfund?", "a"),
        ("What other models of international cooperation exist besides CERN?", "e"),
        ("What's the weather tomorrow in Geneva?", None),
    ],
)
def test_questions_are_tagged_with_the_open_question(queue: AudienceQueue, text, open_question):
    qid = queue.submit(text, "", "c1").question_id
    assert queue.get(qid).open_question == open_question


def _answer(abstained: bool) -> Answer:
    from bot.models import Citation

    cites = (
        [] if abstained else [Citation(n=1, source_id="s", title="t", url="https://x", quote="q")]
    )
    return Answer(question="q", answer="a", abstained=abstained, engine="offline", citations=cites)


@pytest.mark.parametrize(
    ("text", "abstained", "route", "reason"),
    [
        ("Who first proposed a CERN for AI?", False, READING_LIST, "answered"),
        ("Who first proposed a CERN for AI?", True, PANEL, "not_in_sources"),
        ("Should Europe fund its own AI gigafactories?", False, PANEL, "opinion"),
        ("What do you think of open-source models?", False, PANEL, "opinion"),
        ("Will AGI arrive by 2030?", False, PANEL, "forecast"),
        ("Is a CERN for AI likely to happen in ten years?", False, PANEL, "forecast"),
    ],
)
def test_routing_rules(text: str, abstained: bool, route: str, reason: str):
    assert route_question(text, _answer(abstained)) == (route, reason)


def test_enricher_stores_route_and_suggested_cited_answer(queue: AudienceQueue, bot):
    cases = {
        "Who first proposed a CERN for AI?": (READING_LIST, "answered"),
        "Should Europe fund its own AI gigafactories?": (PANEL, "opinion"),
        "Will AGI arrive by 2030?": (PANEL, "forecast"),
        "What is the recipe for pizza margherita?": (PANEL, "not_in_sources"),
    }
    ids = {queue.submit(text, "", f"c{i}").question_id: text for i, text in enumerate(cases)}
    assert [q.route for q in queue.items()] == [None] * 4, "routing never delays the attendee"
    assert Enricher(queue, bot).run_once() == 4
    for qid, text in ids.items():
        item = queue.get(qid)
        assert (item.route, item.route_reason) == cases[text]
        assert item.answer is not None and item.answer.question == text
    answered = queue.get(next(i for i, t in ids.items() if cases[t][0] == READING_LIST))
    assert answered.answer.citations and not answered.answer.abstained
    assert queue.pending() == []


def test_export_writes_csv_and_markdown(
    settings: Settings, queue: AudienceQueue, bot, tmp_path: Path, monkeypatch
):
    import csv

    from typer.testing import CliRunner

    from bot.cli import _register, app
    from bot.settings import get_settings

    first = queue.submit("Who first proposed a CERN for AI?", "[Ann](javascript:x)", "c1")
    queue.submit("Who first suggested a CERN for AI?", "", "c2")
    queue.submit("# Heading? *bold* What is EuroHPC?", "", "c3")
    Enricher(queue, bot).run_once()
    queue.set_flag(first.question_id, "answered")
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DEBATEBOT_DEBATE__QUEUE_DB", str(settings.debate.queue_db))
    monkeypatch.setenv("DEBATEBOT_DEBATE__CONSOLE_DB", str(settings.debate.console_db))
    get_settings.cache_clear()
    _register()
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {
        "queue.csv",
        "submissions.csv",
        "answers.csv",
        "prompts_used.csv",
        "feedback.csv",
        "report.md",
    }
    with (out / "queue.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["asked_by"] for r in rows] == ["1", "2"]  # the answered one ranks last
    assert rows[1]["answered"] == "True" and rows[1]["route"] == READING_LIST
    with (out / "submissions.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 3
    with (out / "answers.csv").open(encoding="utf-8") as f:
        assert any(r["url"].startswith("https://") for r in csv.DictReader(f))
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "\\# Heading? \\*bold\\*" in report and "\\[Ann\\]\\(javascript:x\\)" in report
    assert "3 submissions (1 merged" in report


def test_in_moderated_mode_questions_appear_once_approved(
    built_settings: Settings, tmp_path: Path, bot, clock: FakeClock
):
    settings = console_settings(built_settings, tmp_path, moderated=True)
    queue = AudienceQueue(settings, encode=bot.store.embedder.encode, clock=clock)
    sent = queue.submit("How is CERN governed?", "Ann", "c1")
    assert sent.message == message("audience_awaiting")
    assert queue.public() == [] and not queue.get(sent.question_id).approved
    with pytest.raises(QueueError):
        queue.upvote(sent.question_id, "c2")
    again = queue.submit("How is CERN run and governed?", "", "c2")
    assert again.merged and again.question_id == sent.question_id, "merges while waiting"
    assert queue.set_flag(sent.question_id, "approved")
    assert [q.id for q in queue.public()] == [sent.question_id]
    assert queue.upvote(sent.question_id, "c2") == (True, 1)


def test_the_moderator_merges_one_question_into_another(queue: AudienceQueue):
    keep = queue.submit("How is CERN funded?", "", "c1").question_id
    fold = queue.submit("What would a CERN for AI cost each year?", "", "c2").question_id
    queue.submit("What would a CERN for AI cost every year?", "", "c3")  # merges into `fold`
    for voter in ("v1", "v2"):
        queue.upvote(fold, voter)
    queue.upvote(keep, "v1")
    assert queue.merge(fold, keep)
    kept = queue.get(keep)
    assert kept.asked_by == 3 and kept.votes == 2, "askers add up; a voter of both counts once"
    assert fold not in [q.id for q in queue.items()] + [q.id for q in queue.public()]
    gone = next(q for q in queue.items(include_hidden=True) if q.id == fold)
    assert gone.merged_into == keep and gone.hidden
    counts = queue.counts()
    assert counts["submissions"] == counts["questions"] + counts["merged"] == 3
    assert not queue.merge(fold, keep), "already merged"
    with pytest.raises(ValueError):
        queue.merge(keep, keep)
    with sqlite3.connect(queue.db.path) as conn:
        texts = [
            r[0]
            for r in conn.execute("SELECT text FROM submissions WHERE question_id = ?", (keep,))
        ]
    assert len(texts) == 3, "every submission keeps its own words"


@pytest.mark.parametrize("bad", ["1", True, 1.5, 2**60, [1], None, 0, -1])
def test_an_upvote_names_a_question_by_a_whole_number(queue: AudienceQueue, bad):
    queue.submit("How is CERN governed?", "", "c1")
    with pytest.raises(QueueError):
        queue.upvote(bad, "v")
    assert queue.counts()["vote_rows"] == 0


def test_the_public_list_says_what_this_attendee_voted_for(queue: AudienceQueue, clock):
    a = queue.submit("How is CERN governed?", "", "c1").question_id
    b = queue.submit("What are AI Gigafactories?", "", "c2").question_id
    queue.upvote(b, "me")
    assert queue.voted_by("me") == {b} and queue.voted_by("you") == set()
    assert [q.id for q in queue.public()] == [b, a]
    clock.now += 0.2  # same second, new vote: the cached list follows the change
    queue.upvote(a, "you")
    queue.upvote(a, "them")
    assert [(q.id, q.votes) for q in queue.public()] == [(a, 2), (b, 1)]
