"""Who a client is, decided by the server: a signed attendee cookie, or else its address.

Votes, limits and feedback are keyed on what this module says, never on an id, a name or a
session hash the client sends. A page load without a valid cookie gets a new one (HMAC-signed
with a secret kept in the data folder, so cookies survive a restart); a client without one
(a script that drops cookies, or an address whose budget of new cookies is spent) is its
network address, which every such client from that address then shares.

What a scripter can still do: fetch new cookies, up to `limits.new_ids_burst` at once and
`limits.new_ids_per_minute` after that per address, and act as that many attendees. A hall
behind one NAT shares an address, so the budget cannot be much smaller than the crowd.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

COOKIE = "debatebot_attendee"
STATE_KEY = "debatebot_client"
KEY_FILE = "attendee.key"


@dataclass(frozen=True)
class Client:
    """A client as the server knows it. `key` is opaque: never an address or a personal value."""

    key: str
    address: str  # kept in memory for limits only, never stored
    signed: bool  # named by a valid attendee cookie


LOCAL = Client(key="n-local", address="local", signed=False)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def load_secret(path: Path) -> bytes:
    """The server's signing key, created once (mode 0600); in memory if the folder is read-only."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    except OSError:
        return secrets.token_bytes(32)


class Identities:
    """Mints and checks attendee cookies; limits how many new ones an address gets."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.cfg = settings.limits
        self.clock = clock
        self._key = load_secret(settings.data_dir / KEY_FILE)
        self._budget: dict[str, tuple[float, float]] = {}  # address -> (tokens, as of)
        self._lock = threading.Lock()

    # --- cookies ----------------------------------------------------------------------
    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()[:18])

    def token(self, ident: str, issued: float | None = None) -> str:
        body = f"{ident}.{int(self.clock() if issued is None else issued):x}"
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str | None) -> str | None:
        """The attendee id a cookie names, or None when it is forged, malformed or expired."""
        if not token or len(token) > 80 or token.count(".") != 2:
            return None
        ident, issued, sig = token.split(".")
        if not hmac.compare_digest(sig, self._sign(f"{ident}.{issued}")):
            return None
        try:
            age = self.clock() - int(issued, 16)
        except ValueError:
            return None
        return ident if 0 <= age <= self.cfg.cookie_days * 86_400 else None

    def mint(self, address: str) -> str | None:
        """A new attendee cookie for a client at `address`, or None when its budget is spent."""
        burst, rate = self.cfg.new_ids_burst, self.cfg.new_ids_per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, since = self._budget.get(address, (float(burst), now))
            tokens = min(float(burst), tokens + (now - since) * rate)
            if tokens < 1.0:
                self._budget[address] = (tokens, now)
                return None
            self._budget[address] = (tokens - 1.0, now)
            if len(self._budget) > 10_000:  # forget addresses whose budget is full again
                full = [a for a, (t, s) in self._budget.items() if t + (now - s) * rate >= burst]
                for a in full:
                    del self._budget[a]
        return self.token(secrets.token_urlsafe(12))

    # --- who is asking ------------------------------------------------------------------
    def address_client(self, address: str) -> Client:
        digest = _b64(hmac.new(self._key, b"addr:" + address.encode(), hashlib.sha256).digest())
        return Client(key=f"n-{digest[:16]}", address=address, signed=False)

    def cookie_client(self, ident: str, address: str) -> Client:
        return Client(key=f"a-{ident}", address=address, signed=True)

    def address_of(self, scope: Scope) -> str:
        headers = dict(scope.get("headers") or [])
        if self.cfg.trust_forwarded_for and b"x-forwarded-for" in headers:
            # The last hop is the address our own proxy saw; earlier ones are the client's claim.
            return headers[b"x-forwarded-for"].decode("latin-1").split(",")[-1].strip()
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    def identify(self, scope: Scope, may_mint: bool) -> tuple[Client, str | None]:
        """The client of a request, and a new cookie to set (only when `may_mint`)."""
        address = self.address_of(scope)
        ident = self.verify(cookie_value(scope))
        if ident:
            return self.cookie_client(ident, address), None
        if may_mint:
            fresh = self.mint(address)
            if fresh:
                return self.cookie_client(fresh.split(".")[0], address), fresh
        return self.address_client(address), None


def cookie_value(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header names nobody
                return None
            if COOKIE in jar:
                return jar[COOKIE].value
    return None


def _is_page_load(scope: Scope) -> bool:
    """A browser opening a page, or an API client reading the config: where cookies are given."""
    if scope["type"] != "http" or scope.get("method") != "GET":
        return False
    path = scope.get("path", "")
    if path in ("/", "/config") or path.endswith("/config"):
        return True
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return b"text/html" in accept


class AttendeeCookie:
    """ASGI middleware: names every request's client in its state and gives cookies on page load."""

    def __init__(self, app: ASGIApp, identities: Identities) -> None:
        self.app = app
        self.identities = identities

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client, fresh = self.identities.identify(scope, may_mint=_is_page_load(scope))
        scope.setdefault("state", {})[STATE_KEY] = client
        if fresh is None:
            await self.app(scope, receive, send)
            return
        max_age = self.identities.cfg.cookie_days * 86_400
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        header = f"{COOKIE}={fresh}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header.encode())]
            await send(message)

        await self.app(scope, receive, with_cookie)


def client_of(request: Any) -> Client:
    """Who is calling: the one function every UI event and API endpoint asks.

    `request` is the handler's `gr.Request` (or a Starlette request). Without the middleware
    (an app launched some other way) every caller is the same local client, so limits hold
    for everyone together rather than for no one.
    """
    scope = getattr(getattr(request, "request", request), "scope", None)
    if isinstance(scope, dict):
        found = (scope.get("state") or {}).get(STATE_KEY)
        if isinstance(found, Client):
            return found
    return LOCAL
