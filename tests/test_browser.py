"""A real browser (Debian's Chromium via Playwright) against a real app, with the network cut off.

Every request that is not to 127.0.0.1 is aborted, so the page must work without CDN fonts or
scripts. Never run `playwright install`: `make browser-deps` installs /usr/bin/chromium.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_setup import CHROMIUM, launch, running_app
from gradio_client import Client

from bot.debate.pack_data import load_debate
from bot.feedback import FeedbackStore, feedback_path
from bot.models import Answer
from bot.settings import Settings

playwright = pytest.importorskip("playwright.sync_api")

# gradio_client's queue POST uses httpx's 5 s default; a busy shared CI box can exceed it.
TIMEOUT = {"timeout": 60}

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.timeout(300)]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
QUESTION = "How is CERN funded?"
FINAL_ANSWER = "#db-chat .db-answer:not(.db-streaming) .db-sources"


@pytest.fixture(scope="module")
def app_url(built_settings: Settings, artifacts: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser-deps` (apt-get install chromium)")
    with running_app(built_settings, artifacts / "test_browser.server.log") as url:
        yield url


@pytest.fixture(scope="module")
def contract(app_url: str) -> Answer:
    """What /ask says about the test question: the deep links the page must show."""
    client = Client(
        app_url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs=TIMEOUT
    )
    return Answer.model_validate(client.predict(question=QUESTION, api_name="/ask"))


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """A fresh Chromium profile that can reach 127.0.0.1 and nothing else."""
    blocked: list[tuple[str, str]] = []

    def route(r) -> None:
        if re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", r.request.url):
            r.continue_()
        else:
            blocked.append((r.request.resource_type, r.request.url))
            r.abort()

    with playwright.sync_playwright() as p:
        browser = launch(p, tmp_path / "profile", **VIEWPORTS[request.param])
        try:
            pg = browser.new_page()
            pg.route("**/*", route)
            pg.set_default_timeout(120_000)
            pg.blocked = blocked  # type: ignore[attr-defined]
            pg.name = request.param  # type: ignore[attr-defined]
            yield pg
        finally:
            browser.close()


def ask_in_page(pg, question: str) -> None:
    box = pg.locator("#db-question textarea")
    box.fill(question)
    box.press("Enter")


def open_tab(pg, name: str) -> None:
    """Click a tab; on a narrow screen Gradio may have folded it into its "More tabs" menu."""
    tab = pg.get_by_role("tab", name=name)
    if tab.count() == 0 or not tab.is_visible():
        pg.get_by_label("More tabs").click()
        tab = pg.locator(".overflow-dropdown button", has_text=name)
    tab.click()


def cite_hrefs(pg) -> list[str]:
    return pg.eval_on_selector_all(
        "#db-chat a.db-cite-link", "els => els.map(e => e.getAttribute('href'))"
    )


def test_ask_cite_and_open_questions(
    page, app_url: str, contract: Answer, built_settings: Settings, artifacts: Path
):
    name = page.name
    page.goto(app_url)
    ask_in_page(page, QUESTION)
    page.wait_for_selector(FINAL_ANSWER)
    hrefs = cite_hrefs(page)
    deep_links = {c.url for c in contract.citations}
    assert deep_links, "the contract answer has no citations"
    assert set(hrefs) & deep_links, (hrefs, deep_links)
    sources = page.eval_on_selector_all(
        "#db-chat a.db-source-link", "els => els.map(e => e.getAttribute('href'))"
    )
    assert sources == [c.url for c in contract.citations]
    page.screenshot(path=artifacts / f"browser-{name}-answer.png", full_page=True)

    # Markup typed by a user is shown as text and never runs.
    ask_in_page(page, "<script>window.pwned=1</script><img src=x onerror='window.pwned=2'>")
    page.wait_for_function(
        "() => document.querySelectorAll('#db-chat .db-answer:not(.db-streaming)').length >= 2"
    )
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned=1</script>" in page.inner_text("#db-chat")

    # The Markdown export carries the same numbers, quotes and links.
    page.get_by_text("Copy or download the conversation").click()
    exported = page.locator("#db-export textarea").input_value()
    for c in contract.citations:
        assert f"[{c.n}] {c.title}" in exported and f"<{c.url}>" in exported
    with page.expect_download() as info:
        page.locator("#db-download").click()
    assert Path(info.value.path()).read_text(encoding="utf-8") == exported

    # The conversation and its citations survive a reload (kept in the browser).
    page.reload()
    page.wait_for_selector(FINAL_ANSWER)
    assert cite_hrefs(page)[: len(hrefs)] == hrefs

    # The open questions: five, worded as the post's headings, each cited.
    open_tab(page, "Open questions")
    headings = page.locator(".db-oq-heading")
    headings.first.wait_for()
    expected = [q.heading for q in load_debate(built_settings).open_questions]
    assert [h.strip() for h in headings.all_inner_texts()] == expected
    page.wait_for_function("() => document.querySelectorAll('.db-oq-wording a').length === 5")
    page.screenshot(path=artifacts / f"browser-{name}-open-questions.png", full_page=True)

    # Everything above worked with the network cut off; nothing needed a CDN.
    needed = [u for kind, u in page.blocked if kind in {"script", "stylesheet", "font"}]
    assert not needed, needed


def test_next_question_and_source_filter(page, app_url: str, built_settings: Settings):
    debate = load_debate(built_settings)
    page.goto(app_url)
    page.locator("#db-pose-next").click()
    page.wait_for_selector(FINAL_ANSWER)
    first = page.inner_text("#db-chat .db-answer >> nth=-1")
    assert debate.open_questions[0].heading in first
    ask_in_page(page, "next question")
    page.wait_for_function(
        "() => document.querySelectorAll('#db-chat .db-answer:not(.db-streaming)').length >= 2"
    )
    assert debate.open_questions[1].heading in page.inner_text("#db-chat .db-answer >> nth=-1")

    # A thumbs-up lands in the organisers' SQLite file with the question and citations.
    store = FeedbackStore(feedback_path(built_settings))
    before = store.counts().get("up", 0)
    page.locator("#db-chat button[aria-label='Like']").last.click()
    deadline = time.monotonic() + 30
    while store.counts().get("up", 0) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    vote = store.recent(1)[0]
    assert vote["vote"] == "up" and vote["question"] == "next question"
    assert vote["citations"] and vote["citations"][0]["url"].startswith("https://")

    # Bad input through the UI: empty does nothing, 20,000 characters are cut with a notice,
    # and five quick Enters while an answer is pending add one answer, not five.
    answers = "#db-chat .db-answer:not(.db-streaming)"
    count = page.locator(answers).count()
    ask_in_page(page, "")
    page.wait_for_timeout(1000)
    assert page.locator(answers).count() == count
    box = page.locator("#db-question textarea")
    box.fill("x" * 20_000)
    for _ in range(5):
        box.press("Enter")
    page.wait_for_function(f"() => document.querySelectorAll('{answers}').length > {count}")
    page.wait_for_timeout(1500)
    assert page.locator(answers).count() == count + 1
    assert "2000" in page.inner_text(f"{answers} >> nth=-1")

    # Reading list: pick a row, ask restricted to that source.
    open_tab(page, "Reading list")
    first_cell = page.locator("#db-reading-list [data-testid='cell-0-0']")
    first_cell.wait_for()
    title = first_cell.inner_text().strip()
    assert title == "CERN for AI: One Analogy, Many Visions"
    first_cell.click()
    page.wait_for_function(
        "t => document.querySelector('#db-rl-pick input').value === t", arg=title
    )
    page.locator("#db-rl-ask").click()
    page.locator("#db-filter-note").get_by_text(title).wait_for()
    assert page.locator("#db-source input").input_value() == title
