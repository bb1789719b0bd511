"""The console's words and phrase lists, from `prompts/moderator/` (named once, used everywhere)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from bot.prompts import PROMPTS_DIR, PromptError

FOLDER = PROMPTS_DIR / "moderator"


@lru_cache(maxsize=4)
def _yaml(name: str) -> dict:
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8")) or {}


def message(key: str, **values: Any) -> str:
    """A console or audience message from `prompts/moderator/messages.yaml`."""
    messages = _yaml("messages.yaml")
    if key not in messages:
        raise PromptError(f"no message named '{key}' in prompts/moderator/messages.yaml")
    text = str(messages[key]).strip()
    return text.format(**values) if values else text


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
    reasons = _yaml("feed_reasons.yaml")
    if key not in reasons:
        raise PromptError(f"no feed reason named '{key}' in prompts/moderator/feed_reasons.yaml")
    return str(reasons[key]).format(**values)
