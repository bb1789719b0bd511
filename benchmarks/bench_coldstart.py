"""Cold start: `debatebot serve` until its page answers, and `debatebot ask` at 100k chunks.

Each run is a new process. `ask` is timed from launch to exit with the peak resident memory of
that process (from wait4), first with the saved chunk table, BM25 and vectors that ingest
writes, then with them deleted, as on a fresh machine whose index lives on a Chroma server
(the process rebuilds them from the store and saves them for the next one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import table
from bot.settings import Settings
from bot.ui.launch import free_port, start_server, stop_server, wait_until_up

QUESTION = "How is the governance board of the compute cluster chosen?"


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


# The child reports its own peak: wait4's ru_maxrss would count the pages of this (large) parent
# that the child held between fork and exec.
_CHILD = """
import atexit, sys

def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write(f"PEAK_KB {line.split()[1]}\\n")

atexit.register(_peak)
sys.argv = ["debatebot", *sys.argv[1:]]
from bot.cli import main
main()
"""


def cold_ask(settings: Settings, question: str = QUESTION) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak MB of one `debatebot ask --json` in a new process.

    CPU seconds say what the process costs when the machine is shared; wall seconds also say
    how busy the machine was.
    """
    env = {
        **os.environ,
        "DEBATEBOT_DATA_DIR": str(settings.data_dir),
        "DEBATEBOT_PACK": str(settings.pack),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, "ask", question, "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    err = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t
    peaks = [line.split()[1] for line in err.splitlines() if line.startswith("PEAK_KB ")]
    if proc.returncode != 0 or not peaks:
        raise RuntimeError(f"debatebot ask failed: {err[-500:]}")
    return {
        "wall s": round(seconds, 1),
        "cpu s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak MB": round(int(peaks[-1]) / 1024),
    }


def bench_ask(n: int, runs: int) -> list[dict]:
    from benchmarks.bench_search import synthetic
    from bot.retrieve.tables import tables_root

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        synthetic(settings, n)
        for i in range(runs):
            rows.append({"run": f"saved tables, run {i + 1}", **cold_ask(settings)})
        shutil.rmtree(tables_root(settings))
        rows.append({"run": "tables rebuilt from Chroma", **cold_ask(settings)})
    return rows


def main(runs: int = 3, n: int = 100_000) -> str:
    from bot import pack
    from bot.index.build import ingest

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        ingest(settings, pack.sources(settings))
        times = [cold_start(settings) for _ in range(runs)]
    rows = [{"run": i + 1, "seconds to ready page": round(s, 1)} for i, s in enumerate(times)]
    out = table("Cold start of `debatebot serve` (index built)", rows)
    out += "\n" + table(
        f"Cold `debatebot ask` on a synthetic {n:,}-chunk index", bench_ask(n, runs)
    )
    print(out)
    return out


if __name__ == "__main__":
    main(n=int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
