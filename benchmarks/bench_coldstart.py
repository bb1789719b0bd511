"""Cold start: `debatebot serve` launched as a new process until its page answers."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import table
from bot.settings import Settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up


def cold_start(settings: Settings) -> float:
    """Seconds from process start to an HTTP 200 on the page."""
    port = free_port()
    t = time.perf_counter()
    proc = start_server(settings, port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", timeout=120, proc=proc)
        return time.perf_counter() - t
    finally:
        stop_server(proc)


def main(runs: int = 3) -> str:
    from bot import pack
    from bot.index.build import ingest

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        ingest(settings, pack.sources(settings))
        times = [cold_start(settings) for _ in range(runs)]
    rows = [{"run": i + 1, "seconds to ready page": round(s, 1)} for i, s in enumerate(times)]
    out = table("Cold start of `debatebot serve` (index built)", rows)
    print(out)
    return out


if __name__ == "__main__":
    main()
