"""Nobody but the moderator can steer: the secret is checked on the server, for the API too.

The real app runs on 127.0.0.1; gradio_client calls the moderator endpoints without the secret
and with wrong ones (refused, nothing changed), then with the right one (it works).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _console import console_settings, serve
from gradio_client import Client
from pydantic import SecretStr

from bot.debate.auth import ConsoleOffError, ModeratorAuth, RefusedError
from bot.debate.console import get_console
from bot.debate.texts import message
from bot.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]
SECRET = "correct horse battery staple"
WRONG = ["", "wrong", SECRET + " ", SECRET.upper(), SECRET[:-1]]


def _settings(secret: str | None) -> Settings:
    debate = Settings().debate.model_copy(
        update={"moderator_password": SecretStr(secret) if secret else None}
    )
    return Settings().model_copy(update={"debate": debate})


@pytest.mark.parametrize(
    ("configured", "given", "outcome"),
    [
        (None, "", ConsoleOffError),
        (None, "anything", ConsoleOffError),
        ("s3cret", None, RefusedError),
        ("s3cret", "", RefusedError),
        ("s3cret", "s3cre", RefusedError),
        ("s3cret", "s3cret", None),
        ("pässwörd", "pässwörd", None),
    ],
)
def test_the_check(configured: str | None, given: str | None, outcome):
    auth = ModeratorAuth(_settings(configured))
    assert auth.enabled == (configured is not None)
    if outcome is None:
        auth.require(given)
        assert auth.check(given)
    else:
        with pytest.raises(outcome):
            auth.require(given)
        assert not auth.check(given)


# (endpoint, arguments after the secret)
CALLS = [
    ("/moderator_login", []),
    ("/moderator_agenda", []),
    ("/moderator_move", ["advance"]),
    ("/moderator_move", ["reset"]),
    ("/moderator_queue", [True]),
    ("/moderator_flag", [1, "hidden", True]),
    ("/moderator_flag", [1, "pinned", True]),
    ("/moderator_flag", [1, "answered", True]),
    ("/moderator_flag", [1, "approved", False]),
    ("/moderator_merge", [1, 2]),
    ("/moderator_prompt", ["factcheck", "CERN has 25 member states."]),
    ("/moderator_suggest", []),
    ("/moderator_use", ["anything"]),
    ("/moderator_log", []),
]


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory) -> Iterator[tuple[Client, Settings]]:
    folder: Path = tmp_path_factory.mktemp("auth")
    settings = console_settings(built_settings, folder, moderator_password=SECRET)
    with serve(settings) as (url, _demo):
        yield url, settings


def _client(url: str) -> Client:
    """A new attendee (its own cookie): a client that has guessed wrong waits, as it should."""
    return Client(url, verbose=False, analytics_enabled=False)


REFUSALS = ("Wrong or missing moderator password", "Too many wrong passwords")


def _snapshot(settings: Settings, bot) -> tuple:
    console = get_console(settings, bot, start_worker=False)
    status = console.agenda.status()
    items = [
        q.model_dump(exclude={"score", "answer", "route", "route_reason"})
        for q in console.queue.items(include_hidden=True)
    ]
    return status.position, status.started, items, console.feed.log()


def test_named_moderator_endpoints_exist(app):
    url, _ = app
    named = set(_client(url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {c for c, _ in CALLS} | {"/audience_submit", "/audience_upvote"} <= named
    assert not [n for n in named if "lambda" in n or n.startswith("/do_") or n.startswith("/run")]


def test_without_or_with_a_wrong_secret_everything_is_refused(app, bot):
    url, settings = app
    client = _client(url)
    for text in ("Who first proposed a CERN for AI?", "How much would AI Gigafactories cost?"):
        assert client.predict(text, "Ann", api_name="/audience_submit")["ok"]
    before = _snapshot(settings, bot)
    for secret in WRONG:
        for endpoint, args in CALLS:
            with pytest.raises(Exception) as err:
                client.predict(secret, *args, api_name=endpoint)
            assert any(r in str(err.value) for r in REFUSALS), (endpoint, secret)
            assert "nothing was changed" in str(err.value)
    assert _snapshot(settings, bot) == before, "a refused call changed nothing"


def test_with_the_right_secret_it_works(app, bot):
    url, settings = app
    client = _client(url)
    assert client.predict(SECRET, api_name="/moderator_login") == {"ok": True}
    moved = client.predict(SECRET, "advance", api_name="/moderator_move")
    assert moved["item"]["id"] == "q-a" and moved["started"]
    qid = client.predict("How is CERN governed?", "", api_name="/audience_submit")["question_id"]
    assert client.predict(SECRET, qid, "hidden", True, api_name="/moderator_flag")["changed"]
    visible = client.predict(SECRET, False, api_name="/moderator_queue")
    everything = client.predict(SECRET, True, api_name="/moderator_queue")
    assert qid not in [q["id"] for q in visible]
    assert [q["hidden"] for q in everything if q["id"] == qid] == [True]
    assert qid not in [q["id"] for q in client.predict(api_name="/audience_queue")]
    other = client.predict("Who pays for EuroHPC?", "", api_name="/audience_submit")["question_id"]
    assert client.predict(SECRET, other, 1, api_name="/moderator_merge") == {"merged": True}
    public = {q["id"]: q for q in client.predict(api_name="/audience_queue")}
    assert other not in public and public[1]["asked_by"] >= 2
    sug = client.predict(
        SECRET, "factcheck", "CERN has 40 member states.", api_name="/moderator_prompt"
    )
    assert sug["prompt"]["verdict"] == "contradicts" and sug["prompt"]["citations"]
    assert client.predict(SECRET, sug["id"], api_name="/moderator_use")["logged"] == 1
    log = client.predict(SECRET, api_name="/moderator_log")
    assert [r["kind"] for r in log] == ["factcheck"]
    assert get_console(settings, bot, start_worker=False).agenda.status().item.id == "q-a"


def test_with_no_secret_set_the_console_is_off(built_settings: Settings, tmp_path: Path, bot):
    settings = console_settings(built_settings, tmp_path)
    assert settings.debate.moderator_password is None
    with serve(settings) as (url, _demo):
        client = Client(url, verbose=False, analytics_enabled=False)
        for secret in ["", "anything"]:
            for endpoint, args in CALLS[:4]:
                with pytest.raises(Exception) as err:
                    client.predict(secret, *args, api_name=endpoint)
                assert message("console_off") in str(err.value)
        assert client.predict("Still open to attendees?", "", api_name="/audience_submit")["ok"]
    assert get_console(settings, bot, start_worker=False).agenda.status().position == 0
