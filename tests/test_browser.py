"""The attendee's app in a real browser (Debian's Chromium via Playwright), at 1280 and 390 px.

Every request that is not to 127.0.0.1 is aborted, so the page must work without CDN fonts or
scripts. Never run `playwright install`: `make browser-deps` installs /usr/bin/chromium.
Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from attendee_page import (
    ANSWERS,
    ATTENDEE_TABS,
    answer_position,
    ask_in_page,
    contrast,
    covered,
    horizontal_overflow,
    lands_on_answer,
    open_fold,
    open_tab,
    too_faint,
    wait_for_answers,
)
from browser_setup import CHROMIUM, failed_components, launch, running_app
from gradio_client import Client

from bot.feedback import FeedbackStore, feedback_path
from bot.models import Answer
from bot.pack import load_debate
from bot.registry import by_id
from bot.settings import Settings
from bot.ui.context import text

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
FIRST = "What is a CERN for AI?"
QUESTION = "What are the open questions of the debate?"  # long: more than a phone's chat box
FACT = "How is CERN governed?"  # answered from the post's own sentences
# What an attendee should never have to read: the machinery behind the answers.
TECHNICAL = ("Answers by:", "index built", "offline engine", "answered by offline")


@pytest.fixture(scope="module")
def app_url(built_settings: Settings, artifacts: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser-deps` (apt-get install chromium)")
    with running_app(built_settings, artifacts / "test_browser.server.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(
        app_url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs=TIMEOUT
    )


@pytest.fixture(scope="module")
def contract(client: Client) -> Answer:
    """What /ask says about the test question after a first one: the quotes and deep links the
    page must show for it (the first question is context, as in the chat)."""
    first = Answer.model_validate(client.predict(question=FIRST, api_name="/ask"))
    history = [[FIRST, first.answer]]
    return Answer.model_validate(
        client.predict(question=QUESTION, history=history, api_name="/ask")
    )


@pytest.fixture(scope="module")
def states(client: Client) -> dict[str, str]:
    """Each source's status as the reading-list API reports it."""
    return {e["id"]: e["status"] for e in client.predict(api_name="/reading_list")}


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


def loaded(pg, url: str) -> None:
    """Open the app and wait until the stored conversation (if any) has been restored."""
    pg.goto(url)
    pg.locator("#db-question textarea").wait_for()
    pg.wait_for_function("() => document.querySelector('#db-chat')")
    pg.wait_for_timeout(500)


def test_first_screen_ask_is_in_view_all_tabs_reachable(page, app_url: str, artifacts: Path):
    loaded(page, app_url)
    box = page.locator("#db-question textarea").bounding_box()
    assert box and box["y"] + box["height"] <= page.viewport_size["height"], box
    for name in ATTENDEE_TABS:  # each on the bar itself, none folded into a "more" menu
        assert page.get_by_role("tab", name=name, exact=True).is_visible(), name
    assert (
        page.get_by_label("More tabs").count() == 0
        or not page.get_by_label("More tabs").is_visible()
    )
    shown = page.inner_text("body")
    assert not [t for t in TECHNICAL if t in shown], shown
    assert not page.locator("#db-status").is_visible()
    page.screenshot(path=artifacts / f"browser-{page.name}-start.png")


