"""Loaders: every snapshot format becomes a Document with exact offsets, or a LoadError."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bot.ingest.chunker import chunk_document
from bot.ingest.loaders import LoadError, load_document
from bot.models import Document
from bot.registry import Format, Source

ROOT = Path(__file__).resolve().parents[1]
SHARED_NAME = "cern-for-ai-one-analogy-many-visions.wp.json"
POST_COPIES = [
    ROOT / "corpus/snapshots/simon-cern-for-ai.wp.json",
    Path(__file__).resolve().parents[2] / "shared/corpus" / SHARED_NAME,
]
POST_URL = "https://simoninstitute.ch/blog/post/cern-for-ai-one-analogy-many-visions"


def post_path() -> Path:
    for path in POST_COPIES:
        if path.exists():
            return path
    raise AssertionError(f"the post snapshot is missing; looked in {POST_COPIES}")


def make_source(
    fmt: Format, sid: str = "test-src", url: str = "https://example.org/page"
) -> Source:
    return Source(id=sid, title="A title", author="Someone", url=url, kind="background", format=fmt)


def assert_offsets(doc: Document) -> None:
    """Blocks and links point at their own text; blocks are joined by one blank line."""
    assert doc.text == "\n\n".join(doc.text[b.start : b.end] for b in doc.blocks)
    for block in doc.blocks:
        piece = doc.text[block.start : block.end]
        assert piece == piece.strip() and piece and "\n" not in piece
    for link in doc.links:
        assert doc.text[link.start : link.end] == link.anchor


@pytest.fixture(scope="module")
def post() -> Document:
    src = Source(
        id="simon-cern-for-ai",
        title="CERN for AI",
        author="Kevin Kohler",
        url="https://simoninstitute.ch/wp-json/wp/v2/posts/825",
        kind="post",
        format=Format.wordpress_json,
    )
    return load_document(src, post_path(), max_file_mb=40)


def test_wordpress_metadata(post: Document) -> None:
    assert post.title == "CERN for AI: One Analogy, Many Visions"
    assert post.url == POST_URL
    assert post.date == "2025-07-08"
    assert post.author == "Kevin Kohler"
    assert not post.is_pdf


def test_wordpress_text_is_clean(post: Document) -> None:
    assert_offsets(post)
    assert "\xa0" not in post.text and "&amp;" not in post.text and "&#8211;" not in post.text
    assert "International Computation & AI Network (CH)" in post.text
    assert "There’s increasing recognition" in post.text
    assert "Kevin Kohler" not in post.text  # the display:none author block is not content
    assert post.text.startswith("The idea of a “CERN for AI” was first proposed")


@pytest.mark.parametrize(
    "path",
    [
        ["1. How CERN works"],
        ["1. How CERN works", "a) Governance structure"],
        ["1. How CERN works", "c) CERN vs. AI research"],
        ["2. “CERN for AI” proposals"],
        ["2. “CERN for AI” proposals", "c) CERN for AI Safety"],
        ["2. “CERN for AI” proposals", "d) CERN for AGI"],
        ["3. Open questions"],
        ["Join the discussion"],
    ],
)
def test_wordpress_headings(post: Document, path: list[str]) -> None:
    headings = [b for b in post.blocks if b.kind == "heading"]
    assert path in [h.heading_path for h in headings]
    heading = next(h for h in headings if h.heading_path == path)
    assert post.text[heading.start : heading.end] == path[-1]


def test_wordpress_blocks(post: Document) -> None:
    kinds = {b.kind for b in post.blocks}
    assert kinds == {"heading", "paragraph", "list_item", "quote"}
    quotes = [post.text[b.start : b.end] for b in post.blocks if b.kind == "quote"]
    assert quotes[0].startswith("“We want to replicate the success story")
    assert quotes[1] == "– Ursula von der Leyen, 2025"
    items = [b for b in post.blocks if b.kind == "list_item"]
    assert post.text[items[0].start : items[0].end] == (
        "perform world-class research in fundamental physics."
    )
    assert items[0].heading_path == ["1. How CERN works"]


def test_wordpress_links(post: Document) -> None:
    by_anchor = {link.anchor: link for link in post.links}
    budget = by_anchor["1.4 billion CHF,"]
    assert budget.href == "https://cds.cern.ch/record/2888205/files/English.pdf#page=18"
    assert by_anchor["Hausenloy et al."].href == "https://arxiv.org/pdf/2310.09217"
    degruyter = next(link for link in post.links if "degruyterbrill" in link.href)
    assert "&amp;" not in degruyter.href and "lang=en&srsltid=" in degruyter.href
    assert len(post.links) == 32


ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>Report</title>
<script>var x = "<p>not text</p>";</script></head><body>
<header><nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/blog">Blog</a></nav>
</header><main><article><h1>Compute for science</h1>
<p>Public compute has become a bottleneck for academic AI research in Europe, and several
proposals now call for a shared facility modelled on <a href="/reports/cern.pdf">CERN</a>.</p>
<h2>Why pool resources</h2>
<p>Large accelerators and large clusters share one property: no single member state can afford
them alone, so pooling money across borders is the only way to build them at all.</p>
<ul><li>Cost sharing across member states.</li><li>Open publication of all results.</li></ul>
<blockquote><p>We want to replicate the success story of the CERN laboratory.</p></blockquote>
<p>The debate continues with questions on governance &amp; security of such a facility.</p>
</article></main>
<footer><p>Copyright 2025 Example Org. All rights reserved.</p><a href="/privacy">Privacy</a>
</footer></body></html>"""


