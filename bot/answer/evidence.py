"""Evidence: the sentences of the retrieved passages, each scored by the fitted model for how
likely it answers the question; the one scored type every stage after retrieval uses."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.answer.adapter import sentence_key
from bot.answer.context import AnswerContext
from bot.answer.features import DANGLING, FEATURES, Candidate, features
from bot.answer.model import answerable_features
from bot.answer.query import Query
from bot.answer.types import poses
from bot.citations import title_of
from bot.index.store import sentence_ids
from bot.models import Chunk, Passage, Quote


@dataclass(frozen=True)
class Evidence:
    """One sentence and how well it answers the question."""

    quote: Quote
    score: float  # P(this sentence answers the question), from the ranking model
    cos: float  # its cosine with the question
    rank: int  # its passage's rank in retrieval
    vector: np.ndarray = field(repr=False, compare=False)


@dataclass
class Findings:
    """What the reading list offers on a question: passages, scored sentences, and whether it
    answers at all."""

    passages: list[Passage]
    evidence: list[Evidence]  # best first
    answerable: float  # P(some sentence answers the question)
    features: np.ndarray = field(repr=False)  # one row per candidate, in `candidates` order
    candidates: list[Candidate] = field(default_factory=list, repr=False)

    @property
    def best(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None


def _steers(quote: Quote, ctx: AnswerContext) -> bool:
    """Whether a sentence steers the reader: the pack marks it so, or it leans on one that is."""
    if ctx.lexicon.is_not_answer(quote.text):
        return True
    if not DANGLING.match(quote.text):
        return False
    before = ctx.corpus.previous_sentence(quote)
    return before is not None and ctx.lexicon.is_not_answer(before.text)


def _unasked_notice(chunk: Chunk, query: Query, ctx: AnswerContext) -> bool:
    """Whether a chunk sits under an event notice the question does not ask about."""
    return ctx.lexicon.is_notice(chunk.heading_path) and not query.about_event


def _headings(query: Query, passages: list[Passage], ctx: AnswerContext) -> dict[int, list[Chunk]]:
    """The headings that may answer the question, each at the first passage it stands over or
    under. A heading phrased as a question is the question its section poses, wanted when the
    asker wants a question. When the asker wants the document's parts, a passage's section
    heading names the part it is in, and the headings one level under its section name the
    parts that section is divided into."""
    out: dict[int, list[Chunk]] = {}
    if not (query.wants.question or query.wants.part):
        return out  # the common case: no heading is looked up
    seen: set[str] = set()
    for rank, p in enumerate(passages):
        if p.chunk.block_kind == "heading":
            continue
        wanted: list[Chunk] = []
        head = ctx.corpus.head_of(p.chunk) if p.chunk.heading_path else None
        if head is not None and (query.wants.part or (query.wants.question and poses(head.text))):
            wanted.append(head)
        if query.wants.part:
            wanted += ctx.corpus.sub_headings(p.chunk.source_id, p.chunk.heading_path)
        for h in wanted:
            if h.id not in seen and not _unasked_notice(h, query, ctx):
                seen.add(h.id)
                out.setdefault(rank, []).append(h)
    return out


def candidates(query: Query, passages: list[Passage], ctx: AnswerContext) -> list[Candidate]:
    """Every sentence of the passages that could be quoted as an answer.

    Sentences the pack marks as steering the reader ("The first section offers ...", a table's
    legend) state nothing about the subject: they are candidates only for a question about the
    document itself (its sections, its table), which they answer; so is a sentence that leans
    on such a one ("It then ..." after "This note first ..."). An announcement of the event
    (registration, venue) is a candidate only when the question is about the event. Headings
    are labels, candidates only when they name what the question asks for: the question a
    section poses, or a part of the document (`_headings`).
    """
    heads = _headings(query, passages, ctx)
    extra = [h.id for hs in heads.values() for h in hs]
    vectors = ctx.sentence_vectors([p.chunk.id for p in passages] + extra)
    out: list[Candidate] = []
    for rank, p in enumerate(passages):
        if p.chunk.block_kind == "heading":
            continue
        if _unasked_notice(p.chunk, query, ctx):
            continue
        title = title_of(ctx.sources, p.chunk.source_id)
        for chunk in [*heads.get(rank, []), p.chunk]:
            for i, sid in enumerate(sentence_ids(chunk)):
                vec = vectors.get(sid)
                quote = Quote(chunk, i)
                if vec is None or (not query.about_post and _steers(quote, ctx)):
                    continue
                out.append(Candidate(quote, vec, rank, p.score, title))
    return out


def find(query: Query, ctx: AnswerContext, k: int | None = None) -> Findings:
    """Retrieve, build candidates and score them: the reading list's evidence on a question."""
    adapted = ctx.adapter.apply(query.vector)
    passages = ctx.retrieve(query, k or ctx.settings.answer.passages, adapted)
    found = candidates(query, passages, ctx)
    keys = [sentence_key(c.quote.text) for c in found]
    known = ctx.adapter.neighbour_evidence(query.vector, keys)
    x = features(query, found, ctx.heading_vectors, ctx.idf, ctx.lexicon, adapted, known)
    scores = ctx.model.ranking_probs(x)
    cos = x[:, FEATURES.index("cos")] if len(x) else np.zeros(0)
    evidence = sorted(
        (
            Evidence(c.quote, float(p), float(s), c.rank, c.vector)
            for c, p, s in zip(found, scores, cos, strict=True)
        ),
        key=lambda e: -e.score,
    )
    best = evidence[0].vector if evidence else None
    prior = ctx.adapter.prior(query.vector, best)
    near = ctx.adapter.neighbour_share(query.vector)
    qx = answerable_features(x, ctx.model.sentence_probs(x), prior, near)
    answerable = ctx.model.answerable_prob(qx) if qx is not None else 0.0
    return Findings(passages, evidence, answerable, x, found)
