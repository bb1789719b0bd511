"""A conversation as data: (question, Answer) turns, kept in the browser, exported as Markdown.

The export uses the Answer's own text and citations, so its numbers, quotes and links are the
ones the app showed and the API returned.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError

from bot.models import Answer
from bot.prompts import render

if TYPE_CHECKING:
    from bot.service import Bot

log = logging.getLogger(__name__)

MAX_TURNS = 100  # a phone's localStorage is small; older turns fall off the front


class ConversationTurn(BaseModel):
    """One question and the Answer it got."""

    question: str
    answer: Answer
    answer_id: str | None = None  # the server's id of this answer, which a thumb names
    at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def load_turns(raw: Any) -> list[ConversationTurn]:
    """Turns from stored JSON (the browser's copy); anything unreadable is dropped, not fatal."""
    if not isinstance(raw, list):
        return []
    turns: list[ConversationTurn] = []
    for item in raw[-MAX_TURNS:]:
        try:
            turns.append(ConversationTurn.model_validate(item))
        except ValidationError as exc:
            log.warning("dropping an unreadable stored turn: %s", exc.errors()[:1])
    return turns


def dump_turns(turns: list[ConversationTurn]) -> list[dict[str, Any]]:
    """JSON-ready turns for the browser's storage."""
    return [t.model_dump(mode="json") for t in turns[-MAX_TURNS:]]


def history(turns: list[ConversationTurn]) -> list[tuple[str, str]]:
    """(question, answer text) pairs, as Bot.ask takes them for follow-up questions."""
    return [(t.question, t.answer.answer) for t in turns]


def to_markdown(
    turns: list[ConversationTurn], title: str, exported_at: datetime | None = None
) -> str:
    """The conversation with its citations, as one Markdown document."""
    when = (exported_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    for t in turns:
        a = t.answer
        items = a.related if a.abstained else a.citations
        rows.append(
            {
                "question": " ".join(t.question.split()) or "…",
                "answer": a.answer.strip(),
                "engine": a.engine,
                "notices": a.notices,
                "abstained": a.abstained,
                "sources": [c.model_dump() for c in items],
            }
        )
    return render("ui/conversation.md.j2", title=title, exported_at=when, turns=rows).strip() + "\n"


def reply(
    bot: Bot, question: str, turns: list[ConversationTurn], source_id: str | None = None
) -> Answer:
    """The chat's answer to a message: a debate command ("next question") or Bot.ask in context."""
    from bot.debate.questions import chat_command
    from bot.retrieve.hybrid import Filters

    try:
        posed = chat_command(bot, question, [t.answer.id for t in turns])
    except Exception:  # the index may not be built yet; Bot.ask explains that below
        log.exception("open-question command failed")
        posed = None
    if posed is not None:
        return posed
    filters = Filters(sources=(source_id,)) if source_id else None
    return bot.ask(question, history=history(turns), filters=filters)
