"""The words one debate pack brings with it: names that mean the same thing, and the sentences
of its sources that steer the reader rather than state anything.

They live in the pack (`lexicon.yaml` beside `sources.yaml`), so the answer engine holds no
word of any one debate and a second pack brings its own. A pack without the file has none.
"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from bot.pack import read_model
from bot.retrieve.text import fold
from bot.settings import Settings


class LexiconError(ValueError):
    """A lexicon.yaml that cannot be used; the message names the file."""


class Lexicon(BaseModel):
    """A pack's words; every field is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: list[str] = Field(
        default_factory=list,
        description='What the debate\'s proposals are called ("CERN for AI"): asking for its '
        "versions or visions asks for the clusters.",
    )
    aliases: list[list[str]] = Field(
        default_factory=list,
        description='Groups of names that mean the same ("US", "American", ...): a question '
        "naming one finds a passage naming another.",
    )
    not_answers: list[str] = Field(
        default_factory=list,
        description="Openings of sentences that steer the reader or describe a picture the "
        'reading list does not carry ("The first section offers"): they answer only a question '
        "about the document itself (its sections, its table), never one about its subject.",
    )
    notices: list[str] = Field(
        default_factory=list,
        description="Headings of sections that announce the event (registration, venue): "
        "quoted only when the question is about the event.",
    )

    @cached_property
    def alias_of(self) -> dict[str, tuple[str, ...]]:
        """Each name, folded, -> its whole group."""
        return {fold(form): tuple(group) for group in self.aliases for form in group}

    @cached_property
    def _not_answer(self) -> re.Pattern[str] | None:
        if not self.not_answers:
            return None
        openings = "|".join(re.escape(fold(p).strip()) for p in self.not_answers)
        return re.compile(rf"^(?:[a-z]+,\s+)?(?:{openings})\b")

    def is_not_answer(self, sentence: str) -> bool:
        """Whether a sentence steers the reader (or describes a picture) rather than stating
        anything about the subject."""
        pattern = self._not_answer
        return bool(pattern and pattern.match(fold(sentence).strip()))

    def is_notice(self, heading_path: list[str]) -> bool:
        """Whether a passage sits under one of the event-notice headings."""
        notices = {fold(h).strip() for h in self.notices}
        return any(fold(h).strip() in notices for h in heading_path)


def load_lexicon(settings: Settings) -> Lexicon:
    """The pack's lexicon.yaml (re-read when it changes), or an empty one."""
    path = settings.pack / "lexicon.yaml"
    if not path.exists():
        return Lexicon()
    return read_model(path, path.stat().st_mtime, Lexicon, LexiconError)
