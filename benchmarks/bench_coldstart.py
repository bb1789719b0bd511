"""Cold start: `debatebot serve` launched as a new process until its page answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import table


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_start(data_dir: Path) -> float:
    """Seconds from process start to an HTTP 200 on the page."""
    port = _free_port()
    env = {**os.environ, "DEBATEBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - t < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the app did not answer within 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(runs: int = 3) -> str:
    from bot import pack
    from bot.index.build import ingest
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        ingest(settings, pack.sources(settings))
        times = [cold_start(Path(tmp)) for _ in range(runs)]
    rows = [{"run": i + 1, "seconds to ready page": round(s, 1)} for i, s in enumerate(times)]
    out = table("Cold start of `debatebot serve` (index built)", rows)
    print(out)
    return out


if __name__ == "__main__":
    main()
