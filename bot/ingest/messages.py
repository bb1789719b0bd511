"""What ingest and the index say to an organiser, from prompts/ingest/messages.yaml."""

from __future__ import annotations

from typing import Any

from bot.prompts import lookup


def message(key: str, **values: Any) -> str:
    """Entry `key` of prompts/ingest/messages.yaml, filled with `values`."""
    return lookup("ingest/messages.yaml", key, "ingest message", True, **values)
