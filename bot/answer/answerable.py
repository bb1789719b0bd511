"""Does the answer address what the question turns on?

A relevance score alone cannot tell "When and where is the debate?" from "What's the weather in
Geneva on the day of the debate?": the same sentences score high for both, because they share
every word but one. The one word is the question's point, and the answer never touches it.

So before the offline engine answers, each content word of the question that the chosen
sentences do not contain is tested with the sentence model, by leaving it out:

- it matters to the question: dropping it moves the question's vector (importance);
- the answer ignores it: the answer fits the question better without it (gain);
- nothing in the answer is about it: the word's own vector is far from every quoted sentence.

A word that passes all three is one the reading list's answer does not speak to, and the engine
abstains, naming it (the most important one, if several pass). The thresholds were calibrated
on tests/eval/dev.jsonl and checked on the blind tests/eval/heldout.jsonl (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re

import numpy as np

from bot.index.embeddings import Encode
from bot.retrieve.text import tokenize

MIN_IMPORTANCE = 0.08  # 1 - cos(question, question without the word)
MIN_GAIN = 0.05  # best cos(answer, question without it) - best cos(answer, question)
MAX_RELATEDNESS = 0.06  # best cos(word, answer sentence)

_WORD = re.compile(r"[\w’'-]+")


def ignored_word(
    question: str,
    answer: list[str],
    answer_vectors: np.ndarray,
    encode: Encode,
    question_vector: np.ndarray | None = None,
    names: frozenset[str] = frozenset(),
) -> str | None:
    """The word the question turns on and the answer sentences ignore, if there is one.

    `answer_vectors` are the shown sentences' stored vectors (one row each). `names` are left
    to the engine's own name check, which also looks in titles and headings. Single words are
    embedded first, and the question without a word only for the few words found unrelated to
    the answer: each model call costs about 20 ms.
    """
    covered = {t for text in answer for t in tokenize(text)}
    words: list[str] = []
    rests: list[str] = []
    for m in _WORD.finditer(question):
        word = m.group(0)
        tokens = tokenize(word)
        if not tokens or word in names or set(tokens) <= covered or word in words:
            continue
        words.append(word)
        rests.append(" ".join((question[: m.start()] + question[m.end() :]).split()))
    if not words or not len(answer_vectors):
        return None
    relatedness = (encode(words) @ answer_vectors.T).max(axis=1)
    unrelated = [i for i in range(len(words)) if relatedness[i] < MAX_RELATEDNESS]
    if not unrelated:
        return None
    texts = [rests[i] for i in unrelated]
    vectors = encode(texts if question_vector is not None else [*texts, question])
    q = question_vector if question_vector is not None else vectors[-1]
    without = vectors[: len(unrelated)]
    importance = 1.0 - without @ q
    gain = (without @ answer_vectors.T).max(axis=1) - float((answer_vectors @ q).max())
    hits = [
        (imp, words[i])
        for imp, g, i in zip(importance, gain, unrelated, strict=True)
        if imp >= MIN_IMPORTANCE and g >= MIN_GAIN
    ]
    return max(hits)[1] if hits else None