def test_html_main_content(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(ARTICLE, encoding="utf-8")
    doc = load_document(make_source(Format.html, url="https://example.org/news/x"), path, 40)
    assert_offsets(doc)
    assert "All rights reserved" not in doc.text and "About us" not in doc.text
    assert "not text" not in doc.text
    assert "governance & security" in doc.text
    heads = [b.heading_path for b in doc.blocks if b.kind == "heading"]
    assert ["Compute for science", "Why pool resources"] in heads
    items = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "list_item"]
    assert items == ["Cost sharing across member states.", "Open publication of all results."]
    assert any(b.kind == "quote" for b in doc.blocks)
    link = next(link for link in doc.links if link.anchor == "CERN")
    assert link.href == "https://example.org/reports/cern.pdf"  # relative links resolved
    assert doc.url == "https://example.org/news/x" and doc.title == "A title"


@pytest.mark.parametrize(
    "markup",
    [
        "<html><body></body></html>",
        "<html><head><title>Only a title</title></head><body>  </body></html>",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "",
    ],
)
def test_html_without_main_text(tmp_path: Path, markup: str) -> None:
    path = tmp_path / "empty.html"
    path.write_text(markup, encoding="utf-8")
    with pytest.raises(LoadError, match=r"source 'empty-page': empty document"):
        load_document(make_source(Format.html, sid="empty-page"), path, 40)


def write_pdf(path: Path, pages: list[list[str]], **kwargs: str) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4, **kwargs)
    for lines in pages:
        y = 780
        for line in lines:
            if line:
                pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()


