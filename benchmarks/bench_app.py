"""Attendees asking through the public API of a real app process: all answered? p50/p95?

    python -m benchmarks.bench_app [--attendees 50] [--questions 10]

Starts `debatebot serve` itself on a free 127.0.0.1 port over the configured index (or a fresh
one of the pack when that is empty), waits until the page answers and the model is warm, then
lets every attendee ask its questions one after the other, all attendees at once. Each attendee
is its own gradio_client (its own attendee cookie, as a phone has) and asks questions of its
own, built from the same topics as the audience benchmark, so few answers repeat.
"""

from __future__ import annotations

import argparse
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

ATTENDEES = 50
QUESTIONS = 10
OK = False  # set by main(); the exit code when run as a script
ANGLES = [
    "What does the reading list say about {t}?",
    "How would a CERN for AI handle {t}?",
    "Who pays for {t} in these proposals?",
    "Which proposal puts {t} first?",
    "What are the risks of {t}?",
    "What did the post write about {t}?",
    "Is {t} a public good?",
]
TOPICS = [
    "EuroHPC",
    "open-source models",
    "AI safety",
    "compute sharing",
    "CERN's budget",
    "the Higgs boson",
    "AI Gigafactories",
    "talent",
    "dual-use research",
    "model weights",
    "the UN",
    "energy supply",
    "open science",
    "public-private partnerships",
]
# gradio_client posts to the queue with httpx's 5 s default; a browser waits longer.
CLIENT_TIMEOUT_S = 60


def question(attendee: int, i: int) -> str:
    return ANGLES[(attendee + i) % len(ANGLES)].format(t=TOPICS[(attendee * 3 + i) % len(TOPICS)])


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
    error: str = ""


def run(url: str, attendees: int, questions: int) -> tuple[list[Result], float]:
    """All attendees connect first, then start together; return every ask's result and wall."""
    conns = [connect(url) for _ in range(attendees)]
    barrier = threading.Barrier(attendees + 1)
    results: list[Result] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        barrier.wait()
        for i in range(questions):
            started = time.perf_counter()
            try:
                raw = conns[n].predict(question=question(n, i), api_name="/ask")
                Answer.model_validate(raw)
                out = Result(True, time.perf_counter() - started)
            except Exception as exc:  # a failure is data here, not a crash
                out = Result(False, time.perf_counter() - started, repr(exc)[:200])
            with lock:
                results.append(out)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(attendees)]
    for t in threads:
        t.start()
    barrier.wait()
    wall = time.perf_counter()
    for t in threads:
        t.join()
    return results, time.perf_counter() - wall


def rows(results: list[Result], wall: float, attendees: int) -> list[dict]:
    ok = [r.seconds * 1000 for r in results if r.ok]
    stats = summary(ok) if ok else {"p50_ms": "-", "p95_ms": "-", "max_ms": "-"}
    return [
        {
            "attendees × questions": f"{attendees} × {len(results) // max(attendees, 1)}",
            "answered": len(ok),
            "failed": sum(not r.ok for r in results),
            "p50_s": _s(stats["p50_ms"]),
            "p95_s": _s(stats["p95_ms"]),
            "max_s": _s(stats["max_ms"]),
            "answers_per_s": round(len(ok) / wall, 1) if wall else "-",
            "all_done_s": round(wall, 1),
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


def main(attendees: int = ATTENDEES, questions: int = QUESTIONS) -> str:
    """Start the app, warm it, let the attendees ask; return a Markdown table."""
    global OK
    with tempfile.TemporaryDirectory() as tmp:
        settings = ensure_index(get_settings(), Path(tmp))
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_server(settings, port, log_file=Path(tmp) / "server.log")
        try:
            wait_until_up(url, timeout=180, proc=proc)
            warm = connect(url)
            warm.predict(question=question(0, 0), api_name="/ask")
            warm.predict(api_name="/open_questions")  # the server's warm-up is over: steady state
            results, wall = run(url, attendees, questions)
        finally:
            stop_server(proc)
    OK = len(results) == attendees * questions and all(r.ok for r in results)
    title = (
        f"app: {attendees} attendees × {questions} questions each through /ask "
        "(gradio_client, real server on 127.0.0.1)"
    )
    out = table(title, rows(results, wall, attendees))
    out += "".join(f"\nfailure: {r.error}\n" for r in [r for r in results if not r.ok][:5])
    print(out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=ATTENDEES)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    args = parser.parse_args()
    main(args.attendees, args.questions)
    raise SystemExit(0 if OK else 1)
