"""An Answer as safe HTML: `[n]` become footnote links to deep links; every text is escaped.

The answer text is Markdown from our templates with quoted source sentences inside it. It is
HTML-escaped first (so `<script>` stays text), brackets are neutralised (so a quote cannot make
a Markdown link), and only then are our own `[n]` markers turned into links and the Markdown
converted. The result is one line of HTML, so the Chatbot's own Markdown pass leaves it alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import markdown as md

from bot.models import Answer, Citation
from bot.prompts import render as render_template
from bot.ui.context import text

_MARKER = re.compile(r"&#91;(\d{1,3})&#93;")
# A list item's bullet; a line of text (not itself an item) followed at once by an item; and a
# sub-item indented by two or three spaces.
_BULLET = r"(?:[-*+]|\d+\.)[ \t]"
_LIST_AFTER_TEXT = re.compile(rf"^(?![ \t]*{_BULLET})([^\n]*\S[^\n]*)\n(?=[ \t]*{_BULLET})", re.M)
_SUB_ITEM = re.compile(rf"^[ ]{{2,3}}(?={_BULLET})", re.M)
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
# Markdown syntax that could make links, images, code or LaTeX out of quoted text.
_BODY_MAP = {**_HTML, "[": "&#91;", "]": "&#93;", "`": "&#96;", "\\": "&#92;", "$": "&#36;"}
_BODY = str.maketrans(_BODY_MAP)
# ... and for text shown verbatim, emphasis, headings and tables too.
_INLINE = str.maketrans(
    {**_BODY_MAP, "*": "&#42;", "_": "&#95;", "#": "&#35;", "|": "&#124;", "~": "&#126;"}
)


def safe_url(url: str) -> str:
    """The URL if it is http(s), else an inert '#'; escaping for attributes is the caller's."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return "#"
    return url.strip() if scheme in ("http", "https") else "#"


def escape_body(text: str) -> str:
    """HTML-escape a Markdown body and disarm link/code/LaTeX syntax, keeping emphasis and lists."""
    return text.translate(_BODY)


def escape_inline(text: str) -> str:
    """Escape a user's or a source's text so that it shows exactly as typed."""
    return text.translate(_INLINE).replace("\n", "<br>")


def cite_map(answer: Answer) -> dict[int, Citation]:
    """Every numbered reference an answer's text may use (citations, then related reading)."""
    return {c.n: c for c in [*answer.related, *answer.citations]}


def footnote(c: Citation) -> str:
    href = html.escape(safe_url(c.url), quote=True)
    title = html.escape(c.title, quote=True)
    return (
        f'<sup class="db-cite"><a class="db-cite-link" href="{href}" title="{title}" '
        f'target="_blank" rel="noopener noreferrer">[{c.n}]</a></sup>'
    )


def link_markers(escaped: str, cites: dict[int, Citation]) -> str:
    """Replace escaped `[n]` markers that name a citation with footnote links."""

    def swap(m: re.Match[str]) -> str:
        c = cites.get(int(m.group(1)))
        return footnote(c) if c else f"[{m.group(1)}]"

    return _MARKER.sub(swap, escaped)


def _to_html(body_md: str) -> str:
    """Markdown (already escaped) to one line of HTML. Lists are written as CommonMark and our
    templates write them: right under their lead-in line ("Related reading:" then "- ..."),
    sub-items indented by two spaces. Python's Markdown wants a blank line before a list and
    four spaces before a sub-item, or the items run on inside the paragraph and the sub-items
    flatten into the list above them."""
    body_md = _LIST_AFTER_TEXT.sub(r"\1\n\n", body_md)
    body_md = _SUB_ITEM.sub("    ", body_md)
    out = md.markdown(body_md, extensions=["sane_lists"], output_format="html")
    return " ".join(out.split("\n"))


def body_html(body: str, cites: dict[int, Citation]) -> str:
    """An answer's text, escaped, with its markers linked."""
    return _to_html(link_markers(escape_body(body), cites))


def _said(quote: str, body: str) -> bool:
    """Whether the answer's text already quotes this passage (then the panel does not repeat it)."""
    return bool(body) and " ".join(quote.split()) in " ".join(body.split())


def _place(c: Citation) -> str:
    """Where the quote stands: its section (the one above, when the quote is the heading
    itself, so a cited heading is not shown twice) or its page."""
    parts = c.section.split(" > ") if c.section else []
    if parts and parts[-1].strip() == c.quote.strip():
        parts = parts[:-1]
    page = f"{text('page_abbrev')} {c.page}" if c.page else ""
    return " · ".join(p for p in (" > ".join(parts), page) if p)


def source_groups(
    items: list[Citation], body: str = "", pages: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Citations grouped by source, then by place (section or page), in order of first use.

    A citation whose quote the body already shows becomes a bare numbered link; any other keeps
    its quote, so every quote appears once and every number once.
    """
    groups: dict[str, dict[str, Any]] = {}
    pages = pages or {}
    for c in sorted(items, key=lambda c: c.n):
        g = groups.setdefault(
            c.source_id,
            {
                "id": c.source_id,
                "title": c.title,
                "author": c.author,
                "page_url": safe_url(pages[c.source_id]) if pages.get(c.source_id) else "",
                "places": {},
            },
        )
        label = _place(c)
        place = g["places"].setdefault(label, {"label": label, "refs": [], "quotes": []})
        ref = {"n": c.n, "url": safe_url(c.url)}
        if _said(c.quote, body):
            place["refs"].append(ref)
        else:
            place["quotes"].append({**ref, "text": c.quote})
    return [{**g, "places": list(g["places"].values())} for g in groups.values()]


def sources_html(
    items: list[Citation], label: str, body: str = "", pages: Mapping[str, str] | None = None
) -> str:
    """The source panel: each source once, its places and numbered deep links, unsaid quotes."""
    if not items:
        return ""
    out = render_template(
        "ui/sources.html.j2", label=label, sources=source_groups(items, body, pages)
    )
    return " ".join(out.split("\n")).strip()


def answer_sources_html(answer: Answer, pages: Mapping[str, str] | None = None) -> str:
    """Sources under an answer; under an abstention, only related reading its text does not show.

    An abstention's text lists its related reading already (title, place, quote, number), so a
    panel would say it all twice.
    """
    if answer.abstained:
        unsaid = [c for c in answer.related if not _said(c.quote, answer.answer)]
        return sources_html(unsaid, text("related_label"), answer.answer, pages)
    return sources_html(answer.citations, text("sources_label"), answer.answer, pages)


def answer_html(answer: Answer, pages: Mapping[str, str] | None = None) -> str:
    """The answer block: notices, the text with footnote links, then the source panel.

    `pages` maps a source id to the page a reader opens (`Source.human_url`) for the panel's
    titles. Which engine answered and how fast stays out of the attendee's view (data-engine).
    """
    cites = cite_map(answer)
    css = "db-answer db-abstain" if answer.abstained else "db-answer"
    notes = "".join(
        f'<p class="db-notice"><strong>{escape_inline(text("notices_label"))}:</strong> '
        f"{escape_inline(n)}</p>"
        for n in answer.notices
    )
    return (
        f'<div class="{css}" data-engine="{html.escape(answer.engine, quote=True)}">'
        f'<div class="db-answer-text">{notes}{body_html(answer.answer, cites)}</div>'
        f"{answer_sources_html(answer, pages)}</div>"
    )


def user_html(question: str) -> str:
    """A user's message, shown exactly as typed and never as markup."""
    return f'<div class="db-user">{escape_inline(question)}</div>'
