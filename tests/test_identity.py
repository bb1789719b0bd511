"""Who a client is, the per-minute window and the login throttle, as tables of cases.

The attacks themselves run against a real server in tests/test_live_attacks.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.debate.auth import LoginThrottle, ModeratorAuth, RefusedError, ThrottledError
from bot.settings import Settings
from bot.ui.identity import COOKIE, LOCAL, Identities, client_of
from bot.ui.limits import Window


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _settings(tmp_path: Path, **limits) -> Settings:
    base = Settings(data_dir=tmp_path)
    return base.model_copy(update={"limits": base.limits.model_copy(update=limits)})


def _scope(cookie: str | None = None, address: str = "10.0.0.7", **extra) -> dict:
    headers = [(b"accept", b"text/html")]
    if cookie is not None:
        headers.append((b"cookie", f"{COOKIE}={cookie}".encode()))
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    return {"type": "http", "method": "GET", "path": "/", "headers": headers,
            "client": (address, 5555)}  # fmt: skip


def test_a_minted_cookie_names_the_same_attendee_until_it_expires(tmp_path: Path):
    clock = Clock()
    ids = Identities(_settings(tmp_path, cookie_days=1), clock)
    token = ids.mint("10.0.0.7")
    assert token
    first, _ = ids.identify(_scope(token), may_mint=False)
    again, fresh = ids.identify(_scope(token, address="10.9.9.9"), may_mint=True)
    assert first.signed and first.key == again.key and fresh is None, "the cookie, not the address"
    clock.now += 2 * 86_400
    expired, _ = ids.identify(_scope(token), may_mint=False)
    assert not expired.signed and expired.key != first.key


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "x" + t,  # id changed
        lambda t: t.rsplit(".", 1)[0],  # signature missing
        lambda t: "a.b.c.d",
        lambda t: "",
        lambda t: "z" * 500,
    ],
    ids=["bad-signature", "other-id", "unsigned", "four-parts", "empty", "huge"],
)
def test_a_forged_cookie_names_nobody(tmp_path: Path, forge):
    ids = Identities(_settings(tmp_path))
    token = ids.mint("10.0.0.7")
    client, _ = ids.identify(_scope(forge(token)), may_mint=False)
    assert not client.signed and client.key.startswith("n-")


def test_the_secret_survives_a_restart_and_another_server_rejects(tmp_path: Path):
    token = Identities(_settings(tmp_path)).mint("10.0.0.7")
    assert Identities(_settings(tmp_path)).verify(token), "same data folder, same key"
    assert not Identities(_settings(tmp_path / "other")).verify(token)
    assert (tmp_path / "attendee.key").stat().st_mode & 0o777 == 0o600


def test_new_identities_per_address_are_budgeted(tmp_path: Path):
    clock = Clock()
    ids = Identities(_settings(tmp_path, new_ids_burst=5, new_ids_per_minute=6), clock)
    minted = [ids.mint("10.0.0.7") for _ in range(20)]
    assert sum(t is not None for t in minted) == 5
    assert ids.mint("10.0.0.8"), "another address has its own budget"
    clock.now += 10  # 6 a minute: one more after 10 s
    assert ids.mint("10.0.0.7") and not ids.mint("10.0.0.7")
    client, fresh = ids.identify(_scope(), may_mint=True)
    assert fresh is None and not client.signed, "over budget: the client is its address"


def test_an_address_identity_is_opaque_and_forwarded_for_needs_trust(tmp_path: Path):
    plain = Identities(_settings(tmp_path))
    spoofed, _ = plain.identify(_scope(**{"x-forwarded-for": "1.2.3.4"}), may_mint=False)
    direct, _ = plain.identify(_scope(), may_mint=False)
    assert spoofed.key == direct.key and "10.0.0.7" not in direct.key
    trusting = Identities(_settings(tmp_path, trust_forwarded_for=True))
    proxied, _ = trusting.identify(_scope(**{"x-forwarded-for": "6.6.6.6, 1.2.3.4"}), False)
    assert proxied.address == "1.2.3.4", "the last hop is the one our proxy saw"


def test_without_the_middleware_everyone_is_one_local_client():
    assert client_of(None) == LOCAL
    assert client_of(object()) == LOCAL


def test_the_window_counts_a_minute_per_key():
    clock = Clock(0.0)
    window = Window(clock)
    assert [window.hit("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert window.hit("a", 3) == pytest.approx(60.0)
    assert window.hit("b", 3) == 0.0
    clock.now = 60.5
    assert window.hit("a", 3) == 0.0


def test_login_backoff_doubles_per_client_and_a_good_login_resets_it(tmp_path: Path):
    clock = Clock(0.0)
    cfg = _settings(tmp_path, login_free_attempts=2, login_backoff_s=2.0).limits
    throttle = LoginThrottle(cfg, clock)
    waits = []
    for _ in range(5):
        throttle.record("mallory", ok=False)
        waits.append(throttle.wait_s("mallory"))
        clock.now += waits[-1]
    assert waits == [0.0, 2.0, 4.0, 8.0, 16.0]
    assert throttle.wait_s("alice") == 0.0
    throttle.record("mallory", ok=True)
    assert throttle.wait_s("mallory") == 0.0


def test_misses_from_everyone_hold_back_new_clients_but_not_known_ones(tmp_path: Path):
    clock = Clock(0.0)
    cfg = _settings(tmp_path, login_failures_per_minute=5, login_free_attempts=100).limits
    throttle = LoginThrottle(cfg, clock)
    throttle.record("moderator", ok=True)
    for i in range(5):
        throttle.record(f"bot-{i}", ok=False)
    assert throttle.wait_s("bot-new") > 0, "a fresh identity cannot add guesses"
    assert throttle.wait_s("moderator") == 0.0, "the moderator who logged in before still can"
    clock.now += 61
    assert throttle.wait_s("bot-new") == 0.0


def test_a_throttled_client_is_refused_even_with_the_right_secret(tmp_path: Path):
    from pydantic import SecretStr

    base = _settings(tmp_path, login_free_attempts=1, login_backoff_s=30.0)
    settings = base.model_copy(
        update={"debate": base.debate.model_copy(update={"moderator_password": SecretStr("s")})}
    )
    clock = Clock(0.0)
    auth = ModeratorAuth(settings, clock)
    with pytest.raises(RefusedError):
        auth.require("guess", "mallory")
    with pytest.raises(ThrottledError) as err:
        auth.require("s", "mallory")
    assert "30 seconds" in str(err.value)
    auth.require("s", "alice")
    clock.now += 31
    auth.require("s", "mallory")
