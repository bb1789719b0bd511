"""Pictures in a source's snapshot, which the index holds no text of.

The loaders keep a page's text and drop its images, so a table that a post shows as a picture
is not in the reading list at all. The briefing says so where it happens, by the heading the
picture stands under, rather than leave attendees to think the text says everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from bot.ingest.snapshots import snapshot_status
from bot.registry import Format, Source

if TYPE_CHECKING:
    from bot.service import Bot


@dataclass(frozen=True)
class Figure:
    """A picture of a snapshot: the heading it stands under ("" before any) and its alt text."""

    heading: str
    alt: str


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Figure] = []
        self._heading = ""
        self._in_heading = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._in_heading, self._text = True, []
        elif tag == "img":
            self.found.append(Figure(self._heading, (dict(attrs).get("alt") or "").strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._in_heading:
            self._heading = " ".join("".join(self._text).split())
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self._text.append(data)


def figures(bot: Bot, source: Source) -> list[Figure]:
    """The pictures of a source's HTML or WordPress snapshot, in reading order."""
    if source.format not in (Format.html, Format.wordpress_json):
        return []
    state, meta = snapshot_status(bot.settings.snapshots_dir, source)
    if state != "present" or meta is None:
        return []
    markup = (bot.settings.snapshots_dir / meta.file).read_bytes().decode("utf-8", "replace")
    if source.format is Format.wordpress_json:
        try:
            post = json.loads(markup)
            post = post[0] if isinstance(post, list) and post else post
            markup = post["content"]["rendered"]
        except (ValueError, KeyError, TypeError):
            return []
    parser = _Images()
    parser.feed(markup)
    return parser.found
