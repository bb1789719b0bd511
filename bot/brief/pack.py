"""The briefing pack as a structured object: sections of cited sentences, then its sources.

Everything factual in the pack is a `Line`, a verbatim sentence of an indexed source with its
citation; the event and agenda come from the debate pack and the reading list from the
registry, shown as such. The post's structure decides what goes where: the clusters and open
questions by their headings in debate.yaml, the CERN section as the one before the clusters.
Renderers (render.py) only lay this object out through the templates in prompts/brief/.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.brief.base import (
    Citer,
    Line,
    Para,
    display_name,
    indexed_ids,
    question_query,
    sentence_scores,
    status,
    text,
)
from bot.brief.compare import Comparison, build_comparison
from bot.brief.guide import QuestionGuide, question_guide
from bot.brief.pictures import split_by_date
from bot.debate.pack_data import AgendaItem, DebatePack, Event, load_debate
from bot.models import Chunk, Citation, Passage, Quote
from bot.registry import Kind, Source

if TYPE_CHECKING:
    from bot.service import Bot

BEARING = 3  # passages shown per open question beyond the post's own framing
SEARCH_K = 8
_DIFFERENCES = re.compile(r"\bvs\b\.?|\bversus\b|\bdifferen", re.I)


@dataclass
class Section:
    heading: Line | None
    paras: list[Para] = field(default_factory=list)


@dataclass
class ClusterPart:
    id: str
    label: str
    heading: Line | None
    paras: list[Para]


@dataclass
class QuestionPart:
    id: str
    label: str
    heading: Line
    framing: list[Para]
    bearing: list[Line]
    clusters: list[str]  # labels of the clusters the debate pack ties to it
    guide: QuestionGuide


@dataclass(frozen=True)
class TimelineEntry:
    name: str
    date: str
    cluster: str


@dataclass
class SourceRow:
    source: Source
    name: str
    state: str
    kind_text: str
    cluster_label: str


@dataclass
class Brief:
    debate: DebatePack
    event_lines: list[Line]
    origin: list[Para]
    cern: list[Section]
    clusters: list[ClusterPart]
    differences: Section | None
    questions: list[QuestionPart]
    comparison: Comparison
    dated: list[TimelineEntry]
    undated: list[str]
    reading_list: list[SourceRow]
    citations: list[Citation]

    @property
    def event(self) -> Event:
        return self.debate.event

    @property
    def agenda(self) -> list[AgendaItem]:
        return list(self.debate.agenda)

    @property
    def registry(self) -> list[Source]:
        return [r.source for r in self.reading_list]

    @property
    def indexed_ids(self) -> set[str]:
        return {r.source.id for r in self.reading_list if r.state == "indexed"}

    @property
    def indexed(self) -> int:
        return len(self.indexed_ids)


def _paras(citer: Citer, chunks: list[Chunk]) -> list[Para]:
    return [p for p in (citer.para(c) for c in chunks) if p is not None]


def _top_sections(post_chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in post_chunks if c.block_kind == "heading" and len(c.heading_path) == 1]


def _cern_heads(bot: Bot, debate: DebatePack, post: list[Chunk]) -> list[Chunk]:
    """The heading chunks of the section before the clusters' section (CERN, in the post)."""
    first = bot.corpus.heading(debate.event.post_source, debate.clusters[0].heading)
    tops = _top_sections(post)
    if first is None or not tops:
        return []
    owner = first.heading_path[0]
    index = next((i for i, c in enumerate(tops) if c.text == owner), 0)
    if index == 0:
        return []
    title = tops[index - 1].text
    return [c for c in post if c.block_kind == "heading" and c.heading_path[:1] == [title]]


def _bearing(
    bot: Bot, citer: Citer, passages: list[Passage], qvec: np.ndarray, head: Chunk
) -> list[Line]:
    """The best sentence of each passage found for the question, outside its own section."""
    lines = []
    for p in passages:
        c = p.chunk
        if c.block_kind == "heading" or c.heading_path == head.heading_path:
            continue
        scored = sentence_scores(bot, [c], qvec)
        if scored:
            lines.append(citer.line(max(scored, key=lambda s: s[1])[0]))
        if len(lines) == BEARING:
            break
    return lines


