"""The briefing pack as a structured object: the post's argument in its own sentences, then the
comparison, the pictures' data and the reading list.

Everything factual in the pack is a `Line`, a verbatim sentence of an indexed source with its
citation, and each sentence is quoted in full once (elsewhere it is referred to by number).
The event and agenda come from the debate pack and the reading list from the registry. Which
sentences carry each section's argument is chosen in bot/brief/argument.py, within a word
budget fitted so the whole pack reads in about twenty minutes (`TARGET_WORDS`). Renderers
(render.py) only lay this object out through the templates in prompts/brief/.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.brief.argument import Part, argument, parts_of
from bot.brief.base import (
    Citer,
    Line,
    Para,
    display_name,
    indexed_ids,
    item_quotes,
    question_query,
    sentence_scores,
    status,
    text,
)
from bot.brief.compare import Comparison, build_comparison
from bot.brief.figures import figures
from bot.brief.guide import QuestionGuide, question_guide
from bot.brief.pictures import split_by_date
from bot.models import Citation, Quote
from bot.pack import AgendaItem, DebatePack, Event, OpenQuestion, load_debate
from bot.registry import Kind, Source

if TYPE_CHECKING:
    from bot.service import Bot

TARGET_WORDS = 3200  # the whole pack, at 230 words a minute with its tables: twenty minutes
MIN_ARGUMENT_WORDS = 300  # however long the rest, the post's argument keeps this much
ALSO = 3  # sentences quoted elsewhere in the pack that bear on an open question
SEARCH_K = 8
COMPARED = (Kind.proposal, Kind.existing_project)


@dataclass
class QuestionPart:
    id: str
    label: str
    heading: Line
    clusters: list[str]  # labels of the clusters the debate pack ties to it
    also: list[Line]  # sentences quoted earlier in the pack that bear on it (by number)
    guide: QuestionGuide


@dataclass
class Section:
    """A section of the post: its heading (None for the untitled opening), its chosen
    sentences, the proposals it lists that the comparison shows, and whether the post shows a
    picture here that the snapshot has no text of."""

    heading: Line | None
    depth: int
    paras: list[Para] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    picture: bool = False
    question: QuestionPart | None = None


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
    sections: list[Section]
    comparison: Comparison
    dated: list[TimelineEntry]
    undated: list[str]
    reading_list: list[SourceRow]
    citations: list[Citation]
    post_sentences: int  # sentences of the post that could be quoted
    quoted_sentences: int  # of those, how many the pack quotes

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

    @property
    def questions(self) -> list[QuestionPart]:
        return [s.question for s in self.sections if s.question is not None]

    @property
    def missing(self) -> list[SourceRow]:
        """The sources with no snapshot yet: named once, at the end of the pack."""
        return [r for r in self.reading_list if r.state == "missing"]


def _introduces(bot: Bot, quote: Quote) -> bool:
    """A sentence of a list item that introduces a compared proposal: the comparison quotes
    the item instead."""
    return quote.chunk.block_kind == "list" and any(
        bot.sources[sid].kind in COMPARED
        for q in item_quotes(quote)
        for sid in bot.corpus.links_in(q)
    )


def _also(bot: Bot, citer: Citer, q: OpenQuestion, head_path: list[str]) -> list[Line]:
    """The best sentences found for the question outside its own section that the pack has
    already quoted: referred to by number, not quoted again."""
    query = question_query(q)
    passages = bot.search(query, k=SEARCH_K)
    qvec = bot.embed([query])[0]
    out: list[Line] = []
    for p in passages:
        if p.chunk.heading_path == head_path or p.chunk.block_kind == "heading":
            continue
        scored = [s for s in sentence_scores(bot, [p.chunk], qvec) if s[0].key in citer.quoted]
        if scored:
            out.append(citer.line(max(scored, key=lambda s: s[1])[0]))
        if len(out) == ALSO:
            break
    return out


def _question(
    bot: Bot, citer: Citer, debate: DebatePack, q: OpenQuestion, heading: Line, path: list[str]
) -> QuestionPart:
    labels = {cl.id: cl.label for cl in debate.clusters}
    return QuestionPart(
        id=q.id,
        label=q.label,
        heading=heading,
        clusters=[labels[c] for c in q.clusters if c in labels],
        also=_also(bot, citer, q, path),
        # The guide's own passages are links, not quotes of the pack: a citer of its own.
        guide=question_guide(bot, q, Citer(bot)),
    )


def _section(
    bot: Bot, citer: Citer, debate: DebatePack, part: Part, chosen: list[Quote], pictured: set
) -> Section:
    head = part.heading
    heading = None
    if head is not None:
        citer.first_quote(Quote(head, 0))
        heading = citer.line(Quote(head, 0))
    section = Section(heading, len(head.heading_path) if head is not None else 0)
    section.paras = citer.paras(chosen)
    listed = [q for c in part.chunks for q in bot.corpus.quotes(c) if _introduces(bot, q)]
    names = [
        display_name(bot.sources[sid])
        for q in listed
        for sid in bot.corpus.links_in(q)
        if bot.sources[sid].kind in COMPARED
    ]
    section.compared = list(dict.fromkeys(names))
    section.picture = (head.text if head is not None else "") in pictured
    question = next((q for q in debate.open_questions if head and q.heading == head.text), None)
    if question is not None and heading is not None:
        section.question = _question(bot, citer, debate, question, heading, head.heading_path)
    return section


def _depth(part: Part) -> int:
    return len(part.heading.heading_path) if part.heading is not None else 0


def _kept(
    bot: Bot, debate: DebatePack, parts: list[Part], chosen: list[list[Quote]], pictured: set
) -> list[bool]:
    """Which sections the pack shows: those with something to say, and the headings above
    them (a section of nothing but links, "Join the discussion", goes)."""
    questions = {q.heading for q in debate.open_questions}
    keep = []
    for i, (part, quotes) in enumerate(zip(parts, chosen, strict=True)):
        title = part.heading.text if part.heading is not None else ""
        parent = i + 1 < len(parts) and _depth(parts[i + 1]) > _depth(part)
        listed = any(_introduces(bot, q) for c in part.chunks for q in bot.corpus.quotes(c))
        keep.append(bool(quotes) or listed or title in pictured or title in questions or parent)
    return keep


def build_brief(bot: Bot, argument_words: int | None = None) -> Brief:
    """The whole pack from what is indexed now. Without `argument_words`, the post's argument
    gets what the rest of the pack leaves of TARGET_WORDS (measured on a first build)."""
    if argument_words is None:
        from bot.brief.render import render_markdown, visible_words

        bare = build_brief(bot, 0)
        rest = visible_words(render_markdown(bare))
        return build_brief(bot, max(MIN_ARGUMENT_WORDS, TARGET_WORDS - rest))
    debate = load_debate(bot.settings)
    citer = Citer(bot)
    post_id = debate.event.post_source
    labels = {cl.id: cl.label for cl in debate.clusters}

    event_lines = [
        citer.line(q)
        for src in bot.registry
        if src.kind == Kind.event
        for q in bot.corpus.linking_quotes(src)
        if len(q.text.split()) > 3 and citer.first_quote(q)
    ]
    parts = parts_of(bot, post_id, lambda q: q.key not in citer.quoted and not _introduces(bot, q))
    chosen = argument(parts, argument_words)
    post = bot.sources.get(post_id)
    pictured = {f.heading for f in figures(bot, post)} if post else set()
    keep = _kept(bot, debate, parts, chosen, pictured)
    sections = [
        _section(bot, citer, debate, part, quotes, pictured)
        for part, quotes, kept in zip(parts, chosen, keep, strict=True)
        if kept
    ]
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
        sections=sections,
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
        post_sentences=sum(len(p.candidates) for p in parts),
        quoted_sentences=sum(len(q) for q in chosen),
    )


_CACHE: dict[tuple[object, ...], Brief] = {}
_CACHE_LOCK = threading.Lock()


def brief_key(bot: Bot) -> tuple[object, ...]:
    """What the pack depends on: the index build, the reading list, the debate pack, snapshots."""
    s = bot.settings
    stamp = [p.stat().st_mtime if p.exists() else 0.0 for p in (s.sources_file, s.debate_file)]
    snaps = s.snapshots_dir.stat().st_mtime if s.snapshots_dir.exists() else 0.0
    return (id(bot), bot.version, *stamp, snaps)


def current_brief(bot: Bot) -> Brief:
    """The pack for the index as it is now, built once per index version (the app's many
    attendees share it)."""
    key = brief_key(bot)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = build_brief(bot)
        return _CACHE[key]
