"""The named features of one candidate sentence for one question: what the fitted scoring model
weighs (bot/answer/weights.json). Each says one thing about the pair; none names a debate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.answer.names import coverage
from bot.answer.query import ABOUT_THE_DOCUMENT, Query
from bot.corpus import section_path
from bot.lexicon import Lexicon
from bot.models import Quote
from bot.retrieve.text import Rarity, overlap, tokenize

# A sentence that leans on the one before it ("This restriction ...", "It ...").
DANGLING = re.compile(
    r"^(it|its|this|these|that|those|they|their|such|he|she|his|her|instead|however|so|"
    r"as such|indeed|by contrast|even|yet)\b"
    r"|^[–—-]\s*[A-Z]",  # "– Ursula von der Leyen, 2025" names who said the sentence before
    re.IGNORECASE,
)
# "– Ursula von der Leyen, 2025": names who said the sentence before; quoted only after it.
ATTRIBUTION = re.compile(r"^[–—-]\s*[A-Z]")
# A sentence that begins in lower case continues another (a list item after its lead-in, a
# clause the source broke off): it says nothing whole on its own. An enumerator ("a) What ...")
# numbers an item; it does not continue a sentence.
FRAGMENT = re.compile(r"^[\"'“‘(\[]?[a-z](?![).]\s)")


def leads_in(text: str) -> bool:
    """A sentence that introduces what follows it ("... as follows:"): alone it says nothing."""
    return text.rstrip().endswith(":")


# The order of the model's inputs; weights.json names them, and a mismatch is refused on load.
FEATURES: tuple[str, ...] = (
    "cos",
    "cos_gap",
    "cos_adapted",
    "lex",
    "lex_gap",
    "lex_context",
    "section_cos",
    "section_gap",
    "names_missing_around",
    "names_missing_here",
    "figure_missing",
    "person_fit",
    "reason_fit",
    "question_fit",
    "part_fit",
    "list_item",
    "block_quote",
    "lead_in",
    "dangling",
    "first_sentence",
    "passage_rank",
    "passage_score",
    "length",
    "about_the_document",
    "document_asked",
    "follows_turns",
    "rarest_missing",
    "defines_name",
    "neighbour_evidence",
)


def _definition(query: Query) -> re.Pattern[str] | None:
    """For "what is X?", the shapes of a sentence that says what X is: "X is ...", "X, the
    ...", "X (...) is ..."."""
    if not query.wants.definition or not query.names:
        return None
    names = "|".join(re.escape(n) for group in query.names for n in group)
    return re.compile(
        rf"^(?:the\s+)?(?:{names})\b[^.]{{0,40}}?\s(?:is|are|was|were|means|describes)\s"
        rf"|\b(?:{names}),\s+(?:the|an?)\s",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with what scoring needs to know of it."""

    quote: Quote
    vector: np.ndarray
    rank: int  # its passage's rank in retrieval
    passage_score: float
    title: str  # its source's title


def features(
    query: Query,
    candidates: list[Candidate],
    heading_vectors: dict[tuple[str, ...], np.ndarray],
    idf: Rarity,
    lexicon: Lexicon,
    adapted: np.ndarray | None = None,
    known: np.ndarray | None = None,
) -> np.ndarray:
    """One row of FEATURES per candidate (an empty matrix for none). `adapted` is the question's
    vector moved by the pack's query adapter (bot/answer/adapter.py); without one, its own.
    `known` is, per candidate, how much it answered the pack's labelled questions nearest this
    one (`QueryAdapter.neighbour_evidence`); without, NaN, which the model reads as its mean."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    q = query.vector
    moved = q if adapted is None else adapted
    tokens = list(query.tokens)
    context_tokens = tokenize(query.context) if query.context else []
    # Word overlap with a two-word question is all or nothing: it counts in full only from
    # five distinct question words, a quarter more for each word beyond the first.
    sure = min(1.0, max(0, len(set(tokens)) - 1) / 4)
    names = query.names or query.context_names
    defines = _definition(query)
    rows: list[dict[str, float]] = []
    around_cache: dict[str, float] = {}
    around_words: dict[str, set[str]] = {}
    for i, c in enumerate(candidates):
        text = c.quote.text
        chunk = c.quote.chunk
        words = tokenize(text)
        # The sentence describes the document (its sections, its table), not the subject. A
        # sentence the pack marks as steering is a candidate only for a question about the
        # document (`candidates`), so only then is the mark worth reading.
        describes = bool(ABOUT_THE_DOCUMENT.search(text)) or (
            query.about_post and lexicon.is_not_answer(text)
        )
        if chunk.id not in around_cache:
            around = " ".join([c.title, *chunk.heading_path, chunk.text])
            around_cache[chunk.id] = coverage(names, around, idf, lexicon)
            around_words[chunk.id] = set(tokenize(around))
        head = heading_vectors.get(section_path(chunk, c.title))
        rows.append(
            {
                "cos": float(c.vector @ q),
                "cos_adapted": float(c.vector @ moved),
                "lex": sure * overlap(tokens, words, idf),
                "lex_context": sure
                * overlap(tokens, tokenize(" ".join([c.title, *chunk.heading_path, text])), idf),
                "section_cos": float(head @ q) if head is not None else 0.0,
                "names_missing_around": (1.0 - around_cache[chunk.id]) if names else 0.0,
                "names_missing_here": (1.0 - coverage(names, text, idf, lexicon)) if names else 0.0,
                "figure_missing": float(query.wants.figure and not query.wants.met_by(text)),
                **query.wants.shape_of(text),
                "part_fit": float(query.wants.part and chunk.block_kind == "heading"),
                "list_item": float(chunk.block_kind == "list"),
                "block_quote": float(chunk.block_kind == "quote"),
                "lead_in": float(leads_in(text)),
                "dangling": float(bool(DANGLING.match(text))),
                "first_sentence": float(c.quote.index == 0),
                "passage_rank": 1.0 / (1.0 + c.rank),
                "passage_score": c.passage_score,
                "length": float(np.log1p(len(words))),
                "about_the_document": float(describes and not query.about_post),
                "document_asked": float(describes and query.about_post),
                "follows_turns": overlap(context_tokens, words, idf) if context_tokens else 0.0,
                # The rarest question word its passage lacks: a near miss shares every word but
                # the one the question turns on.
                "rarest_missing": max(
                    (idf(t) for t in tokens if t not in around_words[chunk.id]), default=0.0
                )
                / (idf.rarest or 1.0),
                "defines_name": float(bool(defines and defines.search(text))),
                "neighbour_evidence": np.nan if known is None else float(known[i]),
            }
        )
    for key, gap in (("cos", "cos_gap"), ("lex", "lex_gap"), ("section_cos", "section_gap")):
        best = max(r[key] for r in rows)
        for r in rows:
            r[gap] = r[key] - best
    return np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float32)
