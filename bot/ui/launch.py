"""Serve the app: local by default, queued, size-limited, shared fairly; the model warms up once
the page is up.

In front of Gradio, three middlewares: the body-size limit, the attendee cookie that names
every client (`bot.ui.identity`), and the fair-share admission (`bot.ui.limits`) that refuses
a client over its caps before Gradio queues anything. Gradio's own queue is unbounded: the
admission bounds the attendees' part of it and never counts the moderator's.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported
# Gradio's queue otherwise rebuilds a pandas summary of up to 10,000 past events after every
# finished event (5-20 ms each), for a monitoring page this app does not serve.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000000")

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

log = logging.getLogger(__name__)


class BodySizeLimit:
    """Refuse request bodies over a limit: 413 by Content-Length, cut off when streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b"Request body too large"})
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited, send)


ANSWER_GROUP = "answer"  # the concurrency group of every event that computes an answer
DEFAULT_CONCURRENCY = 2  # any other queued event, per event (sized for 2 cores)


def queue_kwargs(settings: Settings) -> dict[str, Any]:
    """Gradio's queue: only through the queue for queued events, status on a timer, no cap of
    its own (`bot.ui.limits.FairShare` caps attendees' requests before they get here)."""
    return {
        "default_concurrency_limit": DEFAULT_CONCURRENCY,
        "max_size": None,
        "api_open": False,
        # "auto" sends every waiting client an estimate after every finished job: O(n^2)
        # messages under load. Once a second is enough for a progress line.
        "status_update_rate": 1.0,
    }


def size_answer_group(demo: Any, settings: Settings) -> None:
    """All answering events (chat and /ask) share `app.concurrency` workers.

    Gradio takes the lowest limit of a group's events, so each is set here, in one place.
    """
    for fn in demo.fns.values():
        if fn.concurrency_id == ANSWER_GROUP:
            fn.concurrency_limit = settings.app.concurrency


def serve_fairly(demo: Any, settings: Settings) -> None:
    """What serving adds to a built app: shared model calls, sized groups, the queue."""
    from bot.debate.batching import shared_encoder

    if settings.app.model_threads > 0:
        import torch

        torch.set_num_threads(settings.app.model_threads)
    shared_encoder(demo.ui_context.bot.store.embedder)
    size_answer_group(demo, settings)
    demo.queue(**queue_kwargs(settings))


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Everything `Blocks.launch()` is told: bind, no share, limits, quiet errors, no telemetry."""
    from bot.ui.app import style
    from bot.ui.identity import AttendeeCookie, Identities
    from bot.ui.limits import FairShare

    max_bytes = settings.app.max_body_kb * 1024
    middleware = [
        Middleware(BodySizeLimit, max_bytes=max_bytes),
        Middleware(AttendeeCookie, identities=Identities(settings)),
        Middleware(FairShare, settings=settings),
    ]
    return {
        "server_name": settings.app.host,
        "server_port": settings.app.port,
        "share": False,
        "show_error": False,
        "max_file_size": max_bytes,
        "max_threads": settings.app.max_threads,
        "app_kwargs": {"middleware": middleware},
        "enable_monitoring": False,
        "run_history": False,
        "footer_links": [],  # the API stays reachable; attendees are not pointed at it
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "inbrowser": False,
        **style(),
    }


def warm_in_background(demo: Any) -> threading.Thread:
    """Load the model, BM25 and the open-question briefs while the page is already served."""

    def run() -> None:
        started = time.perf_counter()
        try:
            ctx = demo.ui_context
            ctx.bot.warm()
            from bot.debate.questions import open_question_briefs

            open_question_briefs(ctx.bot)
            log.info("warm-up done in %.1f s", time.perf_counter() - started)
        except Exception as exc:  # an unbuilt index is reported in the app, not fatal here
            log.warning("warm-up skipped: %s", exc)

    thread = threading.Thread(target=run, name="debatebot-warm", daemon=True)
    thread.start()
    return thread


def launch(settings: Settings, demo: Any = None, block: bool = True, quiet: bool = False) -> Any:
    """Start the server for `settings`; return the Blocks (blocking until Ctrl-C by default)."""
    from bot.ui.app import build_app

    demo = demo or build_app(settings)
    serve_fairly(demo, settings)
    demo.launch(prevent_thread_lock=True, quiet=quiet, **launch_kwargs(settings))
    warm_in_background(demo)
    if block:
        demo.block_thread()
    return demo


# --- a real server in a child process (tests and benchmarks) --------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, port: int, log_file: Path | None = None) -> subprocess.Popen:
    """`debatebot serve` in a child process over `settings`' pack and data folder."""
    env = {
        **os.environ,
        "DEBATEBOT_DATA_DIR": str(settings.data_dir),
        "DEBATEBOT_PACK": str(settings.pack),
        "DEBATEBOT_APP__HOST": settings.app.host,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
    }
    out = open(log_file, "wb") if log_file else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def wait_until_up(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> float:
    """Seconds until `url` answers 200; raise if it does not in time or the process dies."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode}")
        try:
            with opener.open(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
