"""30 simultaneous `/ask` clients against a real app process: all answered? p50/p95 latency?

    python -m benchmarks.bench_app [clients]

Starts `debatebot serve` itself on a free 127.0.0.1 port over the configured index (or a fresh
one of the pack when that is empty), waits until the page answers and the model is warm, then
fires every client at the same instant.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gradio_client import Client

from benchmarks.common import summary, table  # sets the offline environment first
from bot.models import Answer
from bot.settings import Settings, get_settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

CLIENTS = 30
OK = False  # set by main(); the exit code when run as a script
QUESTIONS = [
    "How is CERN funded?",
    "What are the open questions of the debate?",
    "What is a CERN for AI?",
    "Should AI models be open source?",
    "What are the AI Gigafactories?",
    "Who proposed a CERN for AI first?",
]


# gradio_client posts to the queue with httpx's 5 s default; a browser waits longer, and on a
# shared 2-core machine a burst of 30 can exceed 5 s without anything failing in the app.
CLIENT_TIMEOUT_S = 60


def connect(url: str) -> Client:
    return Client(
        url,
        verbose=False,
        analytics_enabled=False,
        download_files=False,
        httpx_kwargs={"timeout": CLIENT_TIMEOUT_S},
    )


@dataclass
class Result:
    ok: bool
    seconds: float
    abstained: bool = False
    error: str = ""


def run(url: str, clients: int) -> tuple[list[Result], float]:
    """All clients connect first, then ask at the same instant; return results and wall time."""
    conns = [connect(url) for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    results: list[Result | None] = [None] * clients

    def one(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            raw = conns[i].predict(question=QUESTIONS[i % len(QUESTIONS)], api_name="/ask")
            answer = Answer.model_validate(raw)
            results[i] = Result(True, time.perf_counter() - started, answer.abstained)
        except Exception as exc:  # a failure is data here, not a crash
            results[i] = Result(False, time.perf_counter() - started, error=repr(exc)[:200])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    wall = time.perf_counter()
    for t in threads:
        t.join()
    return [r for r in results if r is not None], time.perf_counter() - wall


def rows(results: list[Result], wall: float, startup: float, first: float) -> list[dict]:
    ok = [r.seconds * 1000 for r in results if r.ok]
    stats = summary(ok) if ok else {"p50_ms": "-", "p95_ms": "-", "max_ms": "-"}
    return [
        {
            "clients": len(results),
            "answered": len(ok),
            "failed": sum(not r.ok for r in results),
            "workers": get_settings().app.concurrency,
            "p50_s": _s(stats["p50_ms"]),
            "p95_s": _s(stats["p95_ms"]),
            "max_s": _s(stats["max_ms"]),
            "all_done_s": round(wall, 2),
            "page_up_s": round(startup, 1),
            "first_answer_s": round(first, 1),
        }
    ]


def _s(ms: float | str) -> float | str:
    return round(ms / 1000, 2) if isinstance(ms, float | int) else ms


def ensure_index(settings: Settings, tmp: Path) -> Settings:
    """The configured index, or (when it is empty) a fresh one of the pack in `tmp`."""
    from bot import pack
    from bot.index.build import ingest, open_store

    if open_store(settings).count() > 0:
        return settings
    fresh = settings.model_copy(update={"data_dir": tmp})
    ingest(fresh, pack.sources(fresh))
    return fresh


def main(clients: int = CLIENTS) -> str:
    """Start the app, warm it, fire `clients` simultaneous /ask calls; return a Markdown table."""
    global OK
    with tempfile.TemporaryDirectory() as tmp:
        settings = ensure_index(get_settings(), Path(tmp))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_server(settings, port)
        try:
            startup = wait_until_up(url, timeout=180, proc=proc)
            warm = connect(url)
            t0 = time.perf_counter()
            warm.predict(question=QUESTIONS[0], api_name="/ask")
            first = time.perf_counter() - t0
            warm.predict(api_name="/open_questions")  # the server's warm-up is over: steady state
            results, wall = run(url, clients)
        finally:
            stop_server(proc)
    OK = len(results) == clients and all(r.ok for r in results)
    title = f"app: {clients} simultaneous /ask clients (gradio_client, real server on 127.0.0.1)"
    out = table(title, rows(results, wall, startup, first))
    out += "".join(f"\nfailure: {r.error}\n" for r in [r for r in results if not r.ok][:5])
    print(out)
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else CLIENTS)
    sys.exit(0 if OK else 1)
