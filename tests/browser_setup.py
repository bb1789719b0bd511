"""Debian's Chromium for the browser tests, started as the machine allows: headless, no
sandbox (root), and no background networking (the machine has no network to reach)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import Settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def running_app(settings: Settings, log_file: Path) -> Iterator[str]:
    """A real app process on a free local port; yields its URL and stops it afterwards."""
    port = free_port()
    proc = start_server(settings, port, log_file=log_file)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", timeout=180, proc=proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


def launch(p, profile: Path, **kw):
    """A persistent headless Chromium context on `profile` (`p` is a sync_playwright())."""
    return p.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True, **kw
    )


# Gradio's status tracker shows a red "Error" pill over a component whose event failed.
ERROR_BADGE = '[data-testid="status-tracker"] .error'


def failed_components(page) -> list[str]:
    """The visible error pills on the page: an event that failed shows one to the attendee."""
    return [e.inner_text() for e in page.locator(ERROR_BADGE).all() if e.is_visible()]
