"""Answer quality and per-question latency of the offline engine, on the development set and on
the sets written blind after calibration (how far the calibration carries)."""

from __future__ import annotations

from benchmarks.common import default_pack_bot, table


def main() -> str:
    from bot.evaluate import DEFAULT_SET, FLOORS, HELD_OUT_SETS, evaluate

    with default_pack_bot() as bot:
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
