"""Questions about the debate itself, answered from the post's structure, still with citations.

"What are the open questions?", "list the four clusters", "what did the post say about
Brundage?": these have exact answers in the post's headings, lists and links, which similarity
search would only approximate.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answer.offline import wants_figure
from bot.answer.question import last_sentence
from bot.citations import CitationList
from bot.debate.pack_data import DebatePackError, load_debate
from bot.models import Answer, Chunk, Quote
from bot.prompts import render
from bot.registry import Source
from bot.retrieve.hybrid import Filters
from bot.retrieve.text import fold

if TYPE_CHECKING:
    from bot.service import Bot

COMPARE_SENTENCES = 3  # per cluster compared: its vision and the start of its rationale

_OPEN_QUESTIONS = re.compile(
    r"\b(open|discussion|key|debate'?s?|five)\s+questions?\b|\bquestions?\s+(for|of|in)\s+the\s+"
    r"(debate|discussion|post|blog)|\bwhat\s+will\s+the\s+debate\s+(discuss|cover|be\s+about)"
    r"|\bwhat\s+(questions|issues|topics)\b.{0,40}\b(debate|discuss|tackle)",
)
_OUTLINE = re.compile(
    r"\bhow\s+is\s+(the|this)\s+(post|blog|article)\s+(organi[sz]ed|structured|laid\s+out)"
    r"|\b(outline|structure|sections)\s+of\s+(the|this)\s+(post|blog|article)"
)
_CLUSTERS = re.compile(
    r"\b(clusters?|four\s+(groups|categories|families|kinds|types|visions|camps|schools|strands))\b"
    r"|\b(groups|categories|kinds|types)\s+of\s+(the\s+)?(cern\s+for\s+ai\s+)?proposals\b"
    # "the different versions of a CERN for AI", "what people mean by 'CERN for AI'"
    r"|\b(versions|visions|interpretations|meanings|flavou?rs|strands)\b.{0,40}\bcern\s+for\s+ai\b"
    r"|\bcern\s+for\s+ai\b.{0,80}\b(versions|visions|interpretations|meanings|flavou?rs|strands)\b"
)
_ABOUT = re.compile(
    r"\b(say|says|said|write|wrote|mention|mentions|about|propose|proposed|suggest|suggested|"
    r"recommend|recommended|come\s+up|call\s+for|called\s+for|argue|argued|want|wanted)\b"
)
_EXAMPLES = re.compile(
    r"\b(examples?|initiatives?|proposals?|projects?|who)\b.{0,80}\b(cluster|camp|version|group|"
    r"vision|type|kind|idea|strand|category)\b|\b(cluster|camp|version|group|category)\b.{0,60}"
    r"\b(examples?|initiatives?|proposals?|projects?)\b"
)
_CONTRAST = re.compile(
    r"\b(differ|differs|different|difference|differences|compare|compared|comparison|versus|vs|"
    r"separates?|distinguish\w*|contrast\w*)\b"
)
# "What is NAIRR?", "What does AIRR stand for?", "People keep saying 'AIRR'. What is that?"
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z]*)(?![\w-])")
_DEFINE_Q = (
    r"what\s+(is|'s|are)\s+(the\s+|an?\s+)?{a}\W*$|what\s+does\s+(the\s+)?{a}\s+"
    r"(stand\s+for|mean)|{a}\b.{{0,40}}\bwhat\s+(is|'s|does)\s+(that|it|this)\b"
    r"|{a}\b.{{0,20}}\b(stand\s+for|short\s+for|full\s+name)|full\s+name\s+of\s+(the\s+)?{a}"
)
_NARROW_Q = re.compile(r"\s*(which|who|whom|whose|when|how\s+(many|much|long|old))\b")
_SPECIFIC_Q = re.compile(r"\b(question|point)\s+\(?([a-e])\)?(?:\W|$)")


def _structured(question: str, text: str, cites: CitationList) -> Answer:
    return Answer(
        question=question, answer=text, abstained=False, engine="structure", citations=cites.items
    )


def _open_questions(bot: Bot, question: str) -> Answer | None:
    debate = load_debate(bot.settings)
    post = debate.event.post_source
    cites = CitationList(bot.sources)
    specific = _SPECIFIC_Q.search(question)
    wanted = [q for q in debate.open_questions if specific and q.id == specific.group(2)]
    items = []
    for q in wanted or debate.open_questions:
        head = bot.corpus.heading(post, q.heading)
        if head is None:
            return None
        entry = {"label": q.heading, "n": cites.cite(Quote(head, 0)), "detail": []}
        if wanted:
            body = bot.corpus.first_after(head)
            if body is not None:
                entry["detail"] = cites.entries(body, limit=3)
        items.append(entry)
    text = render("answer/open_questions.md.j2", items=items, count=len(items)).strip()
    return _structured(question, text, cites)


def _clusters(bot: Bot, question: str) -> Answer | None:
    debate = load_debate(bot.settings)
    post = debate.event.post_source
    cites = CitationList(bot.sources)
    items = []
    for cl in debate.clusters:
        head = bot.corpus.heading(post, cl.heading)
        if head is None:
            return None
        label = {"label": cl.heading, "n": cites.cite(Quote(head, 0))}
        # Its vision and the first sentence of its rationale: what it wants, and why.
        items.append({**label, "detail": [cites.entry(q) for q in _cluster_says(bot, head, 2)]})
    lead = bot.corpus.sentences_mentioning(
        post, "cluster", before=bot.corpus.heading(post, debate.clusters[0].heading)
    )
    lead_items = [cites.entry(q) for q in lead[:1]]
    text = render("answer/clusters.md.j2", items=items, count=len(items), lead=lead_items).strip()
    return _structured(question, text, cites)


def _outline(bot: Bot, question: str) -> Answer | None:
    """How the post is organised: its own sentences about its sections, then its headings."""
    debate = load_debate(bot.settings)
    post = debate.event.post_source
    cites = CitationList(bot.sources)
    chunks = bot.corpus.chunks_of(post)
    first_heading = next((c for c in chunks if c.block_kind == "heading"), None)
    lead = [
        cites.entry(q)
        for q in bot.corpus.sentences_mentioning(post, "section", before=first_heading)
    ]
    sections = [
        {"label": c.text, "n": cites.cite(Quote(c, 0))}
        for c in chunks
        if c.block_kind == "heading" and len(c.heading_path) == 1
    ]
    if not sections:
        return None
    text = render("answer/outline.md.j2", lead=lead, sections=sections).strip()
    return _structured(question, text, cites)


def _cluster_named(question: str, clusters) -> list:
    """Clusters whose distinctive word ("academic", "good", "safety", "AGI") the question uses."""
    q = fold(question)
    found = []
    for cl in clusters:
        word = fold(cl.label.replace("CERN for AI", "").replace("CERN for", "")).strip()
        word = word.removeprefix("for ").rstrip("s")
        if word and re.search(r"(?<!\w)" + re.escape(word), q):
            found.append(cl)
    return found


def _cluster_says(bot: Bot, head: Chunk, limit: int) -> list[Quote]:
    """A cluster's own first sentences under its heading: its vision, then its rationale.

    "Examples:" only introduces the list of examples, so it is left out, as the list is.
    """
    said = [
        Quote(c, i)
        for c in bot.corpus.section(head)
        if c.block_kind != "list"
        for i in range(len(c.sentences))
    ]
    return [q for q in said if not q.text.rstrip().endswith(":")][:limit]


def _compare_clusters(bot: Bot, question: str) -> Answer | None:
    """Two or more named clusters side by side: each one's vision and rationale, as written."""
    debate = load_debate(bot.settings)
    named = _cluster_named(question, debate.clusters)
    if len(named) < 2:
        return None
    cites = CitationList(bot.sources)
    items = []
    for cl in named:
        head = bot.corpus.heading(debate.event.post_source, cl.heading)
        if head is None:
            return None
        said = _cluster_says(bot, head, COMPARE_SENTENCES)
        label = {"label": cl.heading, "n": cites.cite(Quote(head, 0))}
        items.append({**label, "detail": [cites.entry(q) for q in said]})
    text = render("answer/cluster_comparison.md.j2", items=items).strip()
    return _structured(question, text, cites)


