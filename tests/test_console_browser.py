"""The console in Debian's Chromium: log in, advance the agenda, see a submitted question appear.

Never `playwright install`: `make browser-deps` installs /usr/bin/chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from _console import console_settings, serve
from browser_setup import CHROMIUM, launch
from gradio_client import Client

from bot.settings import Settings

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.timeout(600)]

SECRET = "browser-secret"
EVIL = "<script>window.__pwned = 1</script>How is CERN governed? <img src=x onerror=alert(1)>"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser-deps` (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        context = launch(p, tmp_path / "profile", viewport={"width": 1366, "height": 1000})
        try:
            yield context
        finally:
            context.close()


def _page(browser, url: str):
    page = browser.new_page()
    page.route(re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/]).*"), lambda r: r.abort())
    page.set_default_timeout(60_000)
    page.goto(url)
    return page


def test_log_in_advance_and_see_a_question_arrive(
    browser, built_settings: Settings, tmp_path: Path, artifacts: Path
):
    settings = console_settings(built_settings, tmp_path, moderator_password=SECRET)
    with serve(settings) as (url, _demo):
        page = _page(browser, url)
        page.get_by_role("tab", name="Moderator").click()
        page.locator("#mc-secret input").fill("not the secret")
        page.locator("#mc-login").click()
        page.get_by_text("Wrong or missing moderator password").first.wait_for()
        assert not page.locator("#mc-agenda").is_visible()

        page.locator("#mc-secret input").fill(SECRET)
        page.locator("#mc-login").click()
        page.locator("#mc-item").wait_for()
        assert page.locator("#mc-item").inner_text() == "Opening and framing"
        page.locator("#mc-start").click()
        page.locator("#mc-advance").click()
        page.locator("#mc-item", has_text="Which AI research do markets leave undone?").wait_for()
        page.wait_for_function(
            "document.querySelector('#mc-remaining').textContent.trim().startsWith('11:')",
            timeout=15_000,
        )

        client = Client(url, verbose=False, analytics_enabled=False)
        sent = client.predict(EVIL, "<b>Mallory</b>", api_name="/audience_submit")
        assert sent["ok"]
        card = page.locator(f"#mc-queue [data-qid='{sent['question_id']}']")
        card.wait_for(timeout=20_000)  # the queue refreshes on a timer
        assert "How is CERN governed?" in card.inner_text()
        assert "Mallory" in card.inner_text()
        assert page.locator("#mc-queue script, #mc-queue img, #mc-queue b").count() == 0
        assert page.evaluate("window.__pwned === undefined")

        page.get_by_role("button", name="Fact-check").scroll_into_view_if_needed()
        page.get_by_label("Claim to fact-check").fill("CERN has 40 member states.")
        page.get_by_role("button", name="Fact-check").click()
        page.locator("#mc-prompt", has_text="contradicts").wait_for()
        assert page.locator("#mc-prompt a.db-cite-link").count() >= 1
        page.screenshot(path=str(artifacts / "moderator_console.png"), full_page=True)


def test_attendee_box_sends_and_upvotes_on_a_phone(
    browser, built_settings: Settings, tmp_path: Path, artifacts: Path, bot
):
    import gradio as gr

    from bot.feedback import feedback_store
    from bot.ui.context import UIContext
    from bot.ui.moderator import build_submit_box

    settings = console_settings(built_settings, tmp_path, moderator_password=SECRET)
    ctx = UIContext(settings=settings, bot=bot, feedback=feedback_store(settings))
    with gr.Blocks() as demo:
        build_submit_box(ctx)
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False)
    try:
        page = _page(browser, demo.local_url)
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#mc-ask textarea").fill("<i>Who</i> first proposed a CERN for AI?")
        page.locator("#mc-name textarea").fill("Zoë")
        page.locator("#mc-send").click()
        page.locator("#mc-send-status", has_text="your question is in").wait_for()
        choice = page.locator("#mc-public label", has_text="Who first proposed a CERN for AI?")
        choice.wait_for()
        assert "▲ 0" in choice.inner_text() and "Zoë" in choice.inner_text()
        choice.click()
        page.locator("#mc-send-status", has_text="Your vote is counted").wait_for()
        page.locator("#mc-public label", has_text="▲ 1 · Who first").wait_for()
        page.locator("#mc-public label", has_text="Who first proposed").click()
        page.locator("#mc-send-status", has_text="already voted").wait_for()
        assert page.locator("#mc-public i").count() == 0, "attendee markup stays text"
        page.screenshot(path=str(artifacts / "attendee_box_phone.png"), full_page=True)
    finally:
        demo.close()
