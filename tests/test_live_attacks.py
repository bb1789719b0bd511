"""Issue 12's attacks, each against a real `debatebot serve` on 127.0.0.1 (bounded loops).

A bored attendee with a script: votes under made-up voter names, a fresh session hash per
submission, forged thumbs with answer text of their choosing, formulas for the organisers'
spreadsheet, a flood of /ask, password guessing, and cookies minted by the hundred. The server
decides who a client is, so each of these now counts once, waits, or is refused.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from browser_setup import running_app
from gradio_client import Client

from bot.debate.texts import message
from bot.feedback import feedback_path
from bot.settings import Settings
from bot.ui.identity import COOKIE

pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]
SECRET = "live-attack-secret"


def _env(folder: Path, **extra: str) -> dict[str, str]:
    return {
        "DEBATEBOT_MODERATOR_PASSWORD": SECRET,
        "DEBATEBOT_DEBATE__QUEUE_DB": str(folder / "audience.sqlite3"),
        "DEBATEBOT_DEBATE__CONSOLE_DB": str(folder / "moderator.sqlite3"),
        **extra,
    }


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory, artifacts: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("attacks")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in _env(folder).items():
            mp.setenv(key, value)
        with running_app(built_settings, artifacts / "test_live_attacks.server.log") as url:
            yield url, folder


class Phone:
    """A script pretending to be a browser: one page load (the server's cookie), raw POSTs."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60, trust_env=False)
        self.http.get("/").raise_for_status()

    def run(self, api: str, *data: object, session: str = "s", **body: object) -> httpx.Response:
        return self.http.post(
            f"gradio_api/run/{api}", json={"data": list(data), "session_hash": session, **body}
        )

    def call(self, api: str, *data: object, session: str = "s") -> dict:
        resp = self.run(api, *data, session=session)
        resp.raise_for_status()
        return resp.json()["data"][0]


def client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 60})


def _votes(folder: Path, qid: int) -> int:
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        return conn.execute("SELECT votes FROM questions WHERE id = ?", (qid,)).fetchone()[0]


def test_made_up_voter_names_count_once(app):
    url, folder = app
    me = Phone(url)
    qid = me.call("audience_submit", "Who would fund a CERN for AI?", "")["question_id"]
    size = (folder / "audience.sqlite3").stat().st_size
    for i in range(40):
        me.run("audience_upvote", qid, f"voter-{i}", session=f"s{i}")
    for _ in range(5):
        me.run("audience_upvote", qid, "v" * 200_000)
    assert _votes(folder, qid) == 1, "one attendee, one vote, whatever name it sends"
    wal = folder / "audience.sqlite3-wal"
    grown = (folder / "audience.sqlite3").stat().st_size - size
    assert grown + (wal.stat().st_size if wal.exists() else 0) < 2_000_000
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        longest = conn.execute("SELECT MAX(LENGTH(session_id)) FROM votes").fetchone()[0]
    assert longest < 40, "vote keys are the server's, not the client's strings"
    assert Phone(url).call("audience_upvote", qid)["ok"], "another attendee still counts"
    assert _votes(folder, qid) == 2


@pytest.mark.parametrize(
    "bad", ["1; DROP TABLE votes", True, 1.5, 2**60, [1], {"id": 1}, None, -3, 0]
)
def test_bad_question_ids_are_refused_before_any_write(app, bad):
    url, folder = app
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        before = conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    out = Phone(url).call("audience_upvote", bad)
    assert out == {"ok": False, "message": message("audience_no_question"), "votes": None}
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0] == before


@pytest.mark.parametrize(
    ("question", "name"),
    [(["a", "list"], ""), ({"q": 1}, ""), (12345, ""), ("x" * 150_000, ""), ("Fine?", ["n"])],
    ids=["list", "dict", "number", "150KB", "name-list"],
)
def test_bad_submissions_are_refused_before_any_write(app, question, name):
    url, folder = app
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        before = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    out = Phone(url).call("audience_submit", question, name)
    assert not out["ok"] and out["message"]
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == before


