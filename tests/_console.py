"""Helpers for the console tests: settings with a private queue, and the real app in-process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.settings import Settings


def console_settings(built: Settings, folder: Path, **debate: Any) -> Settings:
    """The session index's settings with the queue and console files under `folder`."""
    update = {"queue_db": folder / "audience.sqlite3", "console_db": folder / "moderator.sqlite3"}
    if isinstance(debate.get("moderator_password"), str):
        debate["moderator_password"] = SecretStr(debate["moderator_password"])
    return built.model_copy(update={"debate": built.debate.model_copy(update={**update, **debate})})


@contextmanager
def serve(settings: Settings) -> Iterator[tuple[str, Any]]:
    """The real app (bot.ui.app.build_app, launched as `debatebot serve` does) on 127.0.0.1."""
    from bot.ui.launch import free_port, launch

    port = free_port()
    settings = settings.model_copy(update={"app": settings.app.model_copy(update={"port": port})})
    demo = launch(settings, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()
