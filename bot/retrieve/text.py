"""Word-level text handling shared by lexical retrieval and sentence scoring."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[’'][a-z]+)?")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "tell",
        "please",
        "say",
        "says",
        "said",
        "does",
        "did",
        "think",
        "know",
        "much",
        "many",
        "something",
        "anything",
        "whats",
        "whos",
    ]
)

# Longest first, so "ational" is tried before "al".
_SUFFIXES = (
    "izations",
    "ization",
    "ational",
    "atives",
    "fulness",
    "iveness",
    "ations",
    "ative",
    "nesses",
    "ments",
    "ation",
    "ities",
    "ingly",
    "ement",
    "ness",
    "ment",
    "ings",
    "ists",
    "ies",
    "ing",
    "ity",
    "ist",
    "ed",
    "es",
    "ly",
    "s",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to meet 'funded' and 'funding' at 'fund'."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if suf == "ies":
                base += "y"
            elif suf == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base = word[:-1]  # "states" -> "state", but "taxes" -> "tax"
            return base
    return word


_POSSESSIVE = re.compile(r"'s$")
# Texts whose folding and words are kept: scoring reads the same corpus sentences, titles and
# headings for every question. The default pack's 1,898 labelled questions fill about 4,300;
# the bound keeps a large index's cache to tens of megabytes.
TEXT_CACHE = 16384


@lru_cache(maxsize=TEXT_CACHE)
def fold(text: str) -> str:
    """Lowercase, accents off, typographic apostrophes made plain."""
    if text.isascii():  # nothing to take off
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'")


@lru_cache(maxsize=TEXT_CACHE)
def _tokens(text: str) -> tuple[str, ...]:
    out = []
    for m in _WORD.finditer(fold(text)):
        w = _POSSESSIVE.sub("", m.group(0)).replace("'", "")
        if w and w not in STOPWORDS:
            out.append(stem(w))
    return tuple(out)


def tokenize(text: str) -> list[str]:
    """Content words, stemmed; possessives dropped ("CERN's" -> "cern")."""
    return list(_tokens(text))


@dataclass(frozen=True)
class Rarity:
    """Each word's inverse document frequency over the indexed chunks.

    A word the corpus never uses counts as the rarest one. `rarest` is worked out once per
    index, not on every lookup: the scorer looks words up for every candidate sentence.
    """

    weights: dict[str, float]
    rarest: float = 1.0

    @classmethod
    def of(cls, weights: dict[str, float]) -> Rarity:
        return cls(weights, max(weights.values(), default=1.0))

    def __call__(self, token: str) -> float:
        return self.weights.get(token, self.rarest)


def overlap(query_tokens: list[str], text_tokens: list[str], rarity: Rarity | None = None) -> float:
    """Share of the query's distinct content words that the text contains.

    With `rarity`, each word counts by its rarity in the corpus, so "CERN", which every
    passage of this reading list mentions, weighs little against "budget".
    """
    q = set(query_tokens)
    if not q:
        return 0.0
    found = q & set(text_tokens)
    if rarity is None:
        return len(found) / len(q)
    total = sum(rarity(t) for t in q)
    return sum(rarity(t) for t in found) / total if total else 0.0
