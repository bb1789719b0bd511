"""Snapshot file -> Document: plain text with blocks, headings and links located by offset.

Every format goes through one `_Builder`, so offsets, whitespace and heading paths follow the
same rules whatever the source was; the chunker and the citations rely on them.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from bot.models import Block, Document, Link
from bot.registry import Format, Source

_WS = re.compile(r"\s+")  # in str patterns \s includes NBSP and the other Unicode spaces
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class LoadError(ValueError):
    """A snapshot that cannot become a Document; the message names the source."""


class _Builder:
    """Accumulates blocks into one text joined by blank lines, tracking links and headings."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.blocks: list[Block] = []
        self.links: list[Link] = []
        self._heads: list[tuple[int, str]] = []
        self._kind: str | None = None
        self._level = 0
        self._page: int | None = None
        self._cur = ""
        self._open: list[tuple[str, int]] = []
        self._done: list[tuple[str, int, int]] = []

    @property
    def kind(self) -> str | None:
        return self._kind

    def start(self, kind: str, level: int = 0, page: int | None = None) -> None:
        self.end()
        self._kind, self._level, self._page = kind, level, page

    def text(self, s: str) -> None:
        """Append inline text, collapsing whitespace runs (NBSP included) to one space."""
        s = _WS.sub(" ", _INVISIBLE.sub("", s))
        if not self._cur or self._cur.endswith(" "):
            s = s.lstrip(" ")
        self._cur += s

    def open_link(self, href: str) -> None:
        self._open.append((href, len(self._cur)))

    def close_link(self) -> None:
        if self._open:
            href, a = self._open.pop()
            self._done.append((href, a, len(self._cur)))

    def end(self) -> None:
        """Close the current block; an empty one leaves no trace.

        A link still open goes on into the next block (a link around several blocks, or one
        opened before its text's implicit block started) and is located in each block it spans.
        """
        still_open = [href for href, _ in self._open]
        while self._open:
            self.close_link()
        kind, text = self._kind, self._cur.rstrip()
        links, self._done, self._cur, self._kind = self._done, [], "", None
        self._open = [(href, 0) for href in still_open]
        if kind is None or not text:
            return
        start = self.pos + (2 if self.parts else 0)
        if kind == "heading":
            self._heads = [h for h in self._heads if h[0] < self._level] + [(self._level, text)]
        path = [t for _, t in self._heads]
        self.blocks.append(
            Block(kind=kind, start=start, end=start + len(text), heading_path=path, page=self._page)
        )
        for href, a, b in links:
            b = min(b, len(text))
            while a < b and text[a] == " ":
                a += 1
            while b > a and text[b - 1] == " ":
                b -= 1
            if a < b:
                self.links.append(Link(href=href, anchor=text[a:b], start=start + a, end=start + b))
        self.parts.append(text)
        self.pos = start + len(text)

    def paragraphs(self, text: str, page: int | None = None) -> None:
        """One paragraph block per blank-line-separated run of lines."""
        for para in re.split(r"\n\s*\n", text):
            self.start("paragraph", page=page)
            self.text(para)
        self.end()

    @property
    def text_value(self) -> str:
        return "\n\n".join(self.parts)


