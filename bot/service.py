"""The bot's one entry point: the CLI, the Gradio app and its API all call `Bot.ask`/`search`.

It owns the process-wide heavy parts (the embedding model, the store, the BM25 index) and turns
every failure a user can cause or meet into a plain message inside an Answer, never a traceback.
"""

from __future__ import annotations

import time
from functools import cached_property

import numpy as np

from bot import pack
from bot.answer.answerable import ignored_word
from bot.answer.intent import read_intent
from bot.answer.offline import ScoredQuote, compose, question_names, score_sentences
from bot.answer.question import clean_question
from bot.answer.verify import locate
from bot.citations import CitationList, renumber
from bot.corpus import Corpus
from bot.index.build import open_store
from bot.index.store import IndexMismatchError, IndexStore, StoreUnavailableError
from bot.models import Answer, Chunk, Passage, Quote, chunk_id_of
from bot.prompts import phrase, render
from bot.registry import Source, by_id
from bot.retrieve.hybrid import Filters, Retriever
from bot.retrieve.text import tokenize
from bot.settings import Settings, one_per_settings

Turn = tuple[str, str]  # (user question, bot answer)


class IndexNotReadyError(RuntimeError):
    """There is no index to answer from yet."""


class Bot:
    """Answers questions from one debate pack's index."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._corpus: tuple[dict[str, Chunk], Corpus] | None = None

    @cached_property
    def registry(self) -> list[Source]:
        return pack.sources(self.settings)

    @cached_property
    def sources(self) -> dict[str, Source]:
        return by_id(self.registry)

    @cached_property
    def titles(self) -> dict[str, str]:
        """Source id -> title: a passage is about what its document's title names."""
        return {sid: src.title for sid, src in self.sources.items()}

    @cached_property
    def store(self) -> IndexStore:
        store = open_store(self.settings)
        store.check_compatible()
        return store

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.settings.retrieval, self.registry)

    @property
    def corpus(self) -> Corpus:
        """The document tree of the current index (made again when the index changes)."""
        chunks = self.retriever.chunks
        made = self._corpus
        if made is None or made[0] is not chunks:
            made = self._corpus = (chunks, Corpus(chunks.values(), self.sources))
        return made[1]

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
        """Load the model, BM25 and the vector indexes now, so the first question is not slow."""
        self.ready()
        self.retriever.search("warm up")  # loads BM25, the model and Chroma's vector indexes

    # --- search --------------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, context: str = ""
    ) -> list[Passage]:
        self.ready()
        return self.retriever.search(query, k=k, filters=filters, context=context)

    def evidence(
        self, query: str, k: int = 8, filters: Filters | None = None, context: str = ""
    ) -> list[ScoredQuote]:
        """The sentences of the best passages for a query, scored as answers score them, best
        first: what moderator prompts and the brief quote as evidence."""
        self.ready()
        qvec = self.retriever.query_vector(query, context)
        passages = self.retriever.search(query, k=k, filters=filters, context=context, qvec=qvec)
        if not passages:
            return []
        return self.score_sentences(query, passages, qvec, tokenize(query))

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
            return self._finish(
                Answer(
                    id=qid,
                    question=question,
                    answer=phrase("empty_question"),
                    abstained=True,
                    engine="none",
                ),
                started,
            )
        try:
            answer = self._answer(cleaned.text, history or [], filters)
        except (IndexNotReadyError, IndexMismatchError) as exc:
            answer = Answer(question=cleaned.text, answer=str(exc), abstained=True, engine="none")
        except StoreUnavailableError as exc:
            answer = Answer(
                question=cleaned.text,
                answer=phrase("store_unavailable", detail=str(exc)),
                abstained=True,
                engine="none",
            )
        answer.id = qid
        answer.notices = cleaned.notices + answer.notices
        return self._finish(answer, started)

    def _finish(self, answer: Answer, started: float) -> Answer:
        if answer.citations:
            answer.answer, answer.citations = renumber(answer.answer, answer.citations)
        elif answer.related:
            answer.answer, answer.related = renumber(answer.answer, answer.related)
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    def _answer(self, question: str, history: list[Turn], filters: Filters | None) -> Answer:
        self.ready()
        intent = read_intent(question)
        notices = [phrase("instruction_ignored")] if intent.had_instruction else []
        if intent.kind == "locate":
            answer = self._answer_locate(question, intent.claim, filters)
            answer.notices = notices
            return answer
        if intent.kind != "fact":
            passages = self.retriever.search(intent.core, k=3, filters=filters)
            lead = phrase("no_verdict" if intent.kind == "verdict" else "no_invention")
            answer = self.abstain(question, passages, engine="offline", lead=lead)
            answer.notices = notices
            return answer
        answer = self._answer_fact(intent.core, history, filters)
        answer.question = question
        answer.notices = notices + answer.notices
        return answer

    def _answer_locate(self, question: str, claim: str, filters: Filters | None) -> Answer:
        """Quote the sentence that states the claim, or say that none does."""
        cvec = self.retriever.query_vector(claim)
        passages = self.retriever.search(claim, k=6, filters=filters, qvec=cvec)
        _, quote = locate(claim, cvec, passages, self.store, self.settings.answer.locate_threshold)
        if quote is None:
            return self.abstain(question, passages, engine="offline", lead=phrase("not_said"))
        cites = CitationList(self.sources)
        text = render(
            "answer/located.md.j2", lead=phrase("said_here"), quote=quote.text, n=cites.cite(quote)
        )
        return Answer(
            question=question,
            answer=text.strip(),
            abstained=False,
            engine="offline",
            citations=cites.items,
        )

    def _answer_fact(self, question: str, history: list[Turn], filters: Filters | None) -> Answer:
        from bot.answer.structure import answer_structure

        structured = answer_structure(self, question, filters)
        if structured is not None:
            return structured
        if self.settings.uses_llm:
            from bot.answer.llm import run_llm

            return run_llm(self, question, history, filters).answer
        return self.answer_offline(question, history, filters)

    def context_for(self, question: str, history: list[Turn]) -> str:
        """Earlier questions, when this one reads as a follow-up ("and who funds it?")."""
        if not history:
            return ""
        words = question.lower().split()
        follow = (
            len(words) <= 9
            or words[0] in {"and", "but", "so", "what", "how"}
            or any(
                w.strip("?,.")
                in {
                    "it",
                    "its",
                    "they",
                    "them",
                    "their",
                    "that",
                    "this",
                    "those",
                    "these",
                    "he",
                    "she",
                    "his",
                    "her",
                    "there",
                }
                for w in words
            )
        )
        return " ".join(q for q, _ in history[-2:]) if follow else ""

    def score_sentences(
        self, question: str, passages: list[Passage], qvec: np.ndarray, qtokens: list[str]
    ) -> list[ScoredQuote]:
        """The passages' sentences scored against the question, best first (offline engine)."""
        return score_sentences(
            passages, qvec, qtokens, self.store, question, self.retriever.idf, self.titles
        )

    def answer_offline(
        self,
        question: str,
        history: list[Turn],
        filters: Filters | None,
        qvec: np.ndarray | None = None,
    ) -> Answer:
        """The offline engine's answer; `qvec` spares re-embedding a question already embedded."""
        cfg = self.settings.answer
        context = self.context_for(question, history)
        if qvec is None:
            qvec = self.retriever.query_vector(question, context)
        passages = self.retriever.search(question, k=8, filters=filters, context=context, qvec=qvec)
        qtokens = tokenize(question) or tokenize(context)
        scored = self.score_sentences(question, passages, qvec, qtokens)
        best = scored[0].score if scored else 0.0
        # Asked for a number, an amount or a year, and the best evidence gives none: however
        # well it matches otherwise, the figure is not in the reading list.
        if best < cfg.abstain_below or not scored[0].typed:
            return self.abstain(question, passages, engine="offline")
        cites = CitationList(self.sources)
        neighbours = {
            sid: self.corpus.chunks_of(sid) for sid in {p.chunk.source_id for p in passages}
        }
        items = compose(scored, cfg, cites, qtokens, neighbours)
        missing = self._ignored_word(question, cites, scored, None if context else qvec)
        if missing:
            lead = phrase("not_about", word=missing)
            return self.abstain(question, passages, engine="offline", lead=lead)
        text = render("answer/offline.md.j2", items=items).strip()
        return Answer(
            question=question,
            answer=text,
            abstained=False,
            engine="offline",
            citations=cites.items,
        )

    def _ignored_word(
        self,
        question: str,
        cites: CitationList,
        scored: list[ScoredQuote],
        qvec: np.ndarray | None,
    ) -> str | None:
        """A word the question turns on that the shown sentences ignore (bot.answer.answerable).

        The shown sentences' vectors were fetched for scoring; only a sentence from outside the
        retrieved passages (a list the answer runs on into) is read from the store again.
        """
        known = {s.quote.key: s.vector for s in scored if s.vector is not None}
        unread = [k for k in cites.keys if k not in known]
        if unread:
            known |= self.store.sentence_vectors(list(dict.fromkeys(map(chunk_id_of, unread))))
        vectors = np.array([known[k] for k in cites.keys if k in known], dtype=np.float32)
        return ignored_word(
            question,
            [c.quote for c in cites.items],
            vectors,
            self.store.embedder.encode,
            question_vector=qvec,
            names=frozenset(question_names(question)),
        )

    def abstain(
        self, question: str, passages: list[Passage], engine: str, lead: str | None = None
    ) -> Answer:
        """'The reading list does not say', with the closest passages as related reading."""
        cites = CitationList(self.sources)
        for p in passages[:3]:
            if p.chunk.sentences:
                cites.cite(Quote(p.chunk, 0))
        related = cites.items
        text = render(
            "answer/abstain.md.j2", lead=lead or phrase("abstain_lead"), related=related
        ).strip()
        return Answer(
            question=question, answer=text, abstained=True, engine=engine, related=related
        )


get_bot = one_per_settings(Bot)  # one Bot per distinct settings: models and indexes load once