def _defined_term(bot: Bot, question: str) -> Answer | None:
    """An acronym the question asks about, where a source spells it out: "... Resource (AIRR)"."""
    for acronym in dict.fromkeys(m.group(1) for m in _ACRONYM.finditer(question)):
        a = re.escape(fold(acronym))
        if not re.search(_DEFINE_Q.format(a=a), fold(question)):
            continue
        defining = (c for c in bot.corpus.chunks.values() if f"({acronym})" in c.text)
        quotes = [
            Quote(c, i)
            for c in sorted(defining, key=lambda c: (c.source_id, c.start))
            for i in range(len(c.sentences))
            if f"({acronym})" in Quote(c, i).text
        ]
        if quotes:
            cites = CitationList(bot.sources)
            text = render(
                "answer/defined.md.j2", term=acronym, first=cites.entry(quotes[0])
            ).strip()
            return _structured(question, text, cites)
    return None


def _cluster_examples(bot: Bot, question: str) -> Answer | None:
    """A cluster's vision and its listed examples, as the post gives them."""
    debate = load_debate(bot.settings)
    named = _cluster_named(question, debate.clusters)
    if len(named) != 1:
        return None
    head = bot.corpus.heading(debate.event.post_source, named[0].heading)
    if head is None:
        return None
    cites = CitationList(bot.sources)
    vision = _cluster_says(bot, head, 1)
    lists = [c for c in bot.corpus.section(head) if c.block_kind == "list"]
    if not lists:
        return None
    text = render(
        "answer/cluster_examples.md.j2",
        label={"text": named[0].heading, "n": cites.cite(Quote(head, 0))},
        vision=[cites.entry(q) for q in vision],
        examples=[e for c in lists for e in cites.entries(c)],
    ).strip()
    return _structured(question, text, cites)


