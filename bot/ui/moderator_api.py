"""Named API endpoints of the console: `/moderator_*` (secret first, checked on the server) and
`/audience_*` (attendees). Each calls the same `Console` method as the Moderator tab.
"""

from __future__ import annotations

import functools
import html
from typing import Any

import gradio as gr

from bot.debate.console import Console, get_console
from bot.debate.queue import QueueError
from bot.debate.texts import message
from bot.ui.context import UIContext


def console_for(ctx: UIContext) -> Console:
    return get_console(ctx.settings, ctx.bot)


def guard(fn):
    """Moderator refusals and bad input become a plain gr.Error, never a traceback."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (PermissionError, ValueError, KeyError) as exc:
            raise gr.Error(html.escape(str(exc).strip("'\"")), print_exception=False) from None

    return run


def register_api(ctx: UIContext) -> None:
    """Named endpoints (`/moderator_*` need the secret, checked on the server; `/audience_*`)."""
    c = console_for(ctx)
    mod = {"concurrency_id": "moderator", "concurrency_limit": 4}

    def moderator_login(secret: str) -> dict:
        """Check the moderator password."""
        return {"ok": c.login(secret)}

    def moderator_agenda(secret: str) -> dict:
        """The agenda: current item, elapsed and remaining time, next item."""
        return c.agenda_state(secret)

    def moderator_move(secret: str, step: str) -> dict:
        """Move the agenda: 'start', 'advance', 'back' or 'reset'."""
        return c.move(secret, step)

    def moderator_queue(secret: str, include_hidden: bool = False) -> list[dict]:
        """The ranked audience queue, with routes, tags and suggested cited answers."""
        return [q.model_dump(mode="json") for q in c.queue_items(secret, include_hidden)]

    def moderator_flag(secret: str, question_id: int, flag: str, on: bool = True) -> dict:
        """Set or clear 'pinned', 'answered' or 'hidden' on a question."""
        return {"changed": c.flag(secret, question_id, flag, on)}

    def moderator_prompt(secret: str, kind: str, text: str = "") -> dict:
        """A grounded prompt: opening, followups, counter (text = view), bridge, factcheck."""
        return c.prompt(secret, kind, text).model_dump(mode="json")

    def moderator_suggest(secret: str) -> list[dict]:
        """The prompt feed's next suggestions."""
        return [s.model_dump(mode="json") for s in c.suggestions(secret)]

    def moderator_use(secret: str, suggestion_id: str) -> dict:
        """Log that a suggestion was used (audit)."""
        return {"logged": c.use(secret, suggestion_id)}

    def moderator_log(secret: str) -> list[dict]:
        """Every prompt used so far, with its time."""
        return c.used_log(secret)

    def audience_submit(question: str, name: str = "", request: gr.Request = None) -> dict:
        """Send a question to the moderator (rate-limited per session)."""
        client = getattr(request, "session_hash", None) or "api"
        try:
            sub = c.submit(question, name, client)
        except QueueError as exc:
            return {"ok": False, "message": str(exc), "question_id": None, "merged": False}
        return {
            "ok": True,
            "message": sub.message,
            "question_id": sub.question_id,
            "merged": sub.merged,
            "count": sub.count,
        }

    def audience_upvote(question_id: int, voter: str = "", request: gr.Request = None) -> dict:
        """Upvote a question, once per browser session (`voter`, else this session)."""
        voter = voter or getattr(request, "session_hash", None) or "api"
        try:
            counted, votes = c.upvote(question_id, voter)
        except QueueError as exc:
            return {"ok": False, "message": str(exc), "votes": None}
        key = "audience_voted" if counted else "audience_already_voted"
        return {"ok": counted, "message": message(key), "votes": votes}

    def audience_queue() -> list[dict]:
        """The questions attendees can see and upvote (hidden ones are not listed)."""
        return [q.model_dump() for q in c.public_items()]

    for fn in (
        moderator_login,
        moderator_agenda,
        moderator_move,
        moderator_queue,
        moderator_flag,
        moderator_prompt,
        moderator_suggest,
        moderator_use,
        moderator_log,
    ):
        gr.api(guard(fn), api_name=fn.__name__, **mod)
    gr.api(audience_submit, api_name="audience_submit", queue=False)
    gr.api(audience_upvote, api_name="audience_upvote", queue=False)
    gr.api(audience_queue, api_name="audience_queue", queue=False)
