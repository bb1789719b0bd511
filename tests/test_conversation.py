"""The chat's core: debate commands, follow-ups with filters, and the feedback store."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.conversation import ConversationTurn, reply
from bot.debate.questions import POSED_PREFIX, chat_command, discussion_prompts
from bot.feedback import FeedbackStore
from bot.models import Answer
from bot.pack import load_debate
from bot.prompts import phrase


@pytest.mark.parametrize(
    ("message", "history", "posed"),
    [
        ("next question", [], "a"),
        ("Next question!", [], "a"),
        ("Pose the next open question", [], "a"),
        ("please give me the next question", [POSED_PREFIX + "a"], "b"),
        ("next question", [None, POSED_PREFIX + "c", None], "d"),
        ("next question", [POSED_PREFIX + "done"], "a"),
        ("pose open question c", [], "c"),
        ("Discuss open question (e)", [POSED_PREFIX + "a"], "e"),
        ("What is the next question about funding?", [], None),
        ("How is CERN funded?", [POSED_PREFIX + "a"], None),
    ],
)
def test_chat_commands_pose_the_open_questions_in_order(bot, message, history, posed):
    answer = chat_command(bot, message, history)
    if posed is None:
        assert answer is None
        return
    assert answer is not None and answer.id == POSED_PREFIX + posed
    q = load_debate(bot.settings).question(posed)
    assert f"“{q.heading}” [1]" in answer.answer
    assert answer.citations[0].quote == q.heading
    assert discussion_prompts(bot, posed)[0] in answer.answer


def test_after_the_last_question_the_bot_says_so(bot):
    answer = chat_command(bot, "next question", [POSED_PREFIX + "e"])
    assert answer is not None and answer.answer == phrase(
        "all_questions_posed", count=len(load_debate(bot.settings).open_questions)
    )


def test_every_open_question_has_discussion_prompts(bot):
    for q in load_debate(bot.settings).open_questions:
        assert len(q.prompts) >= 2


def test_reply_restricts_to_a_source_and_keeps_history(bot):
    post = load_debate(bot.settings).event.post_source
    first = reply(bot, "How is CERN funded?", [], source_id=post)
    assert {c.source_id for c in [*first.citations, *first.related]} <= {post}
    turns = [ConversationTurn(question=first.question, answer=first)]
    follow = reply(bot, "and who pays for it?", turns)
    assert isinstance(follow, Answer) and follow.answer


def test_feedback_is_kept_safely_from_many_threads(tmp_path: Path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer = Answer(question="q?", answer="a [1]", abstained=False, engine="offline")
    given = {i: store.remember(answer, f"attendee-{i}") for i in range(8)}

    def vote(i: int) -> None:
        for n in range(25):
            assert store.record(given[i], f"attendee-{i}", "up" if (i + n) % 2 else "down")

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {"up": 4, "down": 4}, "one row per attendee and answer, last vote"
    row = store.recent(1)[0]
    assert row["question"] == "q?" and row["answer"] == "a [1]" and row["citations"] == []
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError):
        store.record(given[0], "attendee-0", "maybe")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("answer_id", "client"),
    [
        ("given", "someone-else"),  # an answer given to another attendee
        ("ans-AAAAAAAAAAAAAAAA", "attendee"),  # an id the server never gave
        ("x" * 5000, "attendee"),
        (None, "attendee"),
        (12, "attendee"),
    ],
)
def test_feedback_names_an_answer_the_server_gave_that_attendee(tmp_path: Path, answer_id, client):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    given = store.remember(
        Answer(question="q", answer="a", abstained=False, engine="x"), "attendee"
    )
    assert store.record(given if answer_id == "given" else answer_id, client, "up") is None
    assert store.counts() == {}
