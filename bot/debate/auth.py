"""Who may steer: the moderator's secret, checked on the server for every action.

With no secret configured the console is off and every moderator action is refused, so a
forgotten setting can never leave the console open to the room.
"""

from __future__ import annotations

import hmac

from bot.debate.texts import message
from bot.settings import Settings


class ConsoleOffError(PermissionError):
    """No moderator password is set, so nobody may use the console."""


class RefusedError(PermissionError):
    """The secret given is missing or wrong."""


class ModeratorAuth:
    """A constant-time comparison with `debate.moderator_password`."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.debate.moderator_password
        value = secret.get_secret_value() if secret is not None else ""
        self._secret: bytes | None = value.encode("utf-8") if value else None

    @property
    def enabled(self) -> bool:
        return self._secret is not None

    def check(self, given: str | None) -> bool:
        """True only for the configured secret; always False when the console is off."""
        if self._secret is None or not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode("utf-8"), self._secret)

    def require(self, given: str | None) -> None:
        """Raise unless `given` is the secret; the message is safe to show to anyone."""
        if self._secret is None:
            raise ConsoleOffError(message("console_off"))
        if not self.check(given):
            raise RefusedError(message("console_refused"))
