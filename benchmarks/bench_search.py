"""`search` latency on a warm process: the default pack, then a synthetic 100,000-chunk index.

The synthetic chunks are generated sentences over a fixed vocabulary; their vectors are the
normalised mean of word vectors embedded once by the real model, so building the index takes
seconds rather than the hours that embedding 100k texts would take on two cores.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import default_pack_bot, summary, table, timed

N_QUERIES = 200
SYNTHETIC_CHUNKS = 100_000


def _questions() -> list[str]:
    from bot.evaluate import DEFAULT_SET, load_set

    qs = [i.question for i in load_set(DEFAULT_SET)]
    return [qs[i % len(qs)] for i in range(N_QUERIES)]


def bench_default() -> dict:
    with default_pack_bot() as bot:
        qs = iter(_questions())
        lat = timed(lambda: bot.search(next(qs), k=6), N_QUERIES)
        return {"index": f"default pack ({bot.store.count()} chunks)", **summary(lat)}


def synthetic(settings, n: int = SYNTHETIC_CHUNKS) -> None:
    """Fill a new generation with n generated chunks (one sentence each), then make it live.

    Saved tables are written as `debatebot ingest` writes them (bot.retrieve.tables).
    """
    from bot.index.build import go_live, open_store
    from bot.index.generations import new_generation_id
    from bot.index.store import chunk_to_metadata
    from bot.models import Chunk
    from bot.retrieve.tables import prepare_tables

    rng = random.Random(7)
    words = sorted(
        {w.strip('.,:;()“”’"').lower() for q in _questions() for w in q.split() if len(w) > 3}
        | {f"topic{i}" for i in range(1500)}
    )
    store = open_store(settings, new_generation_id())
    vecs = store.embedder.encode(words)
    batch = 5000
    for start in range(0, n, batch):
        ids, docs, metas, embs = [], [], [], []
        for i in range(start, min(n, start + batch)):
            idx = [rng.randrange(len(words)) for _ in range(rng.randint(12, 40))]
            text = " ".join(words[j] for j in idx).capitalize() + "."
            v = vecs[idx].mean(axis=0)
            v /= np.linalg.norm(v) or 1.0
            chunk = Chunk(
                id=f"syn:{i}",
                source_id=f"syn{i % 50}",
                text=text,
                start=0,
                end=len(text),
                url=f"https://example.org/{i % 50}",
                sentences=[(0, len(text))],
                sentence_urls=[f"https://example.org/{i % 50}"],
            )
            ids.append(chunk.id)
            docs.append(text)
            metas.append(chunk_to_metadata(chunk))
            embs.append(v)
        store.chunks._collection.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=embs)
        store.sentences._collection.upsert(
            ids=[f"{i}#s0" for i in ids],
            documents=docs,
            embeddings=embs,
            metadatas=[
                {
                    "source_id": m["source_id"],
                    "chunk_id": i,
                    "block_kind": "paragraph",
                    "start": 0,
                    "end": len(d),
                }
                for i, m, d in zip(ids, metas, docs, strict=True)
            ],
        )
    go_live(store, prepare=prepare_tables)


def bench_synthetic(n: int = SYNTHETIC_CHUNKS) -> dict:
    from bot.service import Bot
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        t = time.perf_counter()
        synthetic(settings, n)
        build_s = time.perf_counter() - t
        bot = Bot(settings)
        t = time.perf_counter()
        bot.warm()
        warm_s = time.perf_counter() - t
        qs = iter(_questions())
        lat = timed(lambda: bot.search(next(qs), k=6), N_QUERIES)
        return {
            "index": f"synthetic ({bot.store.count():,} chunks; built {build_s:.0f} s, "
            f"tables loaded and warmed {warm_s:.0f} s)",
            **summary(lat),
        }


def main(n: int = SYNTHETIC_CHUNKS) -> str:
    rows = [bench_default(), bench_synthetic(n)]
    out = table(f"search latency, warm process, {N_QUERIES} queries, embedded Chroma", rows)
    print(out)
    print(json.dumps(rows))
    return out


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]) if len(sys.argv) > 1 else SYNTHETIC_CHUNKS)
