"""The attendee panel and the moderator console in Debian's Chromium, at phone, tablet and
desktop widths, against the real app (`launch`, as `debatebot serve` runs it).

Never `playwright install`: `make browser-deps` installs /usr/bin/chromium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _console import console_settings, serve
from browser_setup import CHROMIUM, failed_components, launch
from gradio_client import Client

from bot.debate.texts import message
from bot.settings import Settings
from bot.ui.context import text

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.timeout(600)]

SECRET = "browser-secret"
EVIL = "<script>window.__pwned = 1</script>How is CERN governed? <img src=x onerror=alert(1)>"
LONG_WORD = "W" * 500
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser-deps` (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        context = launch(p, tmp_path / "profile", viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


def _page(browser, url: str, width: int, height: int = 900):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.route(re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]).*"), lambda r: r.abort())
    page.set_default_timeout(60_000)
    page.goto(url)
    return page


def _open_panel(page) -> None:
    """The Ask tab keeps the attendee panel in a fold; open it if it is closed."""
    if not page.locator("#aq-question").is_visible():
        page.locator("#db-audience-slot").get_by_text(text("send_box")).first.click()
    page.locator("#aq-question").wait_for()


def _api(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 60})


def _list_events(url: str) -> tuple[int, int]:
    """The ids of the events that fill the attendee list: on page load, and on a timer."""
    config = httpx.get(url + "config", timeout=30, trust_env=False).json()
    board = next(c["id"] for c in config["components"] if c["props"].get("elem_id") == "aq-list")
    fills = {
        t[1]: d["id"]
        for d in config["dependencies"]
        if board in d["outputs"]
        for t in d["targets"]
        if t[1] in ("load", "tick")
    }
    return fills["load"], fills["tick"]


def _fn_index(request) -> int | None:
    try:
        return json.loads(request.post_data or "{}").get("fn_index")
    except ValueError:
        return None


@pytest.mark.parametrize("width", [390, 1280])
def test_attendee_panel_sends_shows_and_upvotes_once(
    browser, built_settings: Settings, tmp_path: Path, artifacts: Path, width: int
):
    settings = console_settings(built_settings, tmp_path, moderator_password=SECRET)
    with serve(settings) as (url, _demo):
        earlier = _api(url).predict(
            "What would a CERN for AI cost?", "Ann", api_name="/audience_submit"
        )
        load, tick = _list_events(url)
        page = _page(browser, url, width)
        with page.expect_response(lambda r: _fn_index(r.request) in (load, tick)) as first:
            page.reload()
        assert _fn_index(first.value.request) == load and "aq-item" in first.value.text(), (
            "the list is filled as the page loads, not by the first refresh tick"
        )
        _open_panel(page)
        page.locator(f"#aq-list li[data-qid='{earlier['question_id']}']").wait_for()

        page.locator("#aq-question textarea").fill("<i>Who</i> first proposed a CERN for AI?")
        page.locator("#aq-name textarea").fill("Zoë")
        page.locator("#aq-send").click()
        page.locator("#aq-status", has_text="your question is in").wait_for()
        mine = page.locator("#aq-list li", has_text="Who first proposed a CERN for AI?")
        mine.wait_for()
        assert "Zoë" in mine.inner_text() and page.locator("#aq-list i").count() == 0
        vote = mine.locator("button.aq-vote")
        assert vote.inner_text().strip() == "▲ 0"
        vote.click()
        page.locator("#aq-status", has_text=message("audience_voted")).wait_for()
        page.wait_for_function(
            "b => b.getAttribute('aria-pressed') === 'true' && b.textContent.includes('1')",
            arg=vote.element_handle(),
        )
        vote.dispatch_event("click")  # a second tap, even past the disabled look
        page.evaluate(
            "b => { b.setAttribute('aria-pressed', 'false'); b.click(); }", vote.element_handle()
        )
        page.locator("#aq-status", has_text=message("audience_already_voted")).wait_for()
        page.reload()
        _open_panel(page)
        mine = page.locator("#aq-list li", has_text="Who first proposed a CERN for AI?")
        mine.wait_for()
        assert mine.locator("button.aq-vote").inner_text().strip() == "▲ 1", "counted once"

        page.locator("#aq-question textarea").fill(LONG_WORD)
        page.locator("#aq-send").click()
        long_item = page.locator("#aq-list li", has_text="WWWWWWWWWW")
        long_item.wait_for()
        assert page.evaluate(NO_OVERFLOW), "a 500-character word wraps inside the list"
        box = long_item.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        page.locator("#aq-panel").scroll_into_view_if_needed()
        assert not failed_components(page), "reloads and the panel's events leave no error"
        page.screenshot(path=str(artifacts / f"attendee_panel_{width}.png"), full_page=True)


def _log_in(page) -> None:
    page.locator("#mc-secret input").fill("not the secret")
    page.locator("#mc-login").click()
    page.get_by_text("Wrong or missing moderator password").first.wait_for()
    assert not page.locator("#mc-agenda").is_visible()
    page.locator("#mc-secret input").fill(SECRET)
    page.locator("#mc-login").click()
    page.locator("#mc-item").wait_for()


def _card(page, qid: int):
    return page.locator(f"#mc-queue .mc-q[data-qid='{qid}']")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (768, 1024), (390, 844)])
def test_console_cards_shortcuts_and_sticky_agenda(
    browser, built_settings: Settings, tmp_path: Path, artifacts: Path, width: int, height: int
):
    settings = console_settings(built_settings, tmp_path, moderator_password=SECRET)
    with serve(settings) as (url, _demo):
        page = _page(browser, url + "moderator", width, height)
        _log_in(page)
        assert page.locator("#mc-item").inner_text() == "Opening and framing"
        page.locator("#mc-start").click()
        page.locator("#mc-advance").click()
        page.locator("#mc-item", has_text="Which AI research do markets leave undone?").wait_for()

        api = _api(url)
        evil = api.predict(EVIL, "<b>Mallory</b>", api_name="/audience_submit")["question_id"]
        long_q = api.predict(LONG_WORD, "", api_name="/audience_submit")["question_id"]
        keep = api.predict("How is CERN funded?", "", api_name="/audience_submit")["question_id"]
        fold = api.predict("Who pays for AI Gigafactories?", "", api_name="/audience_submit")[
            "question_id"
        ]
        _card(page, fold).wait_for(timeout=20_000)  # the queue refreshes on a timer
        card = _card(page, evil)
        assert "How is CERN governed?" in card.inner_text() and "Mallory" in card.inner_text()
        assert page.locator("#mc-queue script, #mc-queue img, #mc-queue b").count() == 0
        assert page.evaluate("window.__pwned === undefined")
        assert page.evaluate(NO_OVERFLOW), "the 500-character card wraps"

        card.locator("button[data-act='pin']").click()
        pinned = card.locator(".mc-badge-pinned")
        pinned.wait_for()
        assert pinned.inner_text() == message("ui_badge_pinned")
        assert not [t for t in page.locator("#mc-queue .mc-badge").all_inner_texts() if "mc-" in t]

        _card(page, long_q).locator(".mc-text").click()  # select by tapping, then a key
        page.keyboard.press("h")
        _card(page, long_q).wait_for(state="detached")
        page.locator("#mc-note", has_text=f"#{long_q}").wait_for()

        _card(page, fold).locator("button[data-act='merge']").click()
        _card(page, keep).locator("button.mc-into").click()
        _card(page, fold).wait_for(state="detached")
        _card(page, keep).locator(".db-meta", has_text="asked by 2").wait_for()

        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(300)
        top = page.locator("#mc-top").bounding_box()
        assert top is not None and top["y"] >= -1 and top["y"] + top["height"] <= height
        if page.evaluate("window.scrollY") > 100:  # scrolled past it: it sticks to the top
            assert abs(top["y"]) <= 1, "the clock stays in view when scrolling"
        assert page.locator("#mc-remaining").is_visible()
        page.screenshot(path=str(artifacts / f"moderator_console_{width}.png"))

        page.mouse.wheel(0, -3000)
        page.get_by_role("button", name="Fact-check").scroll_into_view_if_needed()
        page.get_by_label("Claim to fact-check").fill("CERN has 40 member states.")
        page.get_by_role("button", name="Fact-check").click()
        page.locator("#mc-prompt", has_text="contradicts").wait_for()
        assert page.locator("#mc-prompt a.db-cite-link").count() >= 1
        page.keyboard.press("n")  # the shortcut for the next agenda item, outside a text box
        page.locator("#mc-item", has_text="Europe").wait_for()


def test_console_in_moderated_mode_approves_before_attendees_see(
    browser, built_settings: Settings, tmp_path: Path, artifacts: Path
):
    settings = console_settings(built_settings, tmp_path, moderator_password=SECRET, moderated=True)
    with serve(settings) as (url, _demo):
        api = _api(url)
        sent = api.predict(
            "Should a CERN for AI open its models?", "Lu", api_name="/audience_submit"
        )
        assert sent["message"] == message("audience_awaiting")
        assert api.predict(api_name="/audience_queue") == []
        page = _page(browser, url + "moderator", 1280)
        _log_in(page)
        page.locator("#mc-moderated").wait_for()
        card = _card(page, sent["question_id"])
        card.locator(".mc-badge-awaiting").wait_for()
        assert card.locator(".mc-badge-awaiting").inner_text() == message("ui_badge_awaiting")
        card.locator("button[data-act='approve']").click()
        card.locator(".mc-badge-awaiting").wait_for(state="detached")
        assert [q["id"] for q in api.predict(api_name="/audience_queue")] == [sent["question_id"]]
        attendee = _page(browser, url, 390)
        _open_panel(attendee)
        attendee.locator("#aq-list li", has_text="Should a CERN for AI open its models?").wait_for()
        page.screenshot(path=str(artifacts / "moderator_console_moderated.png"))
