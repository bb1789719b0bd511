"""Kill the app with SIGKILL mid-run and restart it: nothing that was acknowledged is lost."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from gradio_client import Client

from bot.settings import Settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]
SECRET = "crash-test-secret"
TOPICS = [
    "CERN's budget",
    "the Higgs boson",
    "open-source models",
    "AI Gigafactories",
    "EuroHPC",
    "NAIRR",
    "neurosymbolic AI",
    "AI safety institutes",
    "talent networks",
    "tiered access",
    "CLAIRE",
    "BigScience",
    "the AI for Good Summit",
    "dual-use research",
    "member states",
]
TEMPLATES = [
    "What does the reading list say about {t}?",
    "How would a CERN for AI deal with {t}?",
    "Who funds {t}, and why?",
    "Is {t} relevant to the Geneva debate?",
]


def _start(settings: Settings, port: int, log: Path):
    proc = start_server(settings, port, log_file=log)
    wait_until_up(f"http://127.0.0.1:{port}/", timeout=240, proc=proc)
    return proc, Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)


def test_acknowledged_questions_votes_and_agenda_survive_sigkill(
    built_settings: Settings, tmp_path: Path, artifacts: Path, monkeypatch: pytest.MonkeyPatch
):
    queue_db = tmp_path / "audience.sqlite3"
    monkeypatch.setenv("DEBATEBOT_MODERATOR_PASSWORD", SECRET)
    monkeypatch.setenv("DEBATEBOT_DEBATE__QUEUE_DB", str(queue_db))
    monkeypatch.setenv("DEBATEBOT_DEBATE__CONSOLE_DB", str(tmp_path / "moderator.sqlite3"))
    monkeypatch.setenv("DEBATEBOT_DEBATE__SUBMIT_PER_MINUTE", "1000")
    port = free_port()
    proc, client = _start(built_settings, port, artifacts / "crash.first.log")
    acked: list[tuple[str, int]] = []  # (text, question id) the server acknowledged
    votes: list[int] = []  # questions whose upvote the server acknowledged
    lock = threading.Lock()
    try:
        assert client.predict(SECRET, "start", api_name="/moderator_move")["started"]
        client.predict(SECRET, "advance", api_name="/moderator_move")
        client.predict(SECRET, "advance", api_name="/moderator_move")
        warm = client.predict("How is CERN governed?", "", api_name="/audience_submit")
        acked.append(("How is CERN governed?", warm["question_id"]))
        enough = threading.Event()

        def attendee(n: int) -> None:
            me = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
            for i, t in enumerate(TOPICS):
                text = TEMPLATES[(n + i) % len(TEMPLATES)].format(t=t)
                try:
                    sent = me.predict(text, f"attendee {n}", api_name="/audience_submit")
                    assert sent["ok"], sent
                    voted = me.predict(sent["question_id"], api_name="/audience_upvote")
                except Exception:
                    return  # the server was killed: this one was never acknowledged
                with lock:
                    acked.append((text, sent["question_id"]))
                    if voted["ok"]:
                        votes.append(sent["question_id"])
                    if len(acked) >= 30:
                        enough.set()

        threads = [threading.Thread(target=attendee, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        assert enough.wait(timeout=300), "the attendees could not submit"
        proc.kill()  # SIGKILL, mid-run: no shutdown hooks, no flush
        proc.wait(timeout=10)
        for t in threads:
            t.join(timeout=60)
    finally:
        stop_server(proc) if proc.poll() is None else None

    with lock:
        acked_now, votes_now = list(acked), list(votes)
    proc, client = _start(built_settings, port, artifacts / "crash.second.log")
    try:
        agenda = client.predict(SECRET, api_name="/moderator_agenda")
        assert agenda["item"]["id"] == "q-b" and agenda["started"]
        queue = {q["id"]: q for q in client.predict(SECRET, True, api_name="/moderator_queue")}
        assert {qid for _, qid in acked_now} <= set(queue)
        with sqlite3.connect(queue_db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = conn.execute("SELECT text, question_id FROM submissions").fetchall()
            vote_rows = conn.execute("SELECT question_id, session_id FROM votes").fetchall()
            merged_ok = conn.execute(
                "SELECT COUNT(*) FROM questions q WHERE merged + 1 != "
                "(SELECT COUNT(*) FROM submissions s WHERE s.question_id = q.id)"
            ).fetchone()[0]
        for pair in set(acked_now):
            assert stored.count(pair) >= acked_now.count(pair), f"acknowledged but lost: {pair}"
        for qid in set(votes_now):
            stored_votes = sum(1 for q, _ in vote_rows if q == qid)
            assert stored_votes >= votes_now.count(qid), f"acknowledged votes lost on #{qid}"
            assert queue[qid]["votes"] == stored_votes
        assert len(vote_rows) == len(set(vote_rows)), "one vote per attendee and question"
        assert merged_ok == 0, "merged counts match the stored submissions"
    finally:
        stop_server(proc)
