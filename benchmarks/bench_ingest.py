"""Ingest of the default pack from its snapshots: a cold build, then a re-ingest of nothing.

As `debatebot ingest` runs it: under the ingest lock, every snapshot's sha256 checked, and the
chunk table, BM25 and vectors saved for the new index before it goes live.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import table


def main() -> str:
    from bot import pack
    from bot.index.build import ingest
    from bot.index.embeddings import get_embedder
    from bot.retrieve.tables import prepare_tables
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        sources = pack.sources(settings)
        t = time.perf_counter()
        get_embedder(settings).encode(["load the model"])
        model_s = time.perf_counter() - t
        first = ingest(settings, sources, prepare=prepare_tables)
        again = ingest(settings, sources, prepare=prepare_tables)
        rows = [
            {
                "run": "build (model already loaded)",
                "sources indexed": first.count("indexed"),
                "chunks": first.chunks_written,
                "wall s": round(first.seconds, 2),
                "chunks/s": round(first.chunks_written / first.seconds, 1),
            },
            {
                "run": "re-ingest, nothing changed",
                "sources indexed": again.count("indexed"),
                "chunks": 0,
                "wall s": round(again.seconds, 3),
                "chunks/s": "",
            },
        ]
    out = table("Ingest of the default pack", rows)
    out += f"\nModel load (once per process): {model_s:.1f} s\n"
    print(out)
    return out


if __name__ == "__main__":
    main()
