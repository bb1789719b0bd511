"""The app's named API against a real `debatebot serve` on 127.0.0.1, over the session index."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from browser_setup import running_app
from gradio_client import Client

from bot.citations import markers
from bot.models import Answer
from bot.pack import load_debate
from bot.prompts import phrase
from bot.settings import ROOT, Settings
from bot.ui.launch import launch_kwargs

# gradio_client's queue POST uses httpx's 5 s default; a busy shared CI box can exceed it.
TIMEOUT = {"timeout": 60}

pytestmark = [pytest.mark.server, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def app_url(built_settings: Settings, artifacts: Path) -> Iterator[str]:
    """A real app process on a free local port."""
    with running_app(built_settings, artifacts / "test_app_api.server.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(
        app_url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs=TIMEOUT
    )


def ask(client: Client, question: str, **kw) -> Answer:
    return Answer.model_validate(client.predict(question=question, api_name="/ask", **kw))


def test_the_named_endpoints_are_the_documented_api(client: Client):
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/open_questions", "/reading_list"} <= set(named)
    assert not [n for n in named if n.startswith("/respond") or n.startswith("/lambda")]


def test_ask_returns_the_answer_contract_with_deep_links(client: Client):
    answer = ask(client, "How is CERN funded?")
    assert not answer.abstained, answer.answer
    assert answer.engine == "offline"
    assert answer.citations
    numbers = {c.n for c in answer.citations}
    assert set(markers(answer.answer)) <= numbers
    for c in answer.citations:
        assert c.url.startswith("https://") and c.quote and c.title


def test_a_follow_up_uses_the_history(client: Client):
    first = ask(client, "How is CERN funded?")
    again = ask(client, "And who decides?", history=[[first.question, first.answer]])
    assert again.answer and (again.citations or again.related)


def test_a_source_filter_restricts_the_citations(client: Client, built_settings: Settings):
    post = load_debate(built_settings).event.post_source
    answer = ask(client, "What are the open questions?", source=post)
    assert {c.source_id for c in [*answer.citations, *answer.related]} <= {post}


def test_open_questions_are_the_posts_five_cited(client: Client, built_settings: Settings):
    expected = [q.heading for q in load_debate(built_settings).open_questions]
    briefs = client.predict(api_name="/open_questions")
    assert [b["heading"] for b in briefs] == expected
    for b in briefs:
        assert b["citation"]["quote"] == b["heading"]
        assert b["citation"]["url"].startswith("https://")
        assert b["framing"] and b["prompts"] and b["clusters"]
        assert [c["n"] for c in b["citations"]] == list(range(1, len(b["citations"]) + 1))


def test_reading_list_reports_indexed_and_missing(client: Client, built_settings: Settings):
    rows = client.predict(api_name="/reading_list")
    status = {r["id"]: r["status"] for r in rows}
    assert status[load_debate(built_settings).event.post_source] == "indexed"
    assert set(status.values()) <= {"indexed", "snapshot", "missing"}
    clusters = client.predict(cluster="safety", api_name="/reading_list")
    assert clusters and all(r["cluster"] == "safety" for r in clusters)


@pytest.mark.parametrize(
    ("question", "check"),
    [
        ("", lambda a: a.abstained and a.answer == phrase("empty_question")),
        ("   \n\t ", lambda a: a.abstained and a.answer == phrase("empty_question")),
        ("x" * 20_000, lambda a: any("2000" in n for n in a.notices)),
        ("<script>alert(1)</script>", lambda a: "<script" not in a.answer + a.question),
        ("How is CERN funded? " * 1000, lambda a: a.notices and (a.citations or a.related)),
    ],
    ids=["empty", "blank", "20000-chars", "script", "long-repeat"],
)
def test_bad_input_gets_a_plain_answer(client: Client, question: str, check):
    answer = ask(client, question)
    assert check(answer), answer


def test_rapid_repeated_submits_are_all_answered_alike(app_url: str):
    """Twelve attendees (each its own cookie) ask the same question at once."""
    clients = [
        Client(app_url, verbose=False, analytics_enabled=False, httpx_kwargs=TIMEOUT)
        for _ in range(12)
    ]
    jobs = [c.submit(question="How is CERN funded?", api_name="/ask") for c in clients]
    answers = [Answer.model_validate(j.result(timeout=240)) for j in jobs]
    assert len({tuple(c.url for c in a.citations) for a in answers}) == 1
    assert all(a.citations for a in answers)


def test_parallel_clients_do_not_fail(app_url: str):
    def one(i: int) -> Answer:
        c = Client(
            app_url,
            verbose=False,
            analytics_enabled=False,
            download_files=False,
            httpx_kwargs=TIMEOUT,
        )
        return ask(c, ["How is CERN funded?", "What is open source AI?"][i % 2])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert all(a.answer for a in answers)


def test_oversized_bodies_are_refused(app_url: str, built_settings: Settings):
    big = b"x" * (built_settings.app.max_body_kb * 1024 + 1)
    with httpx.Client(trust_env=False, timeout=30) as http:
        resp = http.post(
            app_url + "gradio_api/queue/join",
            content=big,
            headers={"content-type": "application/json"},
        )
    assert resp.status_code == 413


def test_the_server_binds_locally_and_never_shares(built_settings: Settings):
    kw = launch_kwargs(built_settings)
    assert kw["server_name"] == "127.0.0.1"
    assert kw["share"] is False and kw["show_error"] is False
    assert kw["max_file_size"] == built_settings.app.max_body_kb * 1024
    assert kw["footer_links"] == [], "the API is reachable but not advertised to attendees"


def test_the_console_is_a_page_of_its_own_not_an_attendee_tab(app_url: str):
    with httpx.Client(trust_env=False, timeout=30) as http:
        attendee, console = http.get(app_url).text, http.get(app_url + "moderator").text
    assert "mc-secret" not in attendee and "db-tab-moderator" not in attendee
    assert "mc-secret" in console and "aq-question" in attendee


def test_root_app_py_imports_without_launching(built_settings: Settings):
    code = "import app; print(type(app.demo).__name__)"
    env = {"DEBATEBOT_DATA_DIR": str(built_settings.data_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("Blocks")