def _about_source(bot: Bot, question: str, sources: list[Source]) -> Answer | None:
    """The sentences of the post that link to the named sources."""
    cites = CitationList(bot.sources)
    items = [
        {"title": src.title, **cites.entry(q)}
        for src in sources
        for q in bot.corpus.linking_quotes(src)
    ]
    if not items:
        return None
    text = render("answer/about_source.md.j2", items=items).strip()
    return _structured(question, text, cites)


def answer_structure(bot: Bot, question: str, filters: Filters | None) -> Answer | None:
    """An answer from the post's structure, or None when the question is not of that kind."""
    if filters and (filters.sources or filters.kinds or filters.clusters):
        return None
    q = fold(question)
    try:
        defined = _defined_term(bot, question)
        if defined is not None:
            return defined
        if _OPEN_QUESTIONS.search(q):
            return _open_questions(bot, question)
        if _CONTRAST.search(q):
            found = _compare_clusters(bot, question)
            if found is not None:
                return found
        # "In the AI-for-Good cluster's reasoning, why...?" asks inside one cluster.
        if (
            _CLUSTERS.search(q)
            and len(_cluster_named(question, load_debate(bot.settings).clusters)) != 1
        ):
            return _clusters(bot, question)
        if _OUTLINE.search(q):
            return _outline(bot, question)
        if _EXAMPLES.search(q):
            found = _cluster_examples(bot, question)
            if found is not None:
                return found
    except DebatePackError:
        return None
    # "When did X publish its call for...?" wants a date and "Which country would host what X
    # suggested?" a place: neither is what the post says about X.
    # "Brundage's plan mentions level 5 AGI. What are levels 1 to 4?" asks its last sentence.
    asked = fold(last_sentence(question))
    if _ABOUT.search(asked) and not wants_figure(question) and not _NARROW_Q.match(asked):
        named = bot.corpus.mentioned_sources(question)
        if named and len(named) <= 3:
            return _about_source(bot, question, named)
    return None
