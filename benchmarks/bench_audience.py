"""Load test of the audience queue through the real app's API.

50 simulated attendees (each its own HTTP session with its own attendee cookie, like a phone)
submit 10 questions each and upvote at random while the moderator polls the queue. Afterwards
the store is checked against what the server acknowledged: every submission stored exactly
once (as a question or merged into its near-duplicate), merged counts and votes exact (one per
attendee and question, whoever taps twice), no error. Prints a Markdown table.

    python -m benchmarks.bench_audience [--attendees 50] [--questions 10]

Rate limiting is raised for the run (attendees here fire 10 questions in a burst, which the
default of 6 a minute would rightly refuse); everything else runs with the app's settings.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import cpu_seconds, load_average  # sets the offline environment first
from bot.settings import get_settings

SECRET = "bench-secret"
POPULAR = [  # several attendees ask these, in their own words: they should merge
    ["Who first proposed a CERN for AI?", "Who first suggested a CERN for AI?"],
    ["How is CERN funded?", "How is CERN financed?"],
    [
        "Should open-source models be released despite misuse risks?",
        "Should open source models be released despite the misuse risk?",
    ],
    [
        "Is a decentralized network better than one central lab?",
        "Is a decentralised network better than a single central lab?",
    ],
]
TOPICS = [
    "EuroHPC",
    "NAIRR",
    "neurosymbolic AI",
    "AI safety institutes",
    "tiered model access",
    "CLAIRE",
    "BigScience",
    "the AI for Good Summit",
    "dual-use research",
    "CERN's budget",
    "the Higgs boson",
    "AI Gigafactories",
    "talent networks",
    "compute sharing",
    "red-teaming",
    "model weights security",
    "the UN",
    "low- and middle-income countries",
    "energy supply",
    "European competitiveness",
    "open science",
    "hyperscale data centres",
    "AGI monopolies",
    "public-private partnerships",
    "regulatory sandboxes",
]
ANGLES = [
    "What does the reading list say about {t}?",
    "How would a CERN for AI handle {t}?",
    "Who pays for {t} in these proposals?",
    "Which proposal puts {t} first?",
    "What are the risks of {t}?",
    "How does {t} relate to the five open questions?",
    "What did the post write about {t}?",
    "Is {t} a public good?",
]


def bench_env(folder: Path) -> dict[str, str]:
    """The app's settings for the run, as the environment of its process."""
    return {
        "DEBATEBOT_MODERATOR_PASSWORD": SECRET,
        "DEBATEBOT_DEBATE__SUBMIT_PER_MINUTE": "1000",
        "DEBATEBOT_DEBATE__QUEUE_DB": str(folder / "audience.sqlite3"),
        "DEBATEBOT_DEBATE__CONSOLE_DB": str(folder / "moderator.sqlite3"),
    }


