"""An Answer as safe HTML: `[n]` become footnote links to deep links; every text is escaped.

The answer text is Markdown from our templates with quoted source sentences inside it. It is
HTML-escaped first (so `<script>` stays text), brackets are neutralised (so a quote cannot make
a Markdown link), and only then are our own `[n]` markers turned into links and the Markdown
converted. The result is one line of HTML, so the Chatbot's own Markdown pass leaves it alone.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import markdown as md

from bot.models import Answer, Citation
from bot.prompts import render as render_template
from bot.ui.context import text

_MARKER = re.compile(r"&#91;(\d{1,3})&#93;")
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
        f'target="_blank" rel="noopener noreferrer" data-n="{c.n}">[{c.n}]</a></sup>'
    )


def link_markers(escaped: str, cites: dict[int, Citation]) -> str:
    """Replace escaped `[n]` markers that name a citation with footnote links."""

    def swap(m: re.Match[str]) -> str:
        c = cites.get(int(m.group(1)))
        return footnote(c) if c else f"[{m.group(1)}]"

    return _MARKER.sub(swap, escaped)


def _to_html(body_md: str) -> str:
    """Markdown (already escaped) to one line of HTML."""
    out = md.markdown(body_md, extensions=["sane_lists"], output_format="html")
    return " ".join(out.split("\n"))


def body_html(body: str, cites: dict[int, Citation]) -> str:
    """An answer's text, escaped, with its markers linked."""
    return _to_html(link_markers(escape_body(body), cites))


def sources_html(items: list[Citation], label: str) -> str:
    """A numbered source list: title, author, section or page, quote, deep link."""
    if not items:
        return ""
    sources = [c.model_copy(update={"url": safe_url(c.url)}) for c in items]
    out = render_template(
        "ui/sources.html.j2", label=label, sources=sources, page_abbrev=text("page_abbrev")
    )
    return " ".join(out.split("\n")).strip()


def answer_sources_html(answer: Answer) -> str:
    """Sources under an answer, or related reading under an abstention."""
    if answer.abstained:
        return sources_html(answer.related, text("related_label"))
    return sources_html(answer.citations, text("sources_label"))


def engine_label(engine: str) -> str:
    return {"offline": "offline engine", "structure": "the post's structure"}.get(engine, engine)


def answer_html(answer: Answer, partial: str | None = None) -> str:
    """The full answer block; with `partial`, only that much of the text (while streaming)."""
    cites = cite_map(answer)
    css = "db-answer db-abstain" if answer.abstained else "db-answer"
    if partial is not None:
        return f'<div class="{css} db-streaming">{body_html(partial, cites)}</div>'
    notes = "".join(
        f'<p class="db-notice"><strong>{escape_inline(text("notices_label"))}:</strong> '
        f"{escape_inline(n)}</p>"
        for n in answer.notices
    )
    meta = text("answer_meta", engine=engine_label(answer.engine), seconds=answer.latency_ms / 1000)
    return (
        f'<div class="{css}" data-engine="{html.escape(answer.engine, quote=True)}">'
        f"{notes}{body_html(answer.answer, cites)}{answer_sources_html(answer)}"
        f'<p class="db-meta">{escape_inline(meta)}</p></div>'
    )


def stream_steps(answer: Answer, steps: int = 6) -> list[str]:
    """Growing prefixes of the answer text, cut at line ends, for a progressive display."""
    lines = answer.answer.splitlines(keepends=True)
    if len(lines) <= 1:
        return []
    cuts = sorted({round(len(lines) * i / steps) for i in range(1, steps)} - {0, len(lines)})
    return ["".join(lines[:c]) for c in cuts]


def user_html(question: str) -> str:
    """A user's message, shown exactly as typed and never as markup."""
    return f'<div class="db-user">{escape_inline(question)}</div>'