def build_brief(bot: Bot) -> Brief:
    """The whole pack from what is indexed now; parts whose sources are missing stay empty."""
    debate = load_debate(bot.settings)
    citer = Citer(bot)
    post_id = debate.event.post_source
    post = bot.corpus.chunks_of(post_id)
    labels = {cl.id: cl.label for cl in debate.clusters}

    event_lines = [
        citer.line(q)
        for src in bot.registry
        if src.kind == Kind.event
        for q in bot.corpus.linking_quotes(src)
        if len(q.text.split()) > 3
    ]
    shown = {(ln.text, ln.source_id) for ln in event_lines}
    origin = []
    for c in post:
        if c.heading_path or c.block_kind == "heading":
            continue
        para = citer.para(c)
        if para:
            para.lines = [ln for ln in para.lines if (ln.text, ln.source_id) not in shown]
            if para.lines:
                origin.append(para)

    heads = _cern_heads(bot, debate, post)
    subs = heads[1:]
    diff_head = next((h for h in subs if _DIFFERENCES.search(h.text)), subs[-1] if subs else None)
    cern = [_section(bot, citer, h) for h in heads if h is not diff_head]

    clusters = []
    for cl in debate.clusters:
        head = bot.corpus.heading(post_id, cl.heading)
        if head is not None:
            part = _section(bot, citer, head)
            clusters.append(ClusterPart(cl.id, cl.label, part.heading, part.paras))

    differences = _section(bot, citer, diff_head) if diff_head is not None else None

    questions = []
    queries = [question_query(q) for q in debate.open_questions]
    qvecs = bot.store.embedder.encode(queries)  # one batch, not one model call per question
    for q, query, qvec in zip(debate.open_questions, queries, qvecs, strict=True):
        head = bot.corpus.heading(post_id, q.heading)
        if head is None:
            continue
        passages = bot.search(query, k=SEARCH_K)
        questions.append(
            QuestionPart(
                id=q.id,
                label=q.label,
                heading=citer.line(_q(head)),
                framing=_paras(citer, bot.corpus.section(head)),
                bearing=_bearing(bot, citer, passages, qvec, head),
                clusters=[labels[c] for c in q.clusters if c in labels],
                guide=question_guide(bot, q, citer, passages, qvec),
            )
        )

    comparison = build_comparison(bot, debate, citer)
    dated, undated = split_by_date(bot.registry)
    no_cluster = text("no_cluster")
    indexed = indexed_ids(bot)
    reading = [
        SourceRow(
            source=s,
            name=display_name(s),
            state=status(bot, s, indexed),
            kind_text=text(f"kind_{s.kind.value}"),
            cluster_label=labels.get(s.cluster or "", ""),
        )
        for s in bot.registry
    ]
    return Brief(
        debate=debate,
        event_lines=event_lines,
        origin=origin,
        cern=cern,
        clusters=clusters,
        differences=differences,
        questions=questions,
        comparison=comparison,
        dated=[
            TimelineEntry(
                display_name(d.source),
                d.source.date,
                labels.get(d.source.cluster or "", no_cluster),
            )
            for d in dated
        ],
        undated=[display_name(s) for s in undated],
        reading_list=reading,
        citations=citer.cites.items,
    )


def _q(chunk: Chunk) -> Quote:
    """A heading chunk as a quote: its one sentence is the heading."""
    return Quote(chunk, 0)


def _section(bot: Bot, citer: Citer, head: Chunk) -> Section:
    """A heading of the post and what stands under it, cited in reading order."""
    heading = citer.line(_q(head))
    return Section(heading, _paras(citer, bot.corpus.section(head)))


_CACHE: dict[tuple[object, ...], Brief] = {}
_CACHE_LOCK = threading.Lock()


def brief_key(bot: Bot) -> tuple[object, ...]:
    """What the pack depends on: the index build, the reading list, the debate pack, snapshots."""
    s = bot.settings
    stamp = [p.stat().st_mtime if p.exists() else 0.0 for p in (s.sources_file, s.debate_file)]
    snaps = s.snapshots_dir.stat().st_mtime if s.snapshots_dir.exists() else 0.0
    return (id(bot), bot.store.info.get("built_at"), *stamp, snaps)


def current_brief(bot: Bot) -> Brief:
    """The pack for the index as it is now, built once per index version (the app's many
    attendees share it)."""
    key = brief_key(bot)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = build_brief(bot)
        return _CACHE[key]