def p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(attendees: int, questions: int, seed: int = 7) -> dict:
    import httpx
    from gradio_client import Client

    from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

    folder = Path(tempfile.mkdtemp(prefix="bench-audience-"))
    os.environ.update(bench_env(folder))
    settings = get_settings()
    port = free_port()
    server = start_server(settings, port, log_file=folder / "server.log")
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url, timeout=240, proc=server)
    warm = Client(url, verbose=False, analytics_enabled=False)
    warm.predict("Warm-up: how is CERN governed?", "", api_name="/audience_submit")

    lock = threading.Lock()
    acks: list[tuple[str, int]] = []
    ids: list[int] = []
    votes: Counter[int] = Counter()  # counted upvotes per question, as acknowledged
    submit_ms: list[float] = []
    vote_ms: list[float] = []
    poll_ms: list[float] = []
    page_ms: list[float] = []
    phones: dict[int, Any] = {}
    errors: list[str] = []
    done = threading.Event()

    def connect() -> Client:
        return Client(
            url,
            verbose=False,
            analytics_enabled=False,
            download_files=False,
            httpx_kwargs={"timeout": 120},
        )

    class Phone:
        """An attendee's browser: it opens the page (which gives it its attendee cookie), then
        sends a plain POST per action, as Gradio's JS client does for these unqueued events."""

        def __init__(self, n: int) -> None:
            self.http = httpx.Client(base_url=url, timeout=120)
            self.http.get("/").raise_for_status()  # the page load: the server names this phone
            self.session = f"bench-{n}-{random.Random(n).getrandbits(64):x}"

        def predict(self, *data: object, api_name: str) -> dict:
            r = self.http.post(
                f"gradio_api/run{api_name}", json={"data": list(data), "session_hash": self.session}
            )
            r.raise_for_status()
            return r.json()["data"][0]

    def open_page(n: int) -> None:
        t0 = time.perf_counter()
        phone = Phone(n)
        with lock:
            page_ms.append((time.perf_counter() - t0) * 1000)
            phones[n] = phone

    def attendee(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        me = phones[n]
        for i in range(questions):
            if rng.random() < 0.2:
                text = rng.choice(rng.choice(POPULAR))
            else:
                text = ANGLES[(n + i) % len(ANGLES)].format(t=TOPICS[(n * 7 + i) % len(TOPICS)])
            try:
                t0 = time.perf_counter()
                sent = me.predict(text, f"attendee {n}", api_name="/audience_submit")
                elapsed = (time.perf_counter() - t0) * 1000
                if not sent["ok"]:
                    raise RuntimeError(sent["message"])
                with lock:
                    submit_ms.append(elapsed)
                    acks.append((text, sent["question_id"]))
                    ids.append(sent["question_id"])
                    pick = rng.choice(ids) if rng.random() < 0.6 else None
                if pick is not None:
                    t0 = time.perf_counter()
                    voted = me.predict(pick, api_name="/audience_upvote")
                    with lock:
                        vote_ms.append((time.perf_counter() - t0) * 1000)
                        if voted["ok"]:
                            votes[pick] += 1
            except Exception as exc:
                with lock:
                    errors.append(f"attendee {n}: {exc}")

    def moderator() -> None:
        mod = connect()
        while not done.is_set():
            t0 = time.perf_counter()
            try:
                mod.predict(SECRET, False, api_name="/moderator_queue")
                poll_ms.append((time.perf_counter() - t0) * 1000)
            except Exception as exc:
                errors.append(f"moderator: {exc}")
            time.sleep(0.5)

    # Everyone opens the page at once first (it names each phone), then the burst begins: an
    # attendee has the page open before sending, and the page load is measured on its own.
    openers = [threading.Thread(target=open_page, args=(n,)) for n in range(attendees)]
    for t in openers:
        t.start()
    for t in openers:
        t.join()
    load, cpu = load_average(), cpu_seconds(server.pid)
    started = time.perf_counter()
    poller = threading.Thread(target=moderator)
    poller.start()
    crowd = [threading.Thread(target=attendee, args=(n,)) for n in range(attendees)]
    for t in crowd:
        t.start()
    for t in crowd:
        t.join()
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(server.pid) - cpu
    done.set()
    poller.join()
    stop_server(server)
    return verify(folder / "audience.sqlite3", acks, votes, errors) | {
        "attendees": attendees,
        "questions_each": questions,
        "acknowledged": len(acks),
        "wall_s": wall,
        "submit_ms": submit_ms,
        "vote_ms": vote_ms,
        "poll_ms": poll_ms,
        "page_ms": page_ms,
        "errors": errors,
        "server_cpu_s": server_cpu,
        "load": load,
    }


def verify(db: Path, acks: list, votes: Counter, errors: list[str]) -> dict:
    """Compare the store with the acknowledgements: exactly once, counts exact."""
    with sqlite3.connect(db) as conn:
        stored = Counter(
            conn.execute(
                "SELECT text, question_id FROM submissions WHERE text NOT LIKE 'Warm-up:%'"
            ).fetchall()
        )
        questions, merged, total_votes = conn.execute(
            "SELECT COUNT(*), SUM(merged), SUM(votes) FROM questions"
        ).fetchone()
        bad_merge = conn.execute(
            "SELECT COUNT(*) FROM questions q WHERE merged + 1 != "
            "(SELECT COUNT(*) FROM submissions s WHERE s.question_id = q.id)"
        ).fetchone()[0]
        vote_rows = Counter(r[0] for r in conn.execute("SELECT question_id FROM votes"))
        twice = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM votes GROUP BY question_id, session_id "
            "HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        subs = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    if stored != Counter(acks):
        errors.append("stored submissions differ from the acknowledged ones")
    if bad_merge:
        errors.append(f"{bad_merge} questions with a merged count that does not match")
    if vote_rows != votes or total_votes != sum(votes.values()) or twice:
        errors.append("stored votes differ from the acknowledged ones")
    if subs - questions != merged:
        errors.append("submissions != questions + merged")
    return {
        "questions": questions,
        "merged": merged,
        "votes": total_votes,
        "stored": sum(stored.values()),
    }


def table(r: dict) -> str:
    sub, vote, poll = r["submit_ms"], r["vote_ms"], r["poll_ms"]
    rows = [
        ("attendees × questions each", f"{r['attendees']} × {r['questions_each']}"),
        ("submissions acknowledged / stored", f"{r['acknowledged']} / {r['stored']}"),
        ("questions after merging", f"{r['questions']} ({r['merged']} merged)"),
        ("upvotes counted", str(r["votes"])),
        ("moderator polls", str(len(poll))),
        (
            "submit latency p50 / p95 / max (ms)",
            f"{p(sub, 50):.0f} / {p(sub, 95):.0f} / {max(sub):.0f}",
        ),
        ("upvote latency p95 (ms)", f"{p(vote, 95):.0f}" if vote else "–"),
        ("moderator poll latency p95 (ms)", f"{p(poll, 95):.0f}" if poll else "–"),
        (
            "page load, all attendees at once, before the burst: p50 / p95 (ms)",
            f"{p(r['page_ms'], 50):.0f} / {p(r['page_ms'], 95):.0f}",
        ),
        ("wall time (s)", f"{r['wall_s']:.1f}"),
        (
            "server CPU per submission or vote (ms)",
            f"{r['server_cpu_s'] * 1000 / max(len(sub) + len(vote), 1):.0f}",
        ),
        ("load average at start (other work on the machine)", r["load"]),
        ("errors", str(len(r["errors"]))),
    ]
    out = ["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)


def main(attendees: int = 50, questions: int = 10) -> str:
    result = run(attendees, questions)
    out = table(result)
    print(out)
    for e in result["errors"][:10]:
        print(f"- error: {e}")
    assert not result["errors"], f"{len(result['errors'])} errors"
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=50)
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    main(args.attendees, args.questions)