def test_answer_once_footnotes_panel_and_scroll(
    page, app_url: str, contract: Answer, artifacts: Path
):
    assert contract.citations, "the contract answer has no citations"
    loaded(page, app_url)
    ask_in_page(page, FIRST)
    wait_for_answers(page, 1)
    ask_in_page(page, QUESTION)
    wait_for_answers(page, 2)
    turn = page.locator(ANSWERS).last
    shown = turn.inner_text()
    # Each quote once in the turn: the answer's text, never repeated by the source panel.
    for c in contract.citations:
        assert shown.count(c.quote) == 1, c.quote
    # Footnotes [n] link to the deep links; the panel names each source once.
    hrefs = turn.locator("a.db-cite-link").evaluate_all("els => els.map(e => e.href)")
    assert {c.url for c in contract.citations} <= {*hrefs, *map(_unescaped, hrefs)}
    panel_ids = cited_sources(turn)
    assert sorted(panel_ids) == sorted({c.source_id for c in contract.citations})
    panel_n = turn.locator(".db-sources a.db-source-link").all_inner_texts()
    assert sorted(int(n.strip("[]")) for n in panel_n) == [c.n for c in contract.citations]
    # The scroll lands on the new answer's first line, not on the end of its sources.
    page.wait_for_timeout(300)
    at = answer_position(page)
    assert lands_on_answer(page), at  # its top, or as near as a short answer can rise
    if page.name == "phone":  # longer than the box: Gradio's autoscroll would show its end
        assert at["room"] > 40, at
    top = turn.bounding_box()
    assert top and 0 <= top["y"] < page.viewport_size["height"] - 100, top
    assert not covered(page, ANSWERS)
    shown_all = page.inner_text("body")
    assert not [t for t in TECHNICAL if t in shown_all]
    assert not failed_components(page), "no event on the page failed"
    page.screenshot(path=artifacts / f"browser-{page.name}-answer.png")
    if page.name == "phone":
        page.screenshot(path=artifacts / "attendee-phone.png")

    # What runs behind the bot is one fold away, for whoever wants it.
    open_fold(page, text("about_accordion"))
    page.locator("#db-status").get_by_text("passages").wait_for()

    # Markup typed by a user is shown as text and never runs.
    ask_in_page(page, "<script>window.pwned=1</script><img src=x onerror='window.pwned=2'>")
    wait_for_answers(page, 3)
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned=1</script>" in page.inner_text("#db-chat")

    # The Markdown export carries the same numbers, quotes and links.
    open_fold(page, text("export_accordion"))
    exported = page.locator("#db-export textarea").input_value()
    for c in contract.citations:
        assert f"[{c.n}] {c.title}" in exported and f"<{c.url}>" in exported
    with page.expect_download() as info:
        page.locator("#db-download").click()
    assert Path(info.value.path()).read_text(encoding="utf-8") == exported

    # The conversation survives a reload, and the page shows its newest answer's start.
    page.reload()
    wait_for_answers(page, 3)
    page.wait_for_timeout(300)
    assert lands_on_answer(page), answer_position(page)
    needed = [u for kind, u in page.blocked if kind in {"script", "stylesheet", "font"}]
    assert not needed, needed


def _unescaped(href: str) -> str:
    return href.replace("%2C", ",")


def cited_sources(turn) -> list[str]:
    """The source ids of an answer's source panel, in order (each source is listed once)."""
    return turn.locator(".db-source").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('db-src-')).slice(7))"
    )


def _options(pg) -> set[str]:
    """The open dropdown's choices (without the check mark of the chosen one)."""
    items = pg.locator("ul[role='listbox']:visible li").all_inner_texts()
    return {i.replace("✓", "").strip() for i in items}


@pytest.mark.parametrize("how", ["button", "trash"])
def test_clear_forgets_the_conversation_in_the_browser(page, app_url: str, how: str):
    if page.name == "desktop" and how == "trash":
        pytest.skip("the trash icon is the same handler; once at phone size is enough")
    loaded(page, app_url)
    ask_in_page(page, QUESTION)
    wait_for_answers(page, 1)
    if how == "button":
        page.locator("#db-clear").click()
    else:
        page.locator("#db-chat button[aria-label='Clear']").click()
    page.wait_for_function("() => !document.querySelector('#db-chat .db-answer')")
    page.wait_for_timeout(500)  # the browser's copy is written after the event
    page.reload()
    loaded(page, app_url)
    assert page.locator(ANSWERS).count() == 0
    ask_in_page(page, "What is a CERN for AI?")
    wait_for_answers(page, 1)
    page.wait_for_timeout(300)
    assert page.locator(ANSWERS).count() == 1  # the cleared turn did not come back


