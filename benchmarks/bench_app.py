"""Attendees asking through the public API of a real app process: all answered? p50/p95?

    python -m benchmarks.bench_app [--attendees 50] [--questions 10] [--client http|gradio]

Starts `debatebot serve` itself on a free 127.0.0.1 port over the configured index (or a fresh
one of the pack when that is empty), waits until the page answers and the model is warm, then
lets every attendee ask its questions one after the other, all attendees at once. Each attendee
opens the page first (its own attendee cookie, as a phone has) and asks questions of its own,
built from a grid of angles and topics, so most answers are computed afresh.

The clients run on the same two cores as the server, so their own cost counts against it. The
default `http` client speaks the public HTTP API as the browser does (queue join, then the
event stream, on kept-alive connections: a few ms of CPU a question); `gradio` uses one
gradio_client per attendee, which costs about twice the server's own CPU per question.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from gradio_client import Client

from benchmarks.bench_audience import ANGLES, TOPICS
from benchmarks.common import (  # sets the offline environment first
    cpu_seconds,
    load_average,
    summary,
    table,
)
from bot.models import Answer
from bot.settings import Settings, get_settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

ATTENDEES = 50
QUESTIONS = 10
OK = False  # set by main(); the exit code when run as a script
# gradio_client posts to the queue with httpx's 5 s default; a browser waits longer.
CLIENT_TIMEOUT_S = 60


class Attendee:
    """A phone speaking the app's public HTTP API as the browser does."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S, trust_env=False)
        self.http.get("/").raise_for_status()  # the page load: the server names this phone
        config = self.http.get("config").json()
        self.fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")
        self.session = uuid.uuid4().hex
        # The page's load events open the browser's session on the server before any question.
        body = {"data": [], "session_hash": self.session}
        self.http.post("gradio_api/run/audience_queue", json=body).raise_for_status()

    def predict(self, question: str, api_name: str = "/ask") -> dict:
        body = {"data": [question, "", []], "fn_index": self.fn, "session_hash": self.session}
        joined = self.http.post("gradio_api/queue/join", json=body)
        joined.raise_for_status()
        event = joined.json()["event_id"]
        params = {"session_hash": self.session}
        with self.http.stream("GET", "gradio_api/queue/data", params=params) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed" and msg.get("event_id") == event:
                    if not msg.get("success"):
                        raise RuntimeError(str(msg.get("output"))[:200])
                    return msg["output"]["data"][0]
        raise RuntimeError("the event stream ended without the answer")


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
    index: int = 0  # which of the attendee's questions


def run(
    url: str, attendees: int, questions: int, client: str = "http"
) -> tuple[list[Result], float]:
    """All attendees connect first, then start together; return every ask's result and wall."""
    make = connect if client == "gradio" else Attendee
    conns = [make(url) for _ in range(attendees)]
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
                out = Result(True, time.perf_counter() - started, index=i)
            except Exception as exc:  # a failure is data here, not a crash
                out = Result(False, time.perf_counter() - started, repr(exc)[:200], i)
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


def rows(
    results: list[Result], wall: float, attendees: int, server_cpu: float, load: str
) -> list[dict]:
    ok = [r.seconds * 1000 for r in results if r.ok]
    later = [r.seconds * 1000 for r in results if r.ok and r.index > 0]
    stats = summary(ok) if ok else {"p50_ms": "-", "p95_ms": "-", "max_ms": "-"}
    return [
        {
            "attendees × questions": f"{attendees} × {len(results) // max(attendees, 1)}",
            "answered": len(ok),
            "failed": sum(not r.ok for r in results),
            "p50_s": _s(stats["p50_ms"]),
            "p95_s": _s(stats["p95_ms"]),
            "max_s": _s(stats["max_ms"]),
            "p95_after_first_s": _s(summary(later)["p95_ms"]) if later else "-",
            "answers_per_s": round(len(ok) / wall, 1) if wall else "-",
            "all_done_s": round(wall, 1),
            "server_cpu_ms_per_answer": round(server_cpu * 1000 / max(len(ok), 1)),
            "load_avg": load,
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


def main(attendees: int = ATTENDEES, questions: int = QUESTIONS, client: str = "http") -> str:
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
            load, cpu, mine = load_average(), cpu_seconds(proc.pid), time.process_time()
            results, wall = run(url, attendees, questions, client)
            server_cpu = cpu_seconds(proc.pid) - cpu
            client_cpu = time.process_time() - mine
        finally:
            stop_server(proc)
    OK = len(results) == attendees * questions and all(r.ok for r in results)
    title = (
        f"app: {attendees} attendees × {questions} questions each through /ask "
        f"({client} client, real server on 127.0.0.1)"
    )
    out = table(title, rows(results, wall, attendees, server_cpu, load))
    out += (
        f"\nThe {attendees} clients themselves ({client}, on the same cores) used "
        f"{client_cpu * 1000 / max(len(results), 1):.0f} ms of CPU per question.\n"
    )
    out += "".join(f"\nfailure: {r.error}\n" for r in [r for r in results if not r.ok][:5])
    print(out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=ATTENDEES)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--client", choices=["http", "gradio"], default="http")
    args = parser.parse_args()
    main(args.attendees, args.questions, args.client)
    raise SystemExit(0 if OK else 1)