def test_a_new_session_hash_per_call_does_not_reset_the_limit(app, built_settings: Settings):
    url, _ = app
    me = Phone(url)
    limit = built_settings.debate.submit_per_minute
    sent = [
        me.call("audience_submit", f"What does the post say about topic {i}?", "", session=f"h{i}")
        for i in range(limit + 4)
    ]
    assert sum(s["ok"] for s in sent) == limit
    assert "Please wait" in sent[-1]["message"]


def _feedback_rows(settings: Settings) -> int:
    path = feedback_path(settings)
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]


def test_feedback_cannot_be_forged_through_the_ui_handler(app, built_settings: Settings):
    url, _ = app
    config = httpx.get(url + "config", timeout=30, trust_env=False).json()
    like = next(
        d["id"] for d in config["dependencies"] if any(t[1] == "like" for t in d["targets"])
    )
    before = _feedback_rows(built_settings)
    me = Phone(url)
    forged = [
        {
            "question": "forged?",
            "answer_id": answer_id,
            "answer": {
                "question": "forged?",
                "answer": '=HYPERLINK("http://example.invalid","click")',
                "abstained": False,
                "engine": "offline",
            },
        }
        for answer_id in (None, "ans-AAAAAAAAAAAAAAAA", "x" * 5000)
    ]
    for i in range(60):
        me.run(
            "on_like",
            forged,
            fn_index=like,
            event_data={"index": 2 * (i % 3) + 1, "value": "x", "liked": bool(i % 2)},
            session=f"f{i}",
        )
    assert _feedback_rows(built_settings) == before, "no answer the server gave, no feedback"


def _dependency(config: dict, elem_id: str, trigger: str) -> int:
    ids = {c["id"] for c in config["components"] if c["props"].get("elem_id") == elem_id}
    return next(
        d["id"]
        for d in config["dependencies"]
        if any(t == [i, trigger] for i in ids for t in d["targets"])
    )


def _chat(me: Phone, fn_index: int, question: str) -> list[dict]:
    """Ask in the chat as the browser does (queue join, then the event stream); the turns."""
    session = f"chat-{time.monotonic_ns()}"
    body = {"data": [question, [], ""], "fn_index": fn_index, "session_hash": session}
    me.http.post("gradio_api/queue/join", json=body).raise_for_status()
    with me.http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as s:
        for line in s.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed":
                return msg["output"]["data"][1]
    raise AssertionError("the chat never answered")


def test_a_thumb_counts_once_for_the_attendee_the_answer_was_given_to(
    app, built_settings: Settings
):
    url, _ = app
    config = httpx.get(url + "config", timeout=30, trust_env=False).json()
    me = Phone(url)
    turns = _chat(me, _dependency(config, "db-question", "submit"), "How is CERN funded?")
    assert turns and turns[-1]["answer_id"].startswith("ans-")
    like = _dependency(config, "db-chat", "like")
    before = _feedback_rows(built_settings)
    for liked in (True, False, True):
        event = {"index": 1, "value": "x", "liked": liked}
        me.run("on_like", turns, fn_index=like, event_data=event).raise_for_status()
    assert _feedback_rows(built_settings) == before + 1, "one row, its vote replaced"
    Phone(url).run("on_like", turns, fn_index=like, event_data=event).raise_for_status()
    assert _feedback_rows(built_settings) == before + 1, "another attendee cannot vote on it"


