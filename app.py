"""Hugging Face Space entry point: `demo` is built on import; it launches only when run."""

from __future__ import annotations

from bot.settings import get_settings
from bot.ui.app import build_app

settings = get_settings()
demo = build_app(settings)

if __name__ == "__main__":
    from bot.ui.launch import launch

    launch(settings, demo)  # queue, limits and warm-up, then demo.launch(...)
