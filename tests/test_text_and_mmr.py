"""Text folding and the MMR pick on their own, no index: the cached and incremental versions
must give what the plain definitions give."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from bot.models import Chunk
from bot.retrieve.hybrid import Retriever
from bot.retrieve.tables import ChunkTable
from bot.retrieve.text import fold, tokenize
from bot.settings import RetrievalSettings


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("CERN's Budget", "cern's budget"),
        ("Genève’s CERN", "geneve's cern"),
        ("Ｆｕｌｌ ＷＩＤＴＨ café", "full width cafe"),
    ],
)
def test_fold_lowercases_and_takes_accents_and_curly_apostrophes_off(text, folded) -> None:
    assert fold(text) == folded
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).replace("’", "'")
    assert fold(text) == plain  # the ASCII shortcut and the cache change nothing


def test_tokenize_hands_out_a_fresh_list_each_time() -> None:
    first = tokenize("CERN's member states fund it")
    assert first == ["cern", "member", "state", "fund"]
    first.append("changed")
    assert tokenize("CERN's member states fund it") == ["cern", "member", "state", "fund"]


def _plain_mmr(ids, vecs, source, fused, k, lam, cap):
    """MMR as defined: each step takes the best of relevance minus redundancy with all chosen."""
    chosen, pool, per = [], list(ids), {}
    while pool and len(chosen) < k:
        several = len({source[p] for p in pool}) > 1
        best, best_score = None, -1e9
        for cid in pool:
            if several and per.get(source[cid], 0) >= cap:
                continue
            red = max((float(vecs[cid] @ vecs[s]) for s in chosen), default=0.0)
            score = lam * fused[cid] - (1 - lam) * red
            if score > best_score:
                best, best_score = cid, score
        if best is None:
            break
        chosen.append(best)
        pool.remove(best)
        per[source[best]] = per.get(source[best], 0) + 1
    return chosen


@pytest.mark.parametrize("lam", [0.5, 0.95])
@pytest.mark.parametrize("seed", range(10))
def test_mmr_picks_what_the_plain_definition_picks(seed: int, lam: float) -> None:
    rng = np.random.default_rng(seed)
    n, k = 30, 10
    raw = rng.normal(size=(n, 8)).astype(np.float32)
    raw[n // 2 :] = raw[: n // 2] + 0.1 * raw[n // 2 :]  # near duplicates, to be passed over
    vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    chunks = [
        Chunk(id=f"c{i}", source_id=f"s{i % 3}", text="x", start=i, end=i + 1, url="u")
        for i in range(n)
    ]
    table = ChunkTable.of(None, chunks, vectors=vectors)
    ids = [c.id for c in chunks]
    fused = {cid: float(v) for cid, v in zip(ids, rng.random(n), strict=True)}
    settings = RetrievalSettings(mmr_lambda=lam)
    retriever = Retriever(store=None, settings=settings, registry=[])  # type: ignore[arg-type]
    got = retriever._mmr(table, ids, vectors[0], fused, k)
    vecs = table.vectors_of(ids)
    source = {c.id: c.source_id for c in chunks}
    assert got == _plain_mmr(ids, vecs, source, fused, k, lam, settings.max_per_source)
    assert len(got) == k
