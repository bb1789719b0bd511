"""Sentence spans: the unit the bot quotes, so every citation is a whole, verbatim sentence."""

from __future__ import annotations

import itertools
import threading
from functools import lru_cache

import pysbd

# pysbd keeps the text being segmented on the Segmenter instance, so a shared one is not
# safe across threads; the lock keeps the cached instance usable from answer workers.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    """Built once: constructing the rule set is the slow part of pysbd."""
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) spans into `text`, trimmed of whitespace, covering all its words.

    Only pysbd's start offsets are trusted: each sentence runs to the next start, so text that
    pysbd fails to locate (it searches for its own output) is folded into the previous
    sentence instead of vanishing.
    """
    if not text.strip():
        return []
    with _LOCK:
        found = _segmenter().segment(text)
    starts = sorted({0} | {s.start for s in found if 0 < s.start < len(text)})
    bounds = [*starts, len(text)]
    spans: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(bounds):
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            spans.append((a + lead, b - trail))
    return spans