def test_keyboard_reaches_the_question_box_before_any_citation(page, app_url: str):
    loaded(page, app_url)
    ask_in_page(page, QUESTION)
    wait_for_answers(page, 1)
    page.reload()
    wait_for_answers(page, 1)
    page.locator("body").click(position={"x": 2, "y": 2})
    page.evaluate("document.activeElement && document.activeElement.blur()")
    walked = []
    for _ in range(40):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => { const e = document.activeElement; return [e.tagName, e.closest('#db-chat')"
            " ? 'chat' : '', e.closest('#db-question') ? 'question' : '']; }"
        )
        walked.append(where)
        if where[2] == "question" and where[0] == "TEXTAREA":
            break
    assert walked[-1] == ["TEXTAREA", "", "question"], walked
    assert not [w for w in walked if w[1] == "chat"], walked


def test_source_filter_offers_indexed_sources_only(
    page, app_url: str, built_settings: Settings, states: dict[str, str]
):
    from bot import pack

    sources = by_id(pack.sources(built_settings))
    indexed = {sources[i].title for i, s in states.items() if s == "indexed"}
    assert indexed and len(indexed) < len(states)
    loaded(page, app_url)
    open_fold(page, text("source_accordion"))
    page.locator("#db-source input").click()
    assert _options(page) == {text("source_all"), *indexed}
    info = page.locator("#db-source").inner_text()
    assert str(len(states) - len(indexed)) in info  # says how many others, and why not
    page.keyboard.press("Escape")

    # The reading list's "ask only this source" offers the same, and restricts the chat.
    open_tab(page, "Reading list")
    page.locator("#db-rl-pick input").click()
    assert _options(page) == indexed
    title = sorted(indexed)[0]
    page.locator("ul[role='listbox']:visible li", has_text=title).first.click()
    page.locator("#db-rl-ask").click()
    page.locator("#db-filter-note").get_by_text(title).wait_for()
    assert page.locator("#db-source input").input_value() == title
    ask_in_page(page, FACT)
    wait_for_answers(page, 1)
    chosen = next(i for i, s in sources.items() if s.title == title)
    assert cited_sources(page.locator(ANSWERS).last) == [chosen]


def test_reading_list_cards_status_and_article_links(
    page, app_url: str, built_settings: Settings, states: dict[str, str], artifacts: Path
):
    from bot import pack

    registry = pack.sources(built_settings)
    loaded(page, app_url)
    open_tab(page, "Reading list")
    rows = page.locator("#db-reading-list tr.db-rl-row")
    rows.first.wait_for()
    assert rows.count() == len(registry)
    width = page.viewport_size["width"]
    for i, s in enumerate(registry):
        row = rows.nth(i)
        assert row.get_attribute("data-status") == states[s.id]
        for part in (".db-rl-title-text", ".db-rl-kind", ".db-badge", "a.db-rl-open"):
            el = row.locator(part)
            el.scroll_into_view_if_needed()
            b = el.bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= width + 1, (s.id, part, b)
        assert row.locator("a.db-rl-open").get_attribute("href") == s.human_url
    post = next(s for s in registry if s.page_url)
    assert "wp-json" in post.url and "wp-json" not in post.human_url
    # Badges say which sources the bot can quote, and how the others differ.
    badge = {st: text(f"status_{st}") for st in set(states.values())}
    for i, s in enumerate(registry):
        assert rows.nth(i).locator(".db-badge").inner_text().strip() == badge[states[s.id]]
    display = rows.first.evaluate("e => getComputedStyle(e).display")
    assert display == ("block" if page.name == "phone" else "table-row")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / f"browser-{page.name}-reading-list.png")


