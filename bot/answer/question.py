"""A user's question made safe to work with: trimmed, length-capped, markup treated as text."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from bot.prompts import phrase

_TAG = re.compile(r"<[^>]{0,200}>")
_CONTROL = {"Cc", "Cf", "Cs", "Co"}


@dataclass
class CleanQuestion:
    text: str
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.text


def clean_question(raw: str | None, limit: int) -> CleanQuestion:
    """Strip markup and control characters; truncate past `limit` with a notice.

    Tags are removed from what is searched (they carry no meaning for retrieval); the UI
    escapes whatever it echoes, so nothing here is ever rendered as HTML.
    """
    text = html.unescape(raw or "")
    text = _TAG.sub(" ", text)
    text = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL else " " for ch in text
    )
    text = " ".join(text.split())
    notices: list[str] = []
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        notices.append(phrase("question_truncated", limit=limit))
    return CleanQuestion(text, notices)


# A sentence ends after a word of two letters or more, so "U.S. AI" and "et al. come" stay whole.
_SENTENCE_END = re.compile(r"(?:(?<=\w\w[.!?])|(?<=[)”'][.!?]))\s+(?=[A-Z])")


def last_sentence(question: str) -> str:
    """What is asked, without the lead-in: "Greetings from Nairobi. Is any effort aimed at
    lower-income countries?" asks its last sentence."""
    return _SENTENCE_END.split(question.strip())[-1]
