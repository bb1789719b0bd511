"""The live debate as one object: what the console UI, its API endpoints and tests all call.

Every moderator action takes the secret first and checks it here, on the server, before it
reads or changes anything (throttled per `client`, the server's name for the caller);
attendee actions (submit, upvote, the public list) need none, and are keyed on that name.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot.debate.agenda import Agenda, AgendaStatus, clock_text
from bot.debate.auth import LOCAL, ModeratorAuth
from bot.debate.feed import PromptFeed, Suggestion
from bot.debate.moderator import Moderator
from bot.debate.queue import FLAGS, AudienceQueue, QueueItem, Submitted, as_question_id
from bot.debate.routing import Enricher
from bot.debate.texts import feed_reason

if TYPE_CHECKING:
    from bot.service import Bot
    from bot.settings import Settings

PROMPT_KINDS = ("opening", "followups", "counter", "bridge", "factcheck")


class PublicItem(BaseModel):
    """A queued question as attendees see it: no routing, no moderator flags but 'answered'."""

    id: int
    text: str
    name: str
    votes: int
    asked_by: int
    answered: bool
    voted: bool = False  # by the attendee asking


def agenda_view(status: AgendaStatus) -> dict[str, Any]:
    """The agenda state as plain data (API and UI)."""
    item, nxt = status.item, status.next_item
    return {
        "position": status.position,
        "count": len(status.items),
        "started": status.started,
        "finished": status.finished,
        "item": item.model_dump() if item else None,
        "next": nxt.model_dump() if nxt else None,
        "elapsed_s": round(status.elapsed_s, 1),
        "remaining_s": round(status.remaining_s, 1),
        "event_remaining_s": round(status.event_remaining_s, 1),
        "elapsed": clock_text(status.elapsed_s),
        "remaining": clock_text(status.remaining_s),
        "covered_questions": status.covered_questions,
        "items": [{"id": i.id, "title": i.title, "minutes": i.minutes} for i in status.items],
    }


class Console:
    """Agenda, queue, prompts and feed for one debate pack and data folder."""

    def __init__(self, settings: Settings, bot: Bot, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.auth = ModeratorAuth(settings)
        self.agenda = Agenda(settings, clock=clock)
        self.queue = AudienceQueue(settings, encode=bot.embed, clock=clock)
        self.moderator = Moderator(bot)
        self.feed = PromptFeed(bot, self.agenda, self.queue, self.moderator, clock)
        self.enricher = Enricher(self.queue, bot)

    # --- the moderator (secret first, always) -----------------------------------------
    def login(self, secret: str, client: str = LOCAL) -> bool:
        self.auth.require(secret, client)
        return True

    def agenda_state(self, secret: str, client: str = LOCAL) -> dict[str, Any]:
        self.auth.require(secret, client)
        return agenda_view(self.agenda.status())

    def move(self, secret: str, step: str, client: str = LOCAL) -> dict[str, Any]:
        """'start', 'advance', 'back' or 'reset' the agenda."""
        self.auth.require(secret, client)
        actions = {
            "start": self.agenda.start,
            "advance": self.agenda.advance,
            "back": self.agenda.back,
            "reset": self.agenda.reset,
        }
        if step not in actions:
            raise ValueError(f"unknown agenda step {step!r}")
        return agenda_view(actions[step]())

    def queue_items(
        self, secret: str, include_hidden: bool = False, client: str = LOCAL
    ) -> list[QueueItem]:
        self.auth.require(secret, client)
        return self.queue.items(include_hidden=bool(include_hidden))

    def flag(
        self, secret: str, question_id: object, flag: str, on: bool = True, client: str = LOCAL
    ) -> bool:
        """Pin, mark answered, hide or approve a question (and undo)."""
        self.auth.require(secret, client)
        if flag not in FLAGS:
            raise ValueError(f"unknown flag {flag!r}")
        return self.queue.set_flag(as_question_id(question_id), flag, bool(on))

    def merge(self, secret: str, source: object, target: object, client: str = LOCAL) -> bool:
        """Fold one question into another (their askers and voters add up)."""
        self.auth.require(secret, client)
        return self.queue.merge(as_question_id(source), as_question_id(target))

    def prompt(self, secret: str, kind: str, text: str = "", client: str = LOCAL) -> Suggestion:
        """One prompt for the current item, on demand; offered so it can be used and logged."""
        self.auth.require(secret, client)
        if not isinstance(text, str):
            raise ValueError("the text must be a string")
        status = self.agenda.status()
        qid = status.current_question
        if kind == "factcheck":
            made = self.moderator.factcheck(text)
        elif kind == "counter":
            made = self.moderator.counter(text, qid)
        elif kind == "bridge":
            made = self.moderator.bridge(status.item, status.next_item)
        elif kind in ("opening", "followups"):
            if qid is None:
                raise ValueError("the current agenda item is not an open question")
            made = getattr(self.moderator, kind)(qid)
        else:
            raise ValueError(f"unknown prompt kind {kind!r}")
        return self.feed.offer(kind, feed_reason("requested"), made)

    def suggestions(self, secret: str, limit: int = 3, client: str = LOCAL) -> list[Suggestion]:
        self.auth.require(secret, client)
        return self.feed.suggest(limit)

    def use(self, secret: str, suggestion_id: str, client: str = LOCAL) -> int:
        """Log that the moderator used a prompt (for the audit)."""
        self.auth.require(secret, client)
        return self.feed.use(str(suggestion_id))

    def used_log(self, secret: str, client: str = LOCAL) -> list[dict]:
        self.auth.require(secret, client)
        return self.feed.log()

    # --- attendees (`client`: the server's name for the attendee) -----------------------
    def submit(self, text: object, name: object, client: str) -> Submitted:
        return self.queue.submit(text, name, client)

    def upvote(self, question_id: object, client: str) -> tuple[bool, int]:
        return self.queue.upvote(question_id, client)

    def public_items(self, client: str | None = None, limit: int = 30) -> list[PublicItem]:
        """The public list; with `client`, each item says whether that attendee voted for it."""
        voted = self.queue.voted_by(client) if client else set()
        return [
            PublicItem(
                **q.model_dump(include=set(PublicItem.model_fields) - {"voted"}),
                voted=q.id in voted,
            )
            for q in self.queue.public(limit)
        ]


_CONSOLES: dict[str, Console] = {}
_LOCK = threading.Lock()


def get_console(settings: Settings, bot: Bot, start_worker: bool = True) -> Console:
    """One console per settings in a process, so the UI and the API share state and worker."""
    secret = settings.debate.moderator_password
    key = settings.model_dump_json() + (secret.get_secret_value() if secret else "")
    with _LOCK:
        if key not in _CONSOLES:
            _CONSOLES[key] = Console(settings, bot)
        console = _CONSOLES[key]
    if start_worker:
        console.enricher.start()
    return console
