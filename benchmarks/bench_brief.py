"""`debatebot brief` wall time per format on the default pack, cold (a fresh process, as an
organiser runs it) and warm (in a process that already holds the model, as the app does).

Run: `python -m benchmarks.bench_brief`. The index is built in a temporary folder first, so
the developer's own index is neither needed nor touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import default_pack_bot, table

FORMATS = ("md", "html", "pdf")
COLD_RUNS = 2
WARM_RUNS = 3


def _cold(fmt: str, data_dir: Path, out: Path) -> float:
    """Seconds for `python -m bot brief --format fmt -o out` in a new process."""
    env = {**os.environ, "DEBATEBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "brief", "--format", fmt, "-o", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> str:
    from bot.brief.pack import build_brief
    from bot.brief.render import FORMATS as RENDER

    rows = []
    with default_pack_bot() as bot:
        data = bot.settings.data_dir
        for fmt in FORMATS:
            out = data.parent / f"briefing.{fmt}"
            cold = [_cold(fmt, data, out) for _ in range(COLD_RUNS)]
            warm, build = [], []
            for _ in range(WARM_RUNS):
                started = time.perf_counter()
                brief = build_brief(bot)
                built = time.perf_counter()
                RENDER[fmt](brief)
                warm.append(time.perf_counter() - started)
                build.append(built - started)
            rows.append(
                {
                    "format": fmt,
                    "cold CLI s (median)": round(statistics.median(cold), 2),
                    "warm s (median)": round(statistics.median(warm), 2),
                    "of which build s": round(statistics.median(build), 2),
                    "size KB": round(out.stat().st_size / 1024, 1),
                    "citations": len(brief.citations),
                }
            )
    out = table(f"debatebot brief, default pack ({os.cpu_count()} CPUs)", rows)
    print(out)
    return out


if __name__ == "__main__":
    main()
