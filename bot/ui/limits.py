"""Fair sharing: per-attendee caps on work in flight and per minute, checked before Gradio queues.

Every call into the app (`queue/join`, `call/...`, `run/...`) is classed by the event it runs
(its concurrency group: answers, submissions, votes, feedback, the moderator, anything else)
and by who sends it (`bot.ui.identity`). An attendee over a cap gets a 429 with a plain
message at once, so one client can never fill Gradio's queue. The moderator's events are
never counted against the attendees' caps, never wait behind them, and have a queue group of
their own; guessing the password is throttled separately (`bot.debate.auth.LoginThrottle`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.prompts import lookup
from bot.settings import LimitsSettings, Settings
from bot.ui.identity import STATE_KEY, Client

# Concurrency groups (`concurrency_id=` of the events) and the class of limits each falls in.
ANSWER, SUBMIT, VOTE, FEEDBACK, MODERATOR, OTHER = (
    "answer",
    "audience_submit",
    "audience_vote",
    "feedback",
    "moderator",
    "other",
)
log = logging.getLogger(__name__)
_CALL = re.compile(r"/gradio_api/(?:queue/(join)|(call)(?:/v2)?/([^/]+)|(?:run|api)/([^/]+))/?$")


def say(key: str, **values: Any) -> str:
    """A refusal message from prompts/ui/limits.yaml."""
    return lookup("ui/limits.yaml", key, "limit message", **values)


@dataclass(frozen=True)
class Cap:
    in_flight: int | None
    per_minute: int | None


def caps(cfg: LimitsSettings) -> dict[str, Cap]:
    """The caps of each class (submissions per minute are the queue's, kept in its database)."""
    return {
        ANSWER: Cap(cfg.ask_in_flight, cfg.ask_per_minute),
        SUBMIT: Cap(cfg.submit_in_flight, None),
        VOTE: Cap(cfg.vote_in_flight, cfg.vote_per_minute),
        FEEDBACK: Cap(cfg.other_in_flight, cfg.feedback_per_minute),
        MODERATOR: Cap(cfg.other_in_flight, None),
        OTHER: Cap(cfg.other_in_flight, cfg.other_per_minute),
    }


class Window:
    """How many times each key acted in the last minute (a sliding window)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, span_s: float = 60.0) -> None:
        self.clock = clock
        self.span_s = span_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int) -> float:
        """Count one action; 0 when allowed, else the seconds until the oldest one expires."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.span_s:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + self.span_s - now
            hits.append(now)
            if len(self._hits) > 20_000:  # drop keys with nothing in the window
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.span_s]:
                    del self._hits[k]
            return 0.0


def _group(fn: Any) -> str:
    group = getattr(fn, "concurrency_id", None)
    return group if group in (ANSWER, SUBMIT, VOTE, FEEDBACK, MODERATOR) else OTHER


def _client(scope_or_request: Any) -> Client | None:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    found = (scope.get("state") or {}).get(STATE_KEY) if isinstance(scope, dict) else None
    return found if isinstance(found, Client) else None


class FairShare:
    """ASGI middleware (inside `AttendeeCookie`): admit a call, or refuse it with a 429."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.cfg = settings.limits
        self.max_waiting = settings.app.max_queue
        self.caps = caps(self.cfg)
        self.window = Window()
        self.running: dict[tuple[str, str], int] = defaultdict(int)  # direct calls, and joins
        self._direct: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _CALL.search(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body, receive = await _buffered(receive)
        queued = bool(match.group(1) or match.group(2))
        fn = _function(scope.get("app"), match.group(3) or match.group(4), body)
        group = _group(fn)
        client = _client(scope)
        if client is None:  # no identity middleware in front: nothing to key limits on
            await self.app(scope, receive, send)
            return
        refusal = self.admit(scope.get("app"), client, group, queued)
        if refusal:
            log.info("refused a %s call of %s: %s", group, client.key, refusal)
            await _refuse(send, refusal)
            return
        key = (client.key, group)
        self.running[key] += 1
        try:
            if queued or group == MODERATOR:
                await self.app(scope, receive, send)
            else:
                async with self.direct_slots():
                    await self.app(scope, receive, send)
        finally:
            self.running[key] -= 1
            if not self.running[key]:
                del self.running[key]

    def direct_slots(self) -> asyncio.Semaphore:
        """Attendee calls that skip the queue share these threads; the moderator's never wait."""
        if self._direct is None:
            self._direct = asyncio.Semaphore(self.cfg.direct_concurrency)
        return self._direct

    def admit(self, app: Any, client: Client, group: str, queued: bool) -> str | None:
        """None when the call may go ahead, else the message that refuses it."""
        cap = self.caps[group]
        if cap.in_flight is not None:
            busy = self.running.get((client.key, group), 0)
            if queued:
                busy += sum(1 for ev in _queued_events(app) if _owned(ev, client, group))
            if busy >= cap.in_flight:
                return say("in_flight", limit=cap.in_flight)
        if queued and group != MODERATOR and _waiting(app) >= self.max_waiting:
            return say("busy")
        if cap.per_minute is not None:
            wait = self.window.hit(f"{client.key}|{group}", cap.per_minute)
            if wait > 0:
                return say("per_minute", limit=cap.per_minute, wait=max(1, round(wait)))
        return None


def _owned(event: Any, client: Client, group: str) -> bool:
    who = _client(getattr(event, "request", None))
    return who is not None and who.key == client.key and _group(event.fn) == group


def _queue(app: Any) -> Any:
    blocks = app.get_blocks() if app is not None and hasattr(app, "get_blocks") else None
    return getattr(blocks, "_queue", None)


def _queued_events(app: Any) -> list[Any]:
    """Events waiting or running in Gradio's queue (each keeps the request that joined it)."""
    queue = _queue(app)
    return list(getattr(queue, "event_ids_to_events", {}).values()) if queue else []


def _waiting(app: Any) -> int:
    """Attendee events waiting in the queue (the moderator's group is not counted)."""
    queue = _queue(app)
    if queue is None:
        return 0
    groups = getattr(queue, "event_queue_per_concurrency_id", {})
    return sum(len(q.queue) for cid, q in groups.items() if cid != MODERATOR)


def _function(app: Any, api_name: str | None, body: bytes) -> Any:
    """The event a call runs, found the way Gradio finds it (fn_index first, then the name)."""
    blocks = app.get_blocks() if app is not None and hasattr(app, "get_blocks") else None
    if blocks is None:
        return None
    try:
        index = json.loads(body or b"{}").get("fn_index")
    except (ValueError, AttributeError):
        index = None
    if isinstance(index, int) and not isinstance(index, bool):
        return blocks.fns.get(index)
    if api_name:
        return next((f for f in blocks.fns.values() if f.api_name == api_name), None)
    return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Read the request body (already size-limited) and hand it on unchanged."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", receive
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, sent = b"".join(chunks), False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(send: Send, detail: str) -> None:
    payload = json.dumps({"detail": detail, "error": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