_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "li", "td", "th", "dt", "dd", "figcaption", "caption", "pre", *_HEADINGS}
_CONTAINERS = {"div", "section", "article", "main", "blockquote", "ul", "ol", "dl", "table"}
_CONTAINERS |= {"tr", "figure", "header", "footer", "aside", "body", "form", "details"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "iframe", "button"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


class _HtmlWalker(HTMLParser):
    """Feeds an HTML body into a _Builder: headings, paragraphs, list items, quotes, links."""

    def __init__(self, builder: _Builder, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.b, self.base = builder, base_url
        self._skip: tuple[str, int] | None = None
        self._quote = 0
        self._block_tag: str | None = None
        self._links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[0]:
                self._skip = (tag, self._skip[1] + 1)
            return
        a = dict(attrs)
        hidden = "hidden" in a or _HIDDEN.search(a.get("style") or "")
        if (tag in _SKIP or hidden) and tag not in _VOID:
            self._skip = (tag, 1)
        elif tag == "a" and a.get("href"):
            self.b.open_link(urljoin(self.base, (a["href"] or "").strip()))
            self._links += 1
        elif tag == "br":
            self.b.text(" ")
        elif tag == "blockquote":
            self.b.end()
            self._quote += 1
        elif tag in _BLOCKS:
            if tag == "p" and self._block_tag in {"li", "dd", "dt", "td", "th", *_HEADINGS}:
                self.b.text(" ")  # a <p> inside a list item continues the item
                return
            kind = "heading" if tag in _HEADINGS else "list_item" if tag == "li" else "paragraph"
            if kind == "paragraph" and self._quote:
                kind = "quote"
            self.b.start(kind, level=_HEADINGS.get(tag, 0))
            self._block_tag = tag
        elif tag in _CONTAINERS:
            self.b.end()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[0]:
                n = self._skip[1] - 1
                self._skip = (tag, n) if n else None
            return
        if tag == "a":
            if self._links:
                self.b.close_link()
                self._links -= 1
        elif tag == self._block_tag or tag in _CONTAINERS or (tag in _BLOCKS and tag != "p"):
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            self.b.end()  # a </p> closes only its own block, not the list item around it
            self._block_tag = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self.b.kind is None:
            if not data.strip():
                return
            self.b.start("quote" if self._quote else "paragraph")
            self._block_tag = None
        self.b.text(data)


def _walk_html(markup: str, builder: _Builder, base_url: str) -> None:
    walker = _HtmlWalker(builder, base_url)
    walker.feed(markup)
    walker.close()
    builder.end()


def _decode(data: bytes, declared: str | None = None) -> str:
    """UTF-8 first, then a declared charset, then Windows-1252/Latin-1 (which never fails)."""
    for enc in ("utf-8-sig", declared, "cp1252"):
        if enc:
            try:
                return data.decode(enc)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("latin-1")


def _load_wordpress(source: Source, data: bytes, b: _Builder) -> dict[str, str]:
    try:
        post = json.loads(_decode(data))
        if isinstance(post, list) and len(post) == 1:
            post = post[0]
        body = post["content"]["rendered"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise LoadError(f"source '{source.id}': not a WordPress post JSON ({exc})") from exc
    _walk_html(body, b, post.get("link") or source.base_url)
    title = html.unescape((post.get("title") or {}).get("rendered", "")).strip()
    return {
        "title": title,
        "url": post.get("link") or source.base_url,
        "date": str(post.get("date") or "")[:10],
    }


def _load_html(source: Source, data: bytes, b: _Builder) -> dict[str, str]:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    page = _decode(data, m.group(1).decode("ascii") if m else None)
    main = trafilatura.extract(
        page,
        output_format="html",
        include_links=True,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        favor_precision=True,
    )
    if main:
        _walk_html(main, b, source.base_url)
    if sum(x.end - x.start for x in b.links) >= sum(x.end - x.start for x in b.blocks):
        b.parts.clear()  # nothing but link anchors (a leftover menu) is no main text
    return {}


def _load_pdf(source: Source, path: Path, b: _Builder) -> dict[str, str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"source '{source.id}': encrypted PDF")
        pages = list(reader.pages)
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise LoadError(f"source '{source.id}': corrupt PDF ({exc})") from exc
    for n, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one unreadable page should not lose the others
            continue
        b.paragraphs(re.sub(r"-\n(?=[a-z])", "-", text), page=n)
    if not b.parts:
        raise LoadError(f"source '{source.id}': no extractable text (scanned PDF?)")
    return {}


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_MD_INLINE = re.compile(  # ![alt](src) | [anchor](href "title") | <https://autolink>
    r"!\[([^\]]*)\]\([^)]*\)|\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)|<(https?://[^>\s]+)>"
)
_MD_EMPHASIS = re.compile(r"\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def _md_inline(b: _Builder, line: str, base: str) -> None:
    """Inline markdown as rendered text: links keep their anchors, markers are dropped."""
    pos = 0
    for m in _MD_INLINE.finditer(line):
        b.text(_MD_EMPHASIS.sub("", line[pos : m.start()]))
        if m.group(1) is not None:
            b.text(m.group(1))
        else:
            b.open_link(urljoin(base, m.group(3) or m.group(4)))
            b.text(_MD_EMPHASIS.sub("", m.group(2) or m.group(4)))
            b.close_link()
        pos = m.end()
    b.text(_MD_EMPHASIS.sub("", line[pos:]))


def _load_markdown(source: Source, text: str, b: _Builder) -> None:
    base, fence = source.base_url, False
    for line in text.splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            fence = not fence
            if fence:
                b.start("paragraph")
            else:
                b.end()
            continue
        heading, item = _MD_HEADING.match(line), _MD_ITEM.match(line)
        if fence:
            b.text(line + " ")
        elif not line.strip() or re.match(r"^\s*([-*_])(\s*\1){2,}\s*$", line):
            b.end()  # blank line or thematic break
        elif heading:
            b.start("heading", level=len(heading.group(1)))
            _md_inline(b, heading.group(2), base)
            b.end()
        elif item:
            b.start("list_item")
            _md_inline(b, item.group(1), base)
        elif line.lstrip().startswith(">"):
            if b.kind != "quote":
                b.start("quote")
            _md_inline(b, re.sub(r"^\s*>\s?", "", line) + " ", base)
        else:
            if b.kind is None:
                b.start("paragraph")
            _md_inline(b, line + " ", base)
    b.end()


def load_document(source: Source, path: Path, max_file_mb: float) -> Document:
    """Load a snapshot of `source`; raise LoadError (naming the source) when it is unusable."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"source '{source.id}': cannot read {path} ({exc})") from exc
    if size > max_file_mb * 1024 * 1024:
        raise LoadError(
            f"source '{source.id}': file is {size / 1048576:.1f} MB, "
            f"over the {max_file_mb:g} MB limit"
        )
    b = _Builder()
    meta: dict[str, str] = {}
    if source.format == Format.pdf:
        meta = _load_pdf(source, path, b)
    else:
        data = path.read_bytes()
        if source.format == Format.wordpress_json:
            meta = _load_wordpress(source, data, b)
        elif source.format == Format.html:
            meta = _load_html(source, data, b)
        elif source.format == Format.markdown:
            _load_markdown(source, _decode(data), b)
        else:
            b.paragraphs(_decode(data))
    text = b.text_value
    if not text.strip():
        raise LoadError(f"source '{source.id}': empty document")
    return Document(
        source_id=source.id,
        title=meta.get("title") or source.title,
        url=meta.get("url") or source.base_url,
        text=text,
        blocks=b.blocks,
        links=b.links,
        author=source.author,
        date=meta.get("date") or source.date,
        is_pdf=source.format == Format.pdf,
    )
