"""Warm answer latency of the offline engine, and how many model runs one question costs.

Every question of the development and blind sets (never the sealed set) is asked once on a
warm process, after one untimed pass so caches hold what a running app holds. The model's
`encode` is wrapped to count its calls per question; the target is one.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.common import default_pack_bot, percentile, table

PASSES = 2  # timed passes over all questions, after the warm-up pass


def main() -> str:
    from bot.evaluate import DEFAULT_SET, HELD_OUT_SETS, load_set

    questions = [i.question for p in (DEFAULT_SET, *HELD_OUT_SETS) for i in load_set(p)]
    with default_pack_bot() as bot:
        embedder = bot.store.embedder
        encode = embedder.encode
        calls: list[int] = [0]

        def counted(texts, *a, **kw):
            calls[0] += 1
            return encode(texts, *a, **kw)

        embedder.encode = counted  # type: ignore[method-assign]
        for q in questions:  # warm-up pass: caches as a running app has them
            bot.ask(q)
        latencies: list[float] = []
        runs: list[int] = []
        model_ms: list[float] = []
        for _ in range(PASSES):
            for q in questions:
                calls[0] = 0
                t = time.perf_counter()
                bot.ask(q)
                latencies.append((time.perf_counter() - t) * 1000)
                runs.append(calls[0])
        for q in questions:  # the model alone, for where the time goes
            t = time.perf_counter()
            encode([q])
            model_ms.append((time.perf_counter() - t) * 1000)
    row = {
        "questions": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
        "model alone p50_ms": round(statistics.median(model_ms), 1),
        "model runs per question (mean / max)": f"{statistics.mean(runs):.2f} / {max(runs)}",
    }
    out = table("Warm answer latency, offline engine (dev and blind sets)", [row])
    print(out)
    return out


if __name__ == "__main__":
    main()
