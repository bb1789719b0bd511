"""Named API endpoints of the console: `/moderator_*` (secret first, checked on the server) and
`/audience_*` (attendees). Each calls the same `Console` method as the console page and the
attendee panel, with the caller named by the server (`bot.ui.identity.client_of`).
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
from bot.ui.identity import client_of
from bot.ui.limits import MODERATOR, SUBMIT, VOTE


def console_for(ctx: UIContext) -> Console:
    return get_console(ctx.settings, ctx.bot)


def who(request: Any) -> str:
    """The server's name for the caller (never anything the caller sent)."""
    return client_of(request).key


# What a refused or malformed moderator call raises: said in words, never as a traceback.
REFUSALS = (PermissionError, ValueError, KeyError, TypeError)


def said(exc: Exception) -> str:
    """A refusal's message, safe to show (escaped)."""
    return html.escape(str(exc).strip("'\""))


def guard(fn):
    """For the API: refusals and bad input become a plain gr.Error."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except REFUSALS as exc:
            raise gr.Error(said(exc), print_exception=False) from None

    return run


def submit_result(c: Console, question: Any, name: Any, client: str) -> dict:
    """What an attendee's submission returns, to the API and the panel alike."""
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


def upvote_result(c: Console, question_id: Any, client: str) -> dict:
    """What an upvote returns: counted once per attendee and question."""
    try:
        counted, votes = c.upvote(question_id, client)
    except QueueError as exc:
        return {"ok": False, "message": str(exc), "votes": None}
    key = "audience_voted" if counted else "audience_already_voted"
    return {"ok": counted, "message": message(key), "votes": votes}


def register_api(ctx: UIContext) -> None:
    """Named endpoints (`/moderator_*` need the secret, checked on the server; `/audience_*`)."""
    c = console_for(ctx)
    mod = {"concurrency_id": MODERATOR, "concurrency_limit": 4}

    def moderator_login(secret: str, request: gr.Request = None) -> dict:
        """Check the moderator password (wrong ones are throttled per client)."""
        return {"ok": c.login(secret, who(request))}

    def moderator_agenda(secret: str, request: gr.Request = None) -> dict:
        """The agenda: current item, elapsed and remaining time, next item."""
        return c.agenda_state(secret, who(request))

    def moderator_move(secret: str, step: str, request: gr.Request = None) -> dict:
        """Move the agenda: 'start', 'advance', 'back' or 'reset'."""
        return c.move(secret, step, who(request))

    def moderator_queue(
        secret: str, include_hidden: bool = False, request: gr.Request = None
    ) -> list[dict]:
        """The ranked audience queue, with routes, tags and suggested cited answers."""
        items = c.queue_items(secret, include_hidden, who(request))
        return [q.model_dump(mode="json") for q in items]

    def moderator_flag(
        secret: str, question_id: int, flag: str, on: bool = True, request: gr.Request = None
    ) -> dict:
        """Set or clear 'pinned', 'answered', 'hidden' or 'approved' on a question."""
        return {"changed": c.flag(secret, question_id, flag, on, who(request))}

    def moderator_merge(
        secret: str, question_id: int, into: int, request: gr.Request = None
    ) -> dict:
        """Fold a question into another one: its askers and voters move there."""
        return {"merged": c.merge(secret, question_id, into, who(request))}

    def moderator_prompt(
        secret: str, kind: str, text: str = "", request: gr.Request = None
    ) -> dict:
        """A grounded prompt: opening, followups, counter (text = view), bridge, factcheck."""
        return c.prompt(secret, kind, text, who(request)).model_dump(mode="json")

    def moderator_suggest(secret: str, request: gr.Request = None) -> list[dict]:
        """The prompt feed's next suggestions."""
        return [s.model_dump(mode="json") for s in c.suggestions(secret, client=who(request))]

    def moderator_use(secret: str, suggestion_id: str, request: gr.Request = None) -> dict:
        """Log that a suggestion was used (audit)."""
        return {"logged": c.use(secret, suggestion_id, who(request))}

    def moderator_log(secret: str, request: gr.Request = None) -> list[dict]:
        """Every prompt used so far, with its time."""
        return c.used_log(secret, who(request))

    def audience_submit(question: str, name: str = "", request: gr.Request = None) -> dict:
        """Send a question to the moderator (rate-limited per attendee)."""
        return submit_result(c, question, name, who(request))

    def audience_upvote(question_id: int, request: gr.Request = None) -> dict:
        """Upvote a question: once per attendee, whoever the server knows the caller to be."""
        return upvote_result(c, question_id, who(request))

    def audience_queue(request: gr.Request = None) -> list[dict]:
        """The questions attendees can see and upvote, each saying whether the caller voted."""
        return [q.model_dump() for q in c.public_items(who(request))]

    for fn in (
        moderator_login,
        moderator_agenda,
        moderator_move,
        moderator_queue,
        moderator_flag,
        moderator_merge,
        moderator_prompt,
        moderator_suggest,
        moderator_use,
        moderator_log,
    ):
        gr.api(guard(fn), api_name=fn.__name__, **mod)
    audience = {"queue": False, "concurrency_limit": 8}
    gr.api(audience_submit, api_name="audience_submit", concurrency_id=SUBMIT, **audience)
    gr.api(audience_upvote, api_name="audience_upvote", concurrency_id=VOTE, **audience)
    gr.api(audience_queue, api_name="audience_queue", **audience)