def test_pdf_pages_and_deep_links(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_pdf(
        path,
        [
            [
                "The first page describes the budget of the laboratory.",
                "",
                "It is funded by member states in proportion to their income.",
            ],
            ["The second page covers the open science policy of the laboratory."],
        ],
    )
    src = make_source(Format.pdf, sid="cern-report", url="https://x.org/report.pdf#page=18")
    doc = load_document(src, path, 40)
    assert doc.is_pdf and doc.url == "https://x.org/report.pdf"
    assert_offsets(doc)
    assert {b.page for b in doc.blocks} == {1, 2}
    assert all(b.heading_path == [] for b in doc.blocks)
    chunks = chunk_document(doc, "sha", 900, {})
    second = next(c for c in chunks if "open science policy" in c.text)
    assert second.page == 2 and second.url == "https://x.org/report.pdf#page=2"
    first = [c for c in chunks if c.page == 1]
    assert first and all(c.url.endswith("#page=1") and "second page" not in c.text for c in first)


def test_pdf_without_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(100, 100, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    with pytest.raises(LoadError, match=r"source 'scan': no extractable text"):
        load_document(make_source(Format.pdf, sid="scan"), path, 40)


@pytest.mark.parametrize("data", [b"%PDF-1.4\n1 0 obj garbage", b"<html>not a pdf</html>", b""])
def test_corrupt_pdf(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(LoadError, match=r"source 'broken-pdf': corrupt PDF \("):
        load_document(make_source(Format.pdf, sid="broken-pdf"), path, 40)


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    write_pdf(path, [["Secret text on a locked page."]], encrypt="user-password")
    with pytest.raises(LoadError, match=r"source 'locked': encrypted PDF"):
        load_document(make_source(Format.pdf, sid="locked"), path, 40)


MARKDOWN = """# Notes on compute

Intro paragraph with a [link to CERN](https://home.cern/) and **bold** words.

## Options
- First *option* item
- Second item that
  continues on the next line
1. Numbered item

### Detail

> A quoted line
> and its continuation.

```
code stays a paragraph
```
"""


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = load_document(make_source(Format.markdown), path, 40)
    assert_offsets(doc)
    blocks = [(b.kind, doc.text[b.start : b.end], b.heading_path) for b in doc.blocks]
    assert blocks == [
        ("heading", "Notes on compute", ["Notes on compute"]),
        ("paragraph", "Intro paragraph with a link to CERN and bold words.", ["Notes on compute"]),
        ("heading", "Options", ["Notes on compute", "Options"]),
        ("list_item", "First option item", ["Notes on compute", "Options"]),
        (
            "list_item",
            "Second item that continues on the next line",
            ["Notes on compute", "Options"],
        ),
        ("list_item", "Numbered item", ["Notes on compute", "Options"]),
        ("heading", "Detail", ["Notes on compute", "Options", "Detail"]),
        ("quote", "A quoted line and its continuation.", ["Notes on compute", "Options", "Detail"]),
        ("paragraph", "code stays a paragraph", ["Notes on compute", "Options", "Detail"]),
    ]
    assert [(link.href, link.anchor) for link in doc.links] == [
        ("https://home.cern/", "link to CERN")
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "Café culture in Zürich.\n\nSecond paragraph — naïve.".encode("latin-1", "replace"),
            ["Café culture in Zürich.", "Second paragraph ? naïve."],
        ),
        ("Café “quoted” text.".encode("cp1252"), ["Café “quoted” text."]),
        (
            "\ufeffUTF-8 with a BOM.\n\n\n  Spaced   out \n line.".encode(),
            ["UTF-8 with a BOM.", "Spaced out line."],
        ),
        (b"\x81\x8d\x90 undefined in cp1252", ["\x81\x8d\x90 undefined in cp1252"]),
    ],
)
def test_text_encodings(tmp_path: Path, data: bytes, expected: list[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    doc = load_document(make_source(Format.text), path, 40)
    assert [doc.text[b.start : b.end] for b in doc.blocks] == expected
    assert all(b.kind == "paragraph" for b in doc.blocks)


def test_empty_text_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n \t\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"source 'test-src': empty document"):
        load_document(make_source(Format.text), path, 40)


def test_size_cap_is_checked_before_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)  # sparse: instant, takes no disk

    def refuse(*_args: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(LoadError, match=r"source 'big': file is 51\.0 MB, over the 40 MB limit"):
        load_document(make_source(Format.text, sid="big"), path, 40)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"source 'gone': cannot read"):
        load_document(make_source(Format.text, sid="gone"), tmp_path / "nope.txt", 40)


@pytest.mark.parametrize("data", [b"{not json", b'{"title": {"rendered": "x"}}', b"[]"])
def test_bad_wordpress_json(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "post.wp.json"
    path.write_bytes(data)
    with pytest.raises(LoadError, match=r"source 'wp': not a WordPress post JSON"):
        load_document(make_source(Format.wordpress_json, sid="wp"), path, 40)
