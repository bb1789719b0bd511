"""`python -m benchmarks [--write] [names...]`: run the benchmarks and print their figures.

With --write the output replaces the "latest run" section at the end of docs/BENCHMARKS.md;
the measured-and-explained sections above it are kept (they are edited by hand after a run).
"""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import benchmarks.common  # noqa: F401  (sets the offline environment first)

ALL = [
    "bench_ingest",
    "bench_search",
    "bench_eval",
    "bench_answer",
    "bench_coldstart",
    "bench_app",
    "bench_audience",
    "bench_brief",
]
DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
MARK = "<!-- latest run -->"


def main(argv: list[str]) -> None:
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")] or ALL
    parts = []
    for name in names:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError:
            print(f"(no benchmark {name})")
            continue
        print(f"== {name}", flush=True)
        parts.append(module.main())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"{MARK}\n\n## Latest automatic run\n\n{stamp}, {platform.machine()}, Python "
        f"{platform.python_version()}, 2 cores, CPU only.\n\n" + "\n".join(parts)
    )
    if write and DOC.exists():
        head = DOC.read_text(encoding="utf-8").split(MARK)[0].rstrip("\n")
        DOC.write_text(head + "\n\n" + body, encoding="utf-8")
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main(sys.argv[1:])
