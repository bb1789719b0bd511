"""The briefing as Markdown, self-contained HTML and PDF, all from the one Markdown template.

Markdown comes from prompts/brief/pack.md.j2; HTML is that Markdown converted by
Python-Markdown inside pack.html.j2, with the pictures inline as data URIs and every `[n]`
linked to its entry in the sources; the PDF lays out that same HTML with ReportLab platypus
(bot/brief/pdf.py), so the three formats cannot drift apart.
"""

from __future__ import annotations

import base64
import re
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import markdown

from bot.brief.base import PerBrief, md_escape, md_html_escape, text
from bot.brief.compare import column_titles
from bot.models import Citation
from bot.prompts import render

if TYPE_CHECKING:  # the pack measures itself with this module's renderer
    from bot.brief.pack import Brief

_TAG = re.compile(r"(<[^>]+>)")
_MARKER = re.compile(r"\[(\d{1,3})\]")
_SOURCE_LINK = re.compile(r'<a href="([^"]*)">\[(\d{1,3})\]</a>')
_SOURCES_HEADING = "<h2>Sources</h2>"
# What a reader reads: image links and link targets are not words; citation markers neither.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Pictures:
    """The pack's figures as PNG bytes."""

    timeline: bytes
    clusters: bytes | None  # None: the pack has no clusters

    def data_uris(self) -> dict[str, str]:
        pngs = {"timeline": self.timeline, "clusters": self.clusters}
        return {
            key: "data:image/png;base64," + base64.b64encode(png).decode()
            for key, png in pngs.items()
            if png is not None
        }


_PICTURES: PerBrief[Pictures] = PerBrief()


def make_pictures(brief: Brief) -> Pictures:
    """The pack's two figures, drawn once per Brief."""
    from bot.brief.pictures import clusters_png, timeline_png

    pictures = _PICTURES.get(brief)
    if pictures is None:
        registry = brief.registry
        pictures = _PICTURES.put(
            brief,
            Pictures(
                timeline=timeline_png(registry, brief.debate),
                clusters=clusters_png(registry, brief.debate),
            ),
        )
    return pictures


@dataclass(frozen=True)
class SourceGroup:
    """The citations of one source: one line of the list of sources, each number a link to
    its passage (its section and page are in the link)."""

    title: str
    items: list[Citation]


def source_groups(citations: list[Citation]) -> list[SourceGroup]:
    """The citations by source, sources in order of first citation, numbers in order."""
    groups: dict[str, SourceGroup] = {}
    for c in citations:
        groups.setdefault(c.source_id, SourceGroup(c.title, [])).items.append(c)
    return list(groups.values())


def words(text: str) -> int:
    """Words a reader reads in a text: tokens with a letter or digit, but not [n] markers."""
    return sum(1 for tok in text.split() if _WORD.search(tok) and not _MARKER.fullmatch(tok))


def visible_words(md: str) -> int:
    """Words of the pack's Markdown as it shows: no image data, no link targets."""
    return words(_MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", md)))


def safe_link(url: str) -> str:
    """A URL usable inside Markdown's (...) and HTML attributes; only http(s) passes."""
    if not re.match(r"^https?://", url):
        return "#"
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace('"', "%22")


def _markdown(brief: Brief, pictures: dict[str, str], esc: Callable[[object], str]) -> str:
    guides = {
        q.id: render(
            "brief/guide_line.md.j2", guide=q.guide, esc=esc, url=safe_link, t=text
        ).strip()
        for q in brief.questions
    }
    body = render(
        "brief/pack.md.j2",
        brief=brief,
        pictures=pictures,
        guides=guides,
        groups=source_groups(brief.citations),
        columns=[esc(c) for c in column_titles()],
        esc=esc,
        url=safe_link,
        t=text,
    )
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def render_guide(brief: Brief) -> str:
    """The reading guide alone, as Markdown: each source's passage quoted with its link."""
    guides = {
        q.id: render("brief/guide.md.j2", guide=q.guide, esc=md_escape, url=safe_link).strip()
        for q in brief.questions
    }
    page = render(
        "brief/guide_page.md.j2",
        questions=brief.questions,
        guides=guides,
        esc=md_escape,
        url=safe_link,
    )
    return re.sub(r"\n{3,}", "\n\n", page).strip() + "\n"


def render_markdown(brief: Brief) -> str:
    """The pack as Markdown (pictures are in the HTML and PDF)."""
    return _markdown(brief, {}, md_escape)


def _link_markers(html: str) -> str:
    """`[n]` in the text (never inside a tag) links to source n; in the list of sources each
    number, a link to its passage, is that target."""
    body, heading, sources = html.partition(_SOURCES_HEADING)
    parts = _TAG.split(body)
    for i in range(0, len(parts), 2):
        parts[i] = _MARKER.sub(r'<a class="cite" href="#src-\1">[\1]</a>', parts[i])
    sources = _SOURCE_LINK.sub(r'<a class="src" id="src-\2" href="\1">[\2]</a>', sources)
    return "".join(parts) + heading + sources


def html_body(brief: Brief, pictures: Pictures | None = None) -> str:
    """The pack's HTML body (no page around it), pictures inline."""
    pics = (pictures or make_pictures(brief)).data_uris()
    md = _markdown(brief, pics, md_html_escape)
    return _link_markers(markdown.markdown(md, extensions=["tables"], output_format="html"))


def _html_page(brief: Brief, body: str) -> str:
    title = f"{brief.event.title} — {brief.event.date}"
    return render("brief/pack.html.j2", title=title, body=body)


def _pdf(brief: Brief, body: str) -> bytes:
    from bot.brief.pdf import html_to_pdf

    return html_to_pdf(body, title=brief.event.title)


def render_html(brief: Brief, pictures: Pictures | None = None) -> str:
    """One self-contained page: no remote fonts, scripts, styles or images."""
    return _html_page(brief, html_body(brief, pictures))


def render_pdf(brief: Brief, pictures: Pictures | None = None) -> bytes:
    """The same HTML body laid out as a PDF by ReportLab."""
    return _pdf(brief, html_body(brief, pictures))


FORMATS: dict[str, Callable[[Brief], str | bytes]] = {
    "md": render_markdown,
    "html": render_html,
    "pdf": render_pdf,
}

EXPORT_DIR = Path(tempfile.gettempdir()) / "debatebot-brief"  # where Gradio may serve files
_FILES: PerBrief[dict[str, Path]] = PerBrief()
_FILES_LOCK = threading.Lock()


def pack_files(brief: Brief, folder: Path = EXPORT_DIR) -> dict[str, Path]:
    """The pack as md, html, pdf and the comparison as csv, written once per Brief."""
    from bot.brief.compare import to_csv

    with _FILES_LOCK:
        done = _FILES.get(brief)
        if done is not None and all(p.exists() for p in done.values()):
            return done
        out = folder / uuid.uuid4().hex[:12]
        out.mkdir(parents=True, exist_ok=True)
        html = html_body(brief, make_pictures(brief))  # one body for the page and the PDF
        bodies: dict[str, str | bytes] = {
            "md": render_markdown(brief),
            "html": _html_page(brief, html),
            "pdf": _pdf(brief, html),
            "csv": to_csv(brief.comparison),
        }
        files = {}
        for fmt, body in bodies.items():
            path = out / f"briefing.{fmt}" if fmt != "csv" else out / "comparison.csv"
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")
            files[fmt] = path
        return _FILES.put(brief, files)
