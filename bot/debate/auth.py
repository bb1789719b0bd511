"""Who may steer: the moderator's secret, checked on the server for every action.

With no secret configured the console is off and every moderator action is refused, so a
forgotten setting can never leave the console open to the room. Guessing is throttled: after a
few misses a client waits, twice as long after each further miss; and when the whole room
misses too often, only clients that have logged in before are checked at all.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.debate.texts import message
from bot.settings import LimitsSettings, Settings

LOCAL = "local"  # the client of in-process callers (CLI, tests)


class ConsoleOffError(PermissionError):
    """No moderator password is set, so nobody may use the console."""


class RefusedError(PermissionError):
    """The secret given is missing or wrong."""


class ThrottledError(RefusedError):
    """Too many wrong secrets: this client (or everyone) must wait before trying again."""


@dataclass
class _Misses:
    count: int = 0
    until: float = 0.0  # monotonic time before which this client is not checked


class LoginThrottle:
    """Backoff per client after `login_free_attempts` misses, and a cap on misses overall."""

    def __init__(self, cfg: LimitsSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.cfg = cfg
        self.clock = clock
        self._clients: dict[str, _Misses] = {}
        self._recent: deque[float] = deque()  # times of misses, everyone together
        self._known: set[str] = set()  # clients that gave the right secret before
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """Seconds `client` must wait before its next secret is checked (0: check it now)."""
        now = self.clock()
        with self._lock:
            own = self._clients.get(client)
            wait = own.until - now if own else 0.0
            while self._recent and self._recent[0] <= now - 60.0:
                self._recent.popleft()
            if (
                client not in self._known
                and len(self._recent) >= self.cfg.login_failures_per_minute
            ):
                wait = max(wait, self._recent[0] + 60.0 - now)
            return max(0.0, wait)

    def record(self, client: str, ok: bool) -> None:
        now = self.clock()
        with self._lock:
            if ok:
                self._clients.pop(client, None)
                self._known.add(client)
                return
            self._recent.append(now)
            own = self._clients.setdefault(client, _Misses())
            own.count += 1
            over = own.count - self.cfg.login_free_attempts
            if over >= 0:
                backoff = self.cfg.login_backoff_s * 2.0 ** min(over, 30)
                own.until = now + min(backoff, self.cfg.login_max_backoff_s)
            if len(self._clients) > 50_000:  # forget clients whose wait is long over
                for key in [k for k, v in self._clients.items() if v.until < now - 3600]:
                    del self._clients[key]


class ModeratorAuth:
    """A constant-time comparison with `debate.moderator_password`, throttled per client."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        secret = settings.debate.moderator_password
        value = secret.get_secret_value() if secret is not None else ""
        self._secret: bytes | None = value.encode("utf-8") if value else None
        self.throttle = LoginThrottle(settings.limits, clock)

    @property
    def enabled(self) -> bool:
        return self._secret is not None

    def check(self, given: str | None) -> bool:
        """True only for the configured secret; always False when the console is off."""
        if self._secret is None or not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode("utf-8"), self._secret)

    def require(self, given: str | None, client: str = LOCAL) -> None:
        """Raise unless `given` is the secret and `client` may try now; safe to show anyone."""
        if self._secret is None:
            raise ConsoleOffError(message("console_off"))
        wait = self.throttle.wait_s(client)
        if wait > 0:
            raise ThrottledError(message("console_wait", wait=math.ceil(wait)))
        ok = self.check(given)
        self.throttle.record(client, ok)
        if not ok:
            raise RefusedError(message("console_refused"))
