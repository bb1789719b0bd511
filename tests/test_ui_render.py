"""How answers become HTML: escaping, footnote links, abstentions, the Markdown export."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.conversation import ConversationTurn, dump_turns, load_turns, to_markdown
from bot.models import Answer, Citation
from bot.ui.render import (
    answer_html,
    body_html,
    escape_inline,
    safe_url,
    source_groups,
    user_html,
)

URL = "https://example.org/post#:~:text=CERN%20is%20funded,by%20member%20states."


def cite(n: int, url: str = URL, quote: str = "CERN is funded by member states.", **kw) -> Citation:
    base = {"source_id": "post", "title": "The post", "author": "A. Author", "section": "1. How"}
    return Citation(n=n, url=url, quote=quote, **{**base, **kw})


def answer(text: str, cites: list[Citation], abstained: bool = False) -> Answer:
    return Answer(
        question="q",
        answer=text,
        abstained=abstained,
        engine="offline",
        citations=[] if abstained else cites,
        related=cites if abstained else [],
    )


@pytest.mark.parametrize(
    ("raw", "must_not_contain", "must_contain"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ('<img src=x onerror="alert(1)">', "<img", "&lt;img"),
        ("[click](javascript:alert(1))", 'href="javascript', "&#91;click&#93;"),
        ("`code` and $$x$$", "<code>", "&#96;code&#96;"),
        ("a & b", " & ", "a &amp; b"),
        ("\"quoted\" 'single'", '"quoted"', "&quot;quoted&quot;"),
        ("**not bold** _nor this_", "<strong>", "&#42;&#42;not bold"),
    ],
)
def test_user_text_is_shown_verbatim_never_as_markup(raw, must_not_contain, must_contain):
    out = user_html(raw)
    assert must_not_contain not in out
    assert must_contain in out


@pytest.mark.parametrize(
    ("body", "expected_links"),
    [
        ("“CERN is funded by member states.” [1]", 1),
        ("“One.” [1]\n\n“Two.” [2]", 2),
        ("“Same quote twice.” [1] and again [1]", 2),
        ("No marker at all.", 0),
        ("A marker with no citation [9]", 0),
        ("[1][2]", 2),
    ],
)
def test_markers_become_footnote_links(body, expected_links):
    cites = {1: cite(1), 2: cite(2, url=URL + "&two")}
    out = body_html(body, cites)
    assert len(re.findall(r'<a class="db-cite-link"', out)) == expected_links
    if expected_links:
        assert f'href="{URL}"' in out
        assert 'target="_blank"' in out


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        (URL, URL),
        ("http://example.org/a.pdf#page=3", "http://example.org/a.pdf#page=3"),
        ("javascript:alert(1)", "#"),
        ("JAVASCRIPT:alert(1)", "#"),
        ("data:text/html,<script>", "#"),
        ("  https://example.org/x  ", "https://example.org/x"),
    ],
)
def test_only_http_links_are_kept(url, safe):
    assert safe_url(url) == safe


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quote", "<script>alert('q')</script>"),
        ("title", "<b onmouseover=alert(1)>Title</b>"),
        ("author", "</li><script>x()</script>"),
        ("section", '"><svg onload=alert(1)>'),
    ],
)
def test_source_text_is_escaped_in_the_sources_list(field, value):
    c = cite(1, **{field: value})
    out = answer_html(answer("“Hi.” [1]", [c]))
    assert "<script" not in out and "<svg" not in out and "<b " not in out
    assert escape_inline(value).split("&")[0] in out


def test_a_javascript_citation_url_is_made_inert():
    out = answer_html(answer("“Hi.” [1]", [cite(1, url="javascript:alert(1)")]))
    assert "javascript:" not in out
    assert 'href="#"' in out


@pytest.mark.parametrize(
    ("abstained", "css", "label"),
    [
        (False, 'class="db-answer"', "Sources"),
        (True, 'class="db-answer db-abstain"', "Related reading"),
    ],
)
def test_abstentions_look_different(abstained, css, label):
    out = answer_html(answer("The reading list does not say. [1]", [cite(1)], abstained))
    assert css in out
    assert label in out
    assert f'href="{URL}"' in out  # related reading is still linked


def test_answer_html_is_one_line_so_the_chat_markdown_leaves_it_alone():
    out = answer_html(answer("Intro:\n\n- “One.” [1]\n- “Two.” [2]", [cite(1), cite(2)]))
    assert "\n" not in out
    assert out.count("<li") >= 2


def test_each_quote_is_shown_once_and_each_source_once():
    other = {"source_id": "other", "title": "Other source", "author": "B. Writer"}
    cites = [
        cite(1, quote="One."),
        cite(2, quote="Two.", url=URL + "&two", section="2. Why"),
        cite(3, quote="Three, not in the text.", url=URL + "&three", **other),
    ]
    out = answer_html(answer("“One.” [1]\n\n“Two.” [2] and more [3]", cites))
    for q in ("One.", "Two.", "Three, not in the text."):
        assert out.count(q) == 1, q  # said in the text, or else quoted in the panel: once
    assert out.count('class="db-source ') == 2  # the post once, the other source once
    assert out.count("The post") == 1 + out.count('title="The post"')
    assert out.count('class="db-source-link"') == 3  # every number once in the panel
    assert "1. How" in out and "2. Why" in out


def test_the_panel_groups_numbers_by_place_and_links_the_readable_page():
    cites = [cite(1, quote="A."), cite(2, quote="B.", url=URL + "&b"), cite(3, quote="C.", page=4)]
    groups = source_groups(
        cites, body="“A.” [1] “B.” [2] “C.” [3]", pages={"post": "https://x.org/p"}
    )
    assert len(groups) == 1 and groups[0]["page_url"] == "https://x.org/p"
    places = groups[0]["places"]
    assert [[r["n"] for r in p["refs"]] for p in places] == [[1, 2], [3]]
    assert places[1]["label"].endswith("p. 4") and not any(p["quotes"] for p in places)
    out = answer_html(answer("“A.” [1]", cites[:1]), pages={"post": "javascript:alert(1)"})
    assert "javascript:" not in out  # a bad page URL is made inert like any other


def test_an_abstention_lists_its_related_reading_once():
    related = [cite(1, quote="Nearby sentence."), cite(2, quote="Another.", url=URL + "&2")]
    text = "The reading list does not say.\n\n- The post: “Nearby sentence.” [1]\n- “Another.” [2]"
    out = answer_html(answer(text, related, abstained=True))
    assert out.count("Nearby sentence.") == 1 and out.count("Another.") == 1
    assert "db-sources" not in out  # the text already shows every related passage


def test_no_engine_or_timing_is_shown_to_attendees():
    a = answer("“One.” [1]", [cite(1, quote="One.")]).model_copy(update={"latency_ms": 1234.0})
    out = answer_html(a)
    assert "offline engine" not in out and "1.2 s" not in out


def test_a_source_filter_without_passages_says_so_plainly(bot):
    from bot.ui.ask import say_when_empty, unquotable
    from bot.ui.context import text as ui_text
    from bot.ui.reading_list import source_states

    states = source_states(bot)
    missing = next(s for s in bot.registry if states[s.id] != "indexed")
    refused = unquotable(bot, "How is CERN funded?", missing.id)
    assert refused is not None and refused.abstained and not refused.related
    assert missing.title in refused.answer and "below" not in refused.answer
    indexed = next(s for s in bot.registry if states[s.id] == "indexed")
    assert unquotable(bot, "How is CERN funded?", indexed.id) is None
    empty = Answer(question="q", answer="… listed below …", abstained=True, engine="offline")
    said = say_when_empty(bot, empty, indexed.id)
    assert said.answer == ui_text("filter_no_passages", title=indexed.title)
    kept = say_when_empty(bot, answer("“One.” [1]", [cite(1)]), indexed.id)
    assert kept.answer == "“One.” [1]"


def test_export_has_the_same_numbers_quotes_and_links():
    a = answer("“CERN is funded by member states.” [1]", [cite(1)])
    turns = [ConversationTurn(question="How is CERN funded?", answer=a)]
    md = to_markdown(turns, "Export", exported_at=datetime(2025, 7, 10, tzinfo=UTC))
    assert "## How is CERN funded?" in md
    assert "“CERN is funded by member states.” [1]" in md
    assert f"- [1] The post — A. Author, 1. How: “CERN is funded by member states.” <{URL}>" in md


def test_turns_survive_a_round_trip_through_browser_storage():
    a = answer("“Hi.” [1]", [cite(1)])
    turns = [ConversationTurn(question="q", answer=a)]
    again = load_turns(dump_turns(turns))
    assert again[0].answer.citations == a.citations
    assert load_turns("garbage") == []
    assert load_turns([{"question": "no answer"}, dump_turns(turns)[0]])[0].question == "q"


def test_the_templates_lists_show_as_lists_and_sub_items_nest():
    """Our templates write a list right under its lead-in line and sub-items two spaces in, as
    CommonMark does; the chat must show items, not a run of "- " inside a paragraph."""
    from bot.prompts import render

    related = [cite(1, quote="Nearby sentence."), cite(2, quote="Another.", url=URL + "&2")]
    text = render("answer/abstain.md.j2", lead="The reading list does not say.", related=related)
    out = answer_html(answer(text.strip(), related, abstained=True))
    assert out.count("<li>") == 2 and "- The post" not in out

    items = [
        {"kind": "sentence", "text": "One.", "n": 1},
        {"kind": "list", "entries": [{"text": "a", "n": 2}, {"text": "b", "n": 3}]},
    ]
    cites = [cite(n, url=f"{URL}&{n}") for n in (1, 2, 3)]
    out = answer_html(answer(render("answer/extractive.md.j2", items=items).strip(), cites))
    assert re.search(r"</p> <ul> <li>“a” .*</li> <li>“b” .*</li> </ul>", out)

    clusters = [
        {"label": "First", "n": 1, "detail": [{"text": "Vision one.", "n": 2}]},
        {"label": "Second", "n": 3, "detail": [{"text": "Vision two.", "n": 4}]},
    ]
    body = render("answer/clusters.md.j2", items=clusters, count=2, lead=[]).strip()
    cites = [cite(n, url=f"{URL}&{n}") for n in (1, 2, 3, 4)]
    out = answer_html(answer(body, cites))
    nested = re.findall(r"<li><strong>(\w+)</strong> .*?<ul> <li>“([\w .]+)”", out)
    assert nested == [("First", "Vision one."), ("Second", "Vision two.")]


def test_related_reading_leads_with_each_quote_and_names_a_lone_source_once():
    """On a phone each related passage starts with its words; where it stands follows, and a
    title every passage shares is said once, above the list."""
    from bot.prompts import render

    lead = "The reading list does not say."
    one = [cite(1, quote="Nearby sentence."), cite(2, quote="Another.", section="2. Why", page=4)]
    text = render("answer/abstain.md.j2", lead=lead, related=one)
    assert text.count("The post") == 1 and "Related reading, from The post:" in text
    assert "- “Nearby sentence.” [1] (1. How)" in text
    assert "- “Another.” [2] (2. Why, p. 4)" in text

    two = [one[0], cite(2, quote="Elsewhere.", title="Other source", section="")]
    text = render("answer/abstain.md.j2", lead=lead, related=two)
    assert "Related reading:" in text
    assert "- “Nearby sentence.” [1] (The post, 1. How)" in text
    assert "- “Elsewhere.” [2] (Other source)" in text
