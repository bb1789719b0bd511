"""Deep links: text fragments per the WICG spec, and PDF page links."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from bot.ingest.textfragment import page_url, text_fragment_url

BASE = "https://example.org/post"


@pytest.mark.parametrize(
    ("passage", "fragment"),
    [
        ("Hello world", "Hello%20world"),
        ("Yes, no, maybe", "Yes%2C%20no%2C%20maybe"),
        ("dual-use risks", "dual%2Duse%20risks"),
        ("AI safety & security", "AI%20safety%20%26%20security"),
        ("the “CERN for AI” label", "the%20%E2%80%9CCERN%20for%20AI%E2%80%9D%20label"),
        ("  spread\n\nover   lines ", "spread%20over%20lines"),
        (
            "one two three four five six seven eight",
            "one%20two%20three%20four%20five%20six%20seven%20eight",
        ),
        (
            "one two three four five six seven eight nine",
            "one%20two%20three%20four,six%20seven%20eight%20nine",
        ),
        (
            "Its annual budget is around 1.4 billion CHF, with member state contributions "
            "roughly proportional to GDP.",
            "Its%20annual%20budget%20is,roughly%20proportional%20to%20GDP.",
        ),
        (
            "Cost-sharing for “big science”: Particle accelerators are expensive, indivisible, "
            "and central.",
            "Cost%2Dsharing%20for%20%E2%80%9Cbig%20science%E2%80%9D%3A,"
            "expensive%2C%20indivisible%2C%20and%20central.",
        ),
    ],
)
def test_fragment_encoding(passage: str, fragment: str) -> None:
    assert text_fragment_url(BASE, passage) == f"{BASE}#:~:text={fragment}"


@pytest.mark.parametrize(
    "url",
    [BASE, f"{BASE}#section-2", f"{BASE}#:~:text=old", f"{BASE}#page=3"],
)
def test_existing_fragment_is_replaced(url: str) -> None:
    assert text_fragment_url(url, "Hello world") == f"{BASE}#:~:text=Hello%20world"


def test_terms_escape_every_delimiter() -> None:
    passage = "A-B, C & D - E: the start, and - at the end, F-G & H,I"
    directive = text_fragment_url(BASE, passage).split("#:~:text=", 1)[1]
    terms = directive.split(",")
    assert len(terms) == 2  # the only raw comma is the start/end separator
    assert all("-" not in t and "&" not in t and " " not in t for t in terms)
    assert unquote(terms[0]) == "A-B, C & D"
    assert unquote(terms[1]) == "end, F-G & H,I"


def test_empty_passage_gives_the_bare_url() -> None:
    assert text_fragment_url(f"{BASE}#x", "   ") == BASE


def test_page_text_lengthens_a_repeated_start() -> None:
    first = "The idea of a CERN for AI was first proposed in 2017 by a scientist."
    second = "The idea of a CERN for AI has since gained momentum in AI governance circles."
    page = f"{first}\n\n{second}"
    url = text_fragment_url(BASE, second, page_text=page)
    start, end = (unquote(t) for t in url.split("#:~:text=", 1)[1].split(","))
    assert page.lower().find(start.lower()) == page.find(second)  # lands on this passage
    assert start.startswith("The idea of a CERN for AI has")
    assert second.endswith(end)


def test_page_text_without_the_passage_keeps_defaults() -> None:
    passage = "one two three four five six seven eight nine ten"
    assert text_fragment_url(BASE, passage, page_text="unrelated") == text_fragment_url(
        BASE, passage
    )


@pytest.mark.parametrize(
    ("url", "page", "expected"),
    [
        ("https://x.org/a.pdf", 1, "https://x.org/a.pdf#page=1"),
        ("https://x.org/a.pdf#page=18", 3, "https://x.org/a.pdf#page=3"),
        ("https://x.org/a.pdf?dl=1", 12, "https://x.org/a.pdf?dl=1#page=12"),
    ],
)
def test_page_url(url: str, page: int, expected: str) -> None:
    assert page_url(url, page) == expected
