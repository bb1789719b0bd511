"""Shared helpers for the benchmarks: timing, percentiles, a Markdown table."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@contextmanager
def default_pack_bot() -> Iterator[Any]:
    """A warm Bot over a fresh index of the default pack, in a temporary `<tmp>/data` folder
    (the folder's parent is free for a benchmark's own files)."""
    from bot import pack
    from bot.index.build import ingest
    from bot.service import Bot
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        ingest(settings, pack.sources(settings))
        bot = Bot(settings)
        bot.warm()
        yield bot


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` calls."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies_ms),
        "p50_ms": round(statistics.median(latencies_ms), 1),
        "p95_ms": round(percentile(latencies_ms, 95), 1),
        "max_ms": round(max(latencies_ms), 1),
    }


def table(title: str, rows: list[dict]) -> str:
    """A Markdown table of dict rows (same keys)."""
    if not rows:
        return f"### {title}\n\n(no rows)\n"
    keys = list(rows[0])
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "|".join("---" for _ in keys) + "|",
    ]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: a cost that contention on a shared
    machine does not inflate the way it inflates wall-clock latency."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The machine's 1-minute load average (other work competing for the same cores)."""
    return f"{os.getloadavg()[0]:.1f}"
