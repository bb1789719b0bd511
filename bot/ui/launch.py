"""Serve the app: local by default, queued, size-limited; the model warms up once the page is up."""

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


def queue_kwargs(settings: Settings) -> dict[str, Any]:
    """Gradio's queue sized by the settings (two workers for two cores by default)."""
    return {
        "default_concurrency_limit": settings.app.concurrency,
        "max_size": settings.app.max_queue,
    }


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Everything `Blocks.launch()` is told: bind, no share, limits, quiet errors, no telemetry."""
    from bot.ui.app import style

    max_bytes = settings.app.max_body_kb * 1024
    return {
        "server_name": settings.app.host,
        "server_port": settings.app.port,
        "share": False,
        "show_error": False,
        "max_file_size": max_bytes,
        "app_kwargs": {"middleware": [Middleware(BodySizeLimit, max_bytes=max_bytes)]},
        "enable_monitoring": False,
        "run_history": False,
        "footer_links": ["api"],
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


def launch(settings: Settings, demo: Any = None, block: bool = True) -> Any:
    """Start the server for `settings`; return the Blocks (blocking until Ctrl-C by default)."""
    from bot.ui.app import build_app

    demo = demo or build_app(settings)
    demo.queue(**queue_kwargs(settings))
    demo.launch(prevent_thread_lock=True, **launch_kwargs(settings))
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
