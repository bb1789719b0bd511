"""Answer quality and per-question latency of the offline engine on the development set."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import table


def main() -> str:
    from bot import pack
    from bot.evaluate import DEFAULT_SET, FLOORS, evaluate
    from bot.index.build import ingest
    from bot.service import Bot
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        ingest(settings, pack.sources(settings))
        report = evaluate(Bot(settings), DEFAULT_SET)
    rows = [
        {"metric": k, "value": round(v, 3), "CI floor": FLOORS.get(k, "")}
        for k, v in report.metrics.items()
    ]
    out = table(f"`debatebot eval`, offline engine, {report.n} questions", rows)
    print(out)
    return out


if __name__ == "__main__":
    main()
