"""What every answering strategy may use, passed in explicitly: the reading list's structure,
the pack's words and query adapter, retrieval and the fitted scoring model. Built by the
service; nothing in this package imports the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from bot.answer.adapter import QueryAdapter
from bot.answer.model import ScoringModel
from bot.answer.query import Query
from bot.corpus import Corpus
from bot.lexicon import Lexicon
from bot.models import Passage
from bot.pack import DebatePack
from bot.registry import Source
from bot.retrieve.text import Rarity
from bot.settings import Settings

Search = Callable[[Query, int], list[Passage]]
SentenceVectors = Callable[[list[str]], dict[str, np.ndarray]]
Encode = Callable[[list[str]], np.ndarray]


@dataclass
class AnswerContext:
    """The parts of one index and one pack that answers are made from."""

    settings: Settings
    sources: dict[str, Source]
    corpus: Corpus
    lexicon: Lexicon
    debate: DebatePack | None  # None when the pack's debate.yaml is missing or broken
    model: ScoringModel
    idf: Rarity
    search: Search  # the k best passages for a query (its vector, its filters)
    sentence_vectors: SentenceVectors  # chunk ids -> {sentence id: unit vector}
    heading_vectors: dict[tuple[str, ...], np.ndarray]  # corpus.section_path -> its vector
    encode: Encode
    adapter: QueryAdapter = field(default_factory=QueryAdapter)  # the pack's; identity if none

    def retrieve(self, query: Query, k: int, adapted: np.ndarray | None = None) -> list[Passage]:
        """The k best passages for a question, searched with its vector as the pack's query
        adapter moves it (`adapted`, where the caller has moved it already): out of fold, that
        puts the evidence among the first five passages for more strangers' questions than the
        plain vector does (docs/BENCHMARKS.md)."""
        moved = self.adapter.apply(query.vector) if adapted is None else adapted
        return self.search(replace(query, vector=moved), k)
