"""Answer quality and per-question latency of the offline engine, on the development set and on
the sets written blind after calibration (how far the calibration carries)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import table


def main() -> str:
    from bot import pack
    from bot.evaluate import DEFAULT_SET, FLOORS, HELD_OUT_SETS, evaluate
    from bot.index.build import ingest
    from bot.service import Bot
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        ingest(settings, pack.sources(settings))
        bot = Bot(settings)
        reports = {p.stem: evaluate(bot, p) for p in (DEFAULT_SET, *HELD_OUT_SETS)}
    dev = reports[DEFAULT_SET.stem]
    rows = [
        {
            "metric": k,
            **{f"{name} ({r.n})": round(r.metrics[k], 3) for name, r in reports.items()},
            "CI floor (dev)": FLOORS.get(k, ""),
        }
        for k in dev.metrics
    ]
    out = table("`debatebot eval`, offline engine, per evaluation set", rows)
    print(out)
    return out


if __name__ == "__main__":
    main()