def test_spreadsheet_formulas_are_escaped_and_the_export_is_complete(
    app, built_settings: Settings, tmp_path: Path
):
    from bot.debate.export import export_all

    url, folder = app
    texts = ['=HYPERLINK("http://example.invalid","Free tickets")', "+1 is CERN open to all?"]
    for text in texts:
        assert Phone(url).call("audience_submit", text, "@admin")["ok"]
    settings = built_settings.model_copy(
        update={
            "debate": built_settings.debate.model_copy(
                update={
                    "queue_db": folder / "audience.sqlite3",
                    "console_db": folder / "moderator.sqlite3",
                }
            )
        }
    )
    export_all(settings, tmp_path)
    with (tmp_path / "submissions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with sqlite3.connect(folder / "audience.sqlite3") as conn:
        assert len(rows) == conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    cells = [v for r in rows for v in r.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'" + texts[0] in cells and "'@admin" in cells


def test_one_flooding_client_cannot_starve_other_attendees_or_the_moderator(app):
    url, _ = app
    flooder = client(url)
    jobs = [
        flooder.submit(question=f"What is EuroHPC, part {i}?", api_name="/ask") for i in range(80)
    ]
    time.sleep(0.5)  # the flood has joined (or been refused) before the others arrive
    other, moderator = client(url), client(url)
    with ThreadPoolExecutor(2) as pool:
        answer = pool.submit(other.predict, question="How is CERN funded?", api_name="/ask")
        queue = pool.submit(moderator.predict, SECRET, True, api_name="/moderator_queue")
        assert answer.result(timeout=120)["answer"]
        assert isinstance(queue.result(timeout=120), list)
    outcomes = []
    for job in jobs:
        try:
            job.result(timeout=120)
            outcomes.append("answered")
        except Exception as exc:  # refused at the door
            outcomes.append("429" if "429" in str(exc) else repr(exc))
    assert set(outcomes) <= {"answered", "429"}, outcomes
    assert outcomes.count("429") >= 40, "the flood is refused, not queued"


def test_password_guessing_waits_and_the_moderator_still_gets_in(app, built_settings: Settings):
    url, _ = app
    guesser = client(url)
    checked = throttled = 0
    started = time.monotonic()
    for i in range(40):
        try:
            guesser.predict(f"guess-{i}", api_name="/moderator_login")
        except Exception as exc:
            checked += message("console_refused") in str(exc)
            throttled += "Too many wrong passwords" in str(exc)
    elapsed = time.monotonic() - started
    cfg = built_settings.limits
    # After the free attempts, one check per doubling wait: 2 s, 4 s, 8 s, ...
    doublings = math.ceil(math.log2(elapsed / cfg.login_backoff_s + 1))
    assert checked <= cfg.login_free_attempts + doublings, (checked, elapsed)
    assert throttled == 40 - checked
    assert client(url).predict(SECRET, api_name="/moderator_login") == {"ok": True}


def test_minting_cookies_by_the_hundred_is_budgeted_per_address(
    built_settings: Settings, tmp_path: Path, artifacts: Path
):
    with pytest.MonkeyPatch.context() as mp:
        env = _env(tmp_path, DEBATEBOT_LIMITS__NEW_IDS_BURST="10")
        env["DEBATEBOT_LIMITS__NEW_IDS_PER_MINUTE"] = "6"
        for key, value in env.items():
            mp.setenv(key, value)
        with running_app(built_settings, artifacts / "test_live_attacks.mint.log") as url:
            first = Phone(url)
            qid = first.call("audience_submit", "How is CERN governed?", "")["question_id"]
            cookies, votes = set(), 0
            for _ in range(60):
                fresh = httpx.Client(base_url=url, timeout=30, trust_env=False)
                fresh.get("/").raise_for_status()
                cookies.add(fresh.cookies.get(COOKIE))
                out = fresh.post(
                    "gradio_api/run/audience_upvote", json={"data": [qid], "session_hash": "x"}
                )
                votes += out.status_code == 200 and out.json()["data"][0]["ok"]
            assert len(cookies - {None}) <= 10 + 2, "the budget (plus a minute's refill)"
            assert None in cookies, "past the budget, no cookie: the client is its address"
            assert votes <= 10 + 2 + 1, "all cookie-less clients of an address share one vote"


def test_the_server_names_the_client_whatever_it_claims(app):
    url, _ = app
    me = Phone(url)
    token = me.http.cookies.get(COOKIE)
    assert token and token.count(".") == 2
    thief = httpx.Client(base_url=url, timeout=30, trust_env=False)
    forged = token.split(".")[0] + ".0.AAAA"
    thief.cookies.set(COOKIE, forged)
    qid = me.call("audience_submit", "Is a CERN for AI about compute?", "")["question_id"]
    assert me.call("audience_upvote", qid)["ok"]
    out = thief.post("gradio_api/run/audience_upvote", json={"data": [qid], "session_hash": "t"})
    assert out.json()["data"][0]["ok"], "a forged cookie is a different (address) client"
