"""Questions about the debate itself, answered from the pack's structure, still with citations.

"What are the open questions?", "list the clusters", "what did the post say about <a linked
source>?", "what does <acronym> stand for?": these have exact answers in the post's headings,
lists and links, which similarity search would only approximate. Which headings are the open
questions and the clusters, and what attendees call them, is the pack's data (debate.yaml,
lexicon.yaml), never this module's.
"""

from __future__ import annotations

import re

from bot.answer.context import AnswerContext
from bot.answer.features import leads_in
from bot.answer.query import Query
from bot.citations import CitationList
from bot.models import Answer, Chunk, Quote
from bot.pack import ClusterInfo, DebatePack, OpenQuestion
from bot.prompts import render
from bot.registry import Source
from bot.retrieve.text import fold

COMPARE_SENTENCES = 3  # per cluster compared: its vision and the start of its rationale
_COUNTS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"
)  # fmt: skip
_LAST = "last|final|closing|concluding"

_OPEN_QUESTIONS = (
    r"\b(open|discussion|key|debate'?s?)\s+questions?\b|\bquestions?\s+(for|of|in)\s+the\s+"
    r"(debate|discussion|post|blog)|\bwhat\s+will\s+the\s+debate\s+(discuss|cover|be\s+about)"
    r"|\bwhat\s+(questions|issues|topics)\b.{{0,40}}\b(debate|discuss|tackle)"
    r"|\b{count}\s+questions\b"
)
_CLUSTERS = (
    r"\bclusters?\b|\b{count}\s+(groups|categories|families|kinds|types|visions|camps|schools|"
    r"strands)\b|\b(groups|categories|kinds|types)\s+of\s+(the\s+)?({topic}\s+)?proposals\b"
)
# "Which of the four clusters ...?" picks one: the list of all of them does not answer it.
_PICKS_ONE = (
    r"\b(which|what)\s+(one\s+)?(of\s+(the|these|those|its|their)\s+)?(\w+\s+)?"
    r"(clusters?|camps?|groups?|categor(y|ies)|famil(y|ies))\b"
)
_OUTLINE = re.compile(
    r"\bhow\s+is\s+(the|this)\s+(post|blog|article)\s+(organi[sz]ed|structured|laid\s+out)"
    r"|\b(outline|structure|sections)\s+of\s+(the|this)\s+(post|blog|article)"
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


def _count_word(n: int) -> str:
    return rf"(?:{n}|{_COUNTS[n]})" if n < len(_COUNTS) else str(n)


def _structured(query: Query, text: str, cites: CitationList) -> Answer:
    return Answer(
        question=query.text, answer=text, abstained=False, engine="structure", citations=cites.items
    )


def _heading(ctx: AnswerContext, debate: DebatePack, text: str) -> Chunk | None:
    return ctx.corpus.heading(debate.event.post_source, text)


def _one_question(text: str, debate: DebatePack, bare: bool) -> list[OpenQuestion]:
    """The open question a text names by its id: "question (b)", or "question q2" (a bare
    one-letter id only where the text is already about the open questions: "point a" is
    otherwise just English)."""
    folded = fold(text)
    for q in debate.open_questions:
        qid = re.escape(fold(q.id))
        bracketed = rf"\b(question|point)\s+\(\s*{qid}\s*\)"
        plain = rf"\b(question|point)\s+{qid}(?:\W|$)"
        if re.search(bracketed, folded) or ((bare or len(q.id) > 1) and re.search(plain, folded)):
            return [q]
    return []


def _by_position(text: str, debate: DebatePack) -> list[OpenQuestion]:
    """The open question a text names by its place in the list: "the second discussion
    question", "the last of the open questions" ("my first question" is just English)."""
    count = len(debate.open_questions)
    if not count:  # an empty list of ordinals would match before any "open question"
        return []
    words = "|".join(_ORDINALS[:count])
    place = re.search(
        rf"\b({words}|{_LAST})\s+(?:open|discussion|debate|key)\s+question\b"
        rf"|\b({words}|{_LAST})\s+(?:one\s+)?of\s+the\s+(?:\w+\s+){{0,2}}questions\b",
        fold(text),
    )
    if place is None:
        return []
    word = place.group(1) or place.group(2)
    return [debate.open_questions[_ORDINALS.index(word) if word in _ORDINALS else count - 1]]


def _open_questions(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    wanted = _one_question(query.text, debate, bare=True) or _by_position(query.text, debate)
    cites = CitationList(ctx.sources)
    items = []
    for q in wanted or debate.open_questions:
        head = _heading(ctx, debate, q.heading)
        if head is None:
            return None
        entry = {"label": q.heading, "n": cites.cite(Quote(head, 0)), "detail": []}
        if wanted:
            body = ctx.corpus.first_after(head)
            if body is not None:
                entry["detail"] = cites.entries(body, limit=3)
        items.append(entry)
    text = render("answer/open_questions.md.j2", items=items, count=len(items)).strip()
    return _structured(query, text, cites)


def _cluster_says(ctx: AnswerContext, head: Chunk, limit: int) -> list[Quote]:
    """A cluster's own first sentences under its heading: its vision, then its rationale.

    A sentence that only introduces a list ("Examples:") is left out, as the list is.
    """
    said = [
        q for c in ctx.corpus.section(head) if c.block_kind != "list" for q in ctx.corpus.quotes(c)
    ]
    return [q for q in said if not leads_in(q.text)][:limit]


def _clusters(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    post = debate.event.post_source
    cites = CitationList(ctx.sources)
    items = []
    for cl in debate.clusters:
        head = _heading(ctx, debate, cl.heading)
        if head is None:
            return None
        label = {"label": cl.heading, "n": cites.cite(Quote(head, 0))}
        # Its vision and the first sentence of its rationale: what it wants, and why.
        items.append({**label, "detail": [cites.entry(q) for q in _cluster_says(ctx, head, 2)]})
    first = _heading(ctx, debate, debate.clusters[0].heading)
    lead = ctx.corpus.sentences_mentioning(post, "cluster", before=first)
    text = render(
        "answer/clusters.md.j2",
        items=items,
        count=len(items),
        lead=[cites.entry(q) for q in lead[:1]],
    ).strip()
    return _structured(query, text, cites)


def _outline(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    """How the post is organised: its own sentences about its sections, then its headings."""
    post = debate.event.post_source
    cites = CitationList(ctx.sources)
    tops = ctx.corpus.headings(post, depth=1)
    if not tops:
        return None
    lead = ctx.corpus.sentences_mentioning(post, "section", before=tops[0])
    text = render(
        "answer/outline.md.j2",
        lead=[cites.entry(q) for q in lead],
        sections=[{"label": c.text, "n": cites.cite(Quote(c, 0))} for c in tops],
    ).strip()
    return _structured(query, text, cites)


def clusters_named(text: str, clusters: list[ClusterInfo]) -> list[ClusterInfo]:
    """Clusters the text calls by one of their names (the pack's aliases, or their label);
    hyphens are spaces ("AI-for-Good" is "AI for Good")."""
    folded = fold(text).replace("-", " ")
    found = []
    for cl in clusters:
        for name in [*cl.aliases, cl.label]:
            word = fold(name).replace("-", " ").strip()
            if word and re.search(r"(?<!\w)" + re.escape(word), folded):
                found.append(cl)
                break
    return found


def _compare_clusters(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    """Two or more named clusters side by side: each one's vision and rationale, as written."""
    named = clusters_named(query.text, debate.clusters)
    if len(named) < 2:
        return None
    cites = CitationList(ctx.sources)
    items = []
    for cl in named:
        head = _heading(ctx, debate, cl.heading)
        if head is None:
            return None
        said = _cluster_says(ctx, head, COMPARE_SENTENCES)
        label = {"label": cl.heading, "n": cites.cite(Quote(head, 0))}
        items.append({**label, "detail": [cites.entry(q) for q in said]})
    text = render("answer/cluster_comparison.md.j2", items=items).strip()
    return _structured(query, text, cites)


def _cluster_examples(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    """A cluster's vision and its listed examples, as the post gives them."""
    named = clusters_named(query.text, debate.clusters)
    if len(named) != 1:
        return None
    head = _heading(ctx, debate, named[0].heading)
    if head is None:
        return None
    lists = [c for c in ctx.corpus.section(head) if c.block_kind == "list"]
    if not lists:
        return None
    cites = CitationList(ctx.sources)
    text = render(
        "answer/cluster_examples.md.j2",
        label={"text": named[0].heading, "n": cites.cite(Quote(head, 0))},
        vision=[cites.entry(q) for q in _cluster_says(ctx, head, 1)],
        examples=[e for c in lists for e in cites.entries(c)],
    ).strip()
    return _structured(query, text, cites)


def _defined_term(query: Query, ctx: AnswerContext) -> Answer | None:
    """An acronym the question asks about, where a source spells it out: "... Resource (AIRR)"."""
    for acronym in dict.fromkeys(m.group(1) for m in _ACRONYM.finditer(query.text)):
        a = re.escape(fold(acronym))
        if not re.search(_DEFINE_Q.format(a=a), fold(query.text)):
            continue
        quotes = ctx.corpus.defined_terms.get(acronym)
        if quotes:
            cites = CitationList(ctx.sources)
            text = render("answer/defined.md.j2", term=acronym, first=cites.entry(quotes[0]))
            return _structured(query, text.strip(), cites)
    return None


def _about_sources(query: Query, ctx: AnswerContext, sources: list[Source]) -> Answer | None:
    """The sentences of the post that link to the named sources."""
    cites = CitationList(ctx.sources)
    items = [
        {"title": src.title, **cites.entry(q)}
        for src in sources
        for q in ctx.corpus.linking_quotes(src)
    ]
    if not items:
        return None
    text = render("answer/about_source.md.j2", items=items).strip()
    return _structured(query, text, cites)


def _pack_answer(query: Query, ctx: AnswerContext, debate: DebatePack) -> Answer | None:
    """Answers from the debate's own structure: its open questions, clusters and sections."""
    q = fold(query.text)
    count_q = _count_word(len(debate.open_questions))
    if re.search(_OPEN_QUESTIONS.format(count=count_q), q) or _one_question(q, debate, False):
        return _open_questions(query, ctx, debate)
    if _CONTRAST.search(q):
        found = _compare_clusters(query, ctx, debate)
        if found is not None:
            return found
    topic = "|".join(re.escape(fold(t)) for t in ctx.lexicon.topic) or r"(?!x)x"
    clusters_q = _CLUSTERS.format(count=_count_word(len(debate.clusters)), topic=f"(?:{topic})")
    # "In the AI-for-Good cluster's reasoning, why...?" asks inside one cluster.
    if (
        re.search(clusters_q, q)
        and not re.search(_PICKS_ONE, q)
        and len(clusters_named(query.text, debate.clusters)) != 1
    ):
        return _clusters(query, ctx, debate)
    if _OUTLINE.search(q):
        return _outline(query, ctx, debate)
    if _EXAMPLES.search(q):
        return _cluster_examples(query, ctx, debate)
    return None


def answer(query: Query, ctx: AnswerContext) -> Answer | None:
    """An answer from the pack's structure, or None when the question is not of that kind."""
    f = query.filters
    if f and (f.sources or f.kinds or f.clusters):
        return None
    defined = _defined_term(query, ctx)
    if defined is not None:
        return defined
    if ctx.debate is not None:
        found = _pack_answer(query, ctx, ctx.debate)
        if found is not None:
            return found
    # "When did X publish its call for...?" wants a date and "Which country would host what X
    # suggested?" a place: neither is what the post says about X.
    asked = fold(query.asked)
    if _ABOUT.search(asked) and not query.wants.figure and not _NARROW_Q.match(asked):
        named = ctx.corpus.mentioned_sources(query.asked)
        if named and len(named) <= 3:
            return _about_sources(query, ctx, named)
    return None
