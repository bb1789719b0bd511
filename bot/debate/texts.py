"""The console's words and phrase lists, from `prompts/moderator/` (named once, used everywhere)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bot.prompts import data_file, lookup


def _yaml(name: str) -> dict:
    return data_file(f"moderator/{name}")


def message(key: str, **values: Any) -> str:
    """A console or audience message from `prompts/moderator/messages.yaml`."""
    return lookup("moderator/messages.yaml", key, "message", True, **values)


def route_label(route: str | None) -> str:
    return str(_yaml("routing.yaml")["routes"].get(route or "", ""))


def reason_label(reason: str | None) -> str:
    return str(_yaml("routing.yaml")["reasons"].get(reason or "pending", reason or ""))


@lru_cache(maxsize=4)
def _matchers(kind: str) -> list[re.Pattern[str]]:
    spec = _yaml("routing.yaml")[kind]
    out = [re.compile(r"\b" + re.escape(p.lower()) + r"\b") for p in spec.get("phrases") or []]
    out += [re.compile(p) for p in spec.get("patterns") or []]
    return out


def asks_for(kind: str, text: str) -> str | None:
    """The phrase of routing.yaml's `kind` list ('opinion', 'forecast') the text uses, if any."""
    folded = " ".join(text.lower().replace("’", "'").split())
    for rx in _matchers(kind):
        m = rx.search(folded)
        if m:
            return m.group(0)
    return None


def feed_reason(key: str, **values: Any) -> str:
    """Why the prompt feed suggests something, from `prompts/moderator/feed_reasons.yaml`."""
    return lookup("moderator/feed_reasons.yaml", key, "feed reason", **values)
