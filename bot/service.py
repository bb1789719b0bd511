"""The bot's one entry point: the CLI, the Gradio app and its API all call `Bot.ask`/`search`.

It owns the process-wide heavy parts (the embedding model, the store, the BM25 index), builds
the answering context once per index version, and turns every failure a user can cause or
meet into a plain message inside an Answer, never a traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property

import numpy as np

from bot import pack
from bot.answer import (
    AnswerContext,
    Evidence,
    ModelFileError,
    Query,
    QueryAdapter,
    ScoringModel,
    Turn,
    analyse,
    clean_question,
    find,
    load_model,
    run_pipeline,
)
from bot.citations import renumber, title_of
from bot.corpus import Corpus, section_path
from bot.index.build import open_store
from bot.index.report import IngestReport, last_ingest_report
from bot.index.store import IndexMismatchError, IndexStore, StoreUnavailableError
from bot.lexicon import load_lexicon
from bot.models import Answer, Chunk, Passage
from bot.pack import DebatePackError, load_debate
from bot.prompts import phrase
from bot.registry import Source, by_id
from bot.retrieve.hybrid import Filters, Retriever
from bot.retrieve.text import Rarity
from bot.retrieve.vectors import SentenceVectorCache
from bot.settings import Settings, one_per_settings

__all__ = ["Bot", "IndexNotReadyError", "Turn", "get_bot"]
log = logging.getLogger(__name__)


class IndexNotReadyError(RuntimeError):
    """There is no index to answer from yet."""


class Bot:
    """Answers questions from one debate pack's index."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._made: tuple[dict[str, Chunk], Corpus, AnswerContext | None] | None = None
        self._lock = threading.Lock()

    @cached_property
    def registry(self) -> list[Source]:
        return pack.sources(self.settings)

    @cached_property
    def sources(self) -> dict[str, Source]:
        return by_id(self.registry)

    @cached_property
    def store(self) -> IndexStore:
        store = open_store(self.settings)
        store.check_compatible()
        return store

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.settings.retrieval, self.registry)

    @cached_property
    def model(self) -> ScoringModel:
        """The fitted scoring model; a neutral one (with a warning) if weights.json is missing
        or was fitted on other features, so `debatebot fit` can always run."""
        try:
            return load_model()
        except ModelFileError as exc:
            log.warning("%s; answering with the neutral model", exc)
            return ScoringModel.neutral()

    def _current(self) -> tuple[dict[str, Chunk], Corpus, AnswerContext | None]:
        """The corpus (and answering context) of the index as it is now; made again when the
        retriever's chunk table changes, so a rebuilt index is picked up."""
        chunks = self.retriever.chunks
        made = self._made
        if made is None or made[0] is not chunks:
            with self._lock:
                made = self._made
                if made is None or made[0] is not chunks:
                    made = self._made = (chunks, Corpus(chunks.values(), self.sources), None)
        return made

    @property
    def corpus(self) -> Corpus:
        """The document tree of the current index."""
        return self._current()[1]

    def context(self) -> AnswerContext:
        """What the answering strategies use, for the current index."""
        chunks, corpus, ctx = self._current()
        if ctx is not None:
            return ctx
        try:
            debate = load_debate(self.settings)
        except DebatePackError:
            debate = None  # structure answers are off; the rest still answers
        encode = self.store.embedder.encode
        paths = sorted(
            {section_path(c, title_of(self.sources, c.source_id)) for c in chunks.values()}
        )
        vectors = encode([" > ".join(p) for p in paths])
        retriever = self.retriever

        def search(query: Query, k: int) -> list[Passage]:
            return retriever.search(
                query.text, k=k, filters=query.filters, context=query.context, qvec=query.vector
            )

        ctx = AnswerContext(
            settings=self.settings,
            sources=self.sources,
            corpus=corpus,
            lexicon=load_lexicon(self.settings),
            debate=debate,
            model=self.model,
            idf=retriever.idf,
            search=search,
            sentence_vectors=SentenceVectorCache(self.store),
            heading_vectors=dict(zip(paths, vectors, strict=True)),
            encode=encode,
            adapter=QueryAdapter.load(self.settings.pack, self.settings.embedding.model),
        )
        with self._lock:
            if self._made is not None and self._made[0] is chunks:
                self._made = (chunks, corpus, ctx)
        return ctx

    def ready(self) -> None:
        """Raise IndexNotReadyError unless there is something to answer from.

        The retriever's chunk table answers without a round trip to Chroma; only an empty
        table asks the store, whose count() costs ~10 ms at 100k chunks.
        """
        if self.retriever.chunks:
            return
        if self.store.count() == 0:
            raise IndexNotReadyError(phrase("index_missing"))

    def warm(self) -> None:
        """Load the model, BM25, the vector indexes and the answering context now, so the first
        question is not slow."""
        self.ready()
        self.ask("warm up")

    def query(
        self, text: str, history: list[Turn] | None = None, filters: Filters | None = None
    ) -> Query:
        """A question analysed once (its vector embedded with the one model call it needs)."""
        return analyse(text, history, self.store.embedder.encode, filters)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for texts, from the model the index was built with."""
        return self.store.embedder.encode(texts)

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Sentence id -> stored unit vector, for the sentences of these chunks."""
        return self.context().sentence_vectors(chunk_ids)

    @property
    def idf(self) -> Rarity:
        """How rare each word is in the index (for weighing word overlap)."""
        return self.retriever.idf

    def ingest_report(self) -> IngestReport | None:
        """What the last finished ingest of this pack did to each source (None: never ingested)."""
        return last_ingest_report(self.settings)

    @property
    def version(self) -> str:
        """When the index in use was built: a key for what is derived from it."""
        return str(self.store.info.get("built_at"))

    # --- search --------------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, context: str = ""
    ) -> list[Passage]:
        """The k best passages for a query, retrieved as answers retrieve them: the question
        analysed once and moved by the pack's query adapter, so the brief, related reading and
        recall@5 see the passages an answer is made from."""
        self.ready()
        k = k or self.settings.retrieval.k
        return self.context().retrieve(self._lookup(query, filters, context), k)

    def evidence(
        self, query: str, k: int = 8, filters: Filters | None = None, context: str = ""
    ) -> list[Evidence]:
        """The sentences of the best passages for a query, scored as answers score them, best
        first: what moderator prompts and the brief quote as evidence."""
        self.ready()
        return find(self._lookup(query, filters, context), self.context(), k).evidence

    def _lookup(self, text: str, filters: Filters | None, context: str) -> Query:
        """A search's query, analysed as a question that may follow the turn in `context`."""
        return self.query(text, [(context, "")] if context else None, filters)

    # --- ask -----------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: Filters | None = None,
        qid: str | None = None,
    ) -> Answer:
        """Answer from the reading list; errors become notices in an abstaining Answer."""
        started = time.perf_counter()
        cleaned = clean_question(question, self.settings.answer.max_question_chars)
        if cleaned.empty:
            answer = Answer(
                question=question, answer=phrase("empty_question"), abstained=True, engine="none"
            )
            return self._finish(answer, qid, started)
        try:
            self.ready()
            query = self.query(cleaned.text, history, filters)
            answer = run_pipeline(query, self.context())
            answer.question = cleaned.text
            if query.declined_invention:
                answer.notices.insert(0, phrase("invention_declined"))
            if query.had_instruction:
                answer.notices.insert(0, phrase("instruction_ignored"))
        except (IndexNotReadyError, IndexMismatchError) as exc:
            answer = Answer(question=cleaned.text, answer=str(exc), abstained=True, engine="none")
        except StoreUnavailableError as exc:
            answer = Answer(
                question=cleaned.text,
                answer=phrase("store_unavailable", detail=str(exc)),
                abstained=True,
                engine="none",
            )
        answer.notices = cleaned.notices + answer.notices
        return self._finish(answer, qid, started)

    def _finish(self, answer: Answer, qid: str | None, started: float) -> Answer:
        answer.id = qid
        if answer.citations:
            answer.answer, answer.citations = renumber(answer.answer, answer.citations)
        elif answer.related:
            answer.answer, answer.related = renumber(answer.answer, answer.related)
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


get_bot = one_per_settings(Bot)  # one Bot per distinct settings: models and indexes load once
