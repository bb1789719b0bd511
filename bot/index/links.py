"""Which registered source a hyperlink points at, so a post's links become data."""

from __future__ import annotations

import html

from bot.registry import Source


def normalise_url(url: str) -> str:
    """Entity-decoded, without a trailing slash, http and https alike."""
    url = html.unescape(url.strip())
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    return url.rstrip("/")


def link_targets(sources: list[Source]) -> dict[str, str]:
    """URL (with and without its fragment, normalised) -> source id."""
    out: dict[str, str] = {}
    for s in sources:
        for variant in (s.url, s.base_url):
            out.setdefault(variant, s.id)
            out.setdefault(normalise_url(variant), s.id)
    return out