@pytest.mark.parametrize("tab", ATTENDEE_TABS)
def test_contrast_and_no_horizontal_overflow(page, app_url: str, tab: str, artifacts: Path):
    loaded(page, app_url)
    if tab == "Ask":
        ask_in_page(page, QUESTION)
        wait_for_answers(page, 1)
    else:
        open_tab(page, tab)
        page.wait_for_timeout(1500)
    assert not horizontal_overflow(page), horizontal_overflow(page)
    faint = too_faint(contrast(page, "body"))
    assert not faint, faint[:5]
    if tab == "Ask":  # the main controls, measured on their own so none is left unmeasured
        controls = (
            "#db-question .submit-button, #db-pose-next, #db-clear, button[role='tab'],"
            " #db-question label span, #db-chat a.db-cite-link, #db-chat .db-section,"
            " footer a, footer button"
        )
        measured = contrast(page, sel=controls)
        assert len(measured) >= 8, measured
        assert not too_faint(measured), too_faint(measured)
        placeholder = contrast(page, sel="#db-question textarea")
        assert placeholder and not too_faint(placeholder), placeholder


def test_contrast_in_dark_mode(app_url: str, tmp_path: Path):
    """A phone set to dark mode gets Gradio's dark theme: our colours must hold there too."""
    with playwright.sync_playwright() as p:
        browser = launch(p, tmp_path / "dark", color_scheme="dark", **VIEWPORTS["desktop"])
        try:
            pg = browser.new_page()
            loaded(pg, app_url)
            assert pg.evaluate("document.body.classList.contains('dark')")
            ask_in_page(pg, QUESTION)
            wait_for_answers(pg, 1)
            faint = too_faint(contrast(pg, "body"))
            open_tab(pg, "Reading list")
            pg.locator("#db-reading-list tr.db-rl-row").first.wait_for()
            faint += too_faint(contrast(pg, "body"))
            assert not faint, faint[:5]
        finally:
            browser.close()


def test_next_question_feedback_and_bad_input(page, app_url: str, built_settings: Settings):
    debate = load_debate(built_settings)
    loaded(page, app_url)
    page.locator("#db-pose-next").click()
    wait_for_answers(page, 1)
    assert debate.open_questions[0].heading in page.inner_text(f"{ANSWERS} >> nth=-1")
    ask_in_page(page, "next question")
    wait_for_answers(page, 2)
    assert debate.open_questions[1].heading in page.inner_text(f"{ANSWERS} >> nth=-1")

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

    # Bad input: empty does nothing, 20,000 characters are cut with a notice, and five quick
    # Enters while an answer is pending add one answer, not five.
    count = page.locator(ANSWERS).count()
    ask_in_page(page, "")
    page.wait_for_timeout(1000)
    assert page.locator(ANSWERS).count() == count
    box = page.locator("#db-question textarea")
    box.fill("x" * 20_000)
    for _ in range(5):
        box.press("Enter")
    wait_for_answers(page, count + 1)
    page.wait_for_timeout(1500)
    assert page.locator(ANSWERS).count() == count + 1
    assert "2000" in page.inner_text(f"{ANSWERS} >> nth=-1")

    # The starters sit in the empty chat and ask in one tap.
    page.locator("#db-clear").click()
    page.wait_for_function("() => !document.querySelector('#db-chat .db-answer')")
    starter = page.locator("#db-chat .example-content, #db-chat button.example").first
    starter.click()
    wait_for_answers(page, 1)


def test_open_questions_are_cited(page, app_url: str, built_settings: Settings, artifacts: Path):
    loaded(page, app_url)
    open_tab(page, "Open questions")
    headings = page.locator(".db-oq-heading")
    headings.first.wait_for()
    expected = [q.heading for q in load_debate(built_settings).open_questions]
    assert [h.strip() for h in headings.all_inner_texts()] == expected
    page.wait_for_function("() => document.querySelectorAll('.db-oq-wording a').length === 5")
    page.screenshot(path=artifacts / f"browser-{page.name}-open-questions.png", full_page=True)
