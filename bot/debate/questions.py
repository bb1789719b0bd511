"""The five open questions as briefs: cited wording, the post's framing, related passages, prompts.

The app's Open questions tab, its `/open_questions` API and the chat's "next question" all come
from here, so they show the same words with the same citations.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bot.citations import CitationList
from bot.models import Answer, Chunk, Citation, Quote
from bot.pack import OpenQuestion, load_debate
from bot.prompts import phrase, render
from bot.retrieve.text import tokenize

if TYPE_CHECKING:
    from bot.service import Bot

POSED_PREFIX = "open-question:"
MAX_FRAMING = 8
MAX_RELATED = 3

_NEXT = re.compile(
    r"^\s*(please\s+)?(pose|ask|give|show)?\s*(me\s+)?(the\s+)?next(\s+open)?\s+question\W*$", re.I
)
_POSE_ONE = re.compile(r"^\s*(pose|discuss)\s+(the\s+)?open\s+question\s+\(?(\w{1,8})\)?\W*$", re.I)


class ClusterRef(BaseModel):
    id: str
    label: str


class OpenQuestionBrief(BaseModel):
    """One open question with everything the app shows about it."""

    id: str
    position: int
    heading: str = Field(description="The post's exact heading.")
    wording: str
    label: str
    citation: Citation | None = Field(None, description="The heading in the post, as [1].")
    framing: list[Citation] = Field(default_factory=list, description="Sentences under it.")
    related: list[Citation] = Field(default_factory=list, description="Passages bearing on it.")
    clusters: list[ClusterRef] = Field(default_factory=list)
    prompts: list[str] = Field(default_factory=list, description="Discussion prompts (ours).")

    @property
    def citations(self) -> list[Citation]:
        head = [self.citation] if self.citation else []
        return [*head, *self.framing, *self.related]


def discussion_prompts(bot: Bot, qid: str) -> list[str]:
    """The pack's discussion prompts for an open question (its debate.yaml `prompts`)."""
    return list(load_debate(bot.settings).question(qid).prompts)


def section(bot: Bot, post: str, heading: str) -> tuple[Chunk | None, list[Chunk]]:
    """The heading chunk of a question and the chunks under it, in reading order."""
    head = bot.corpus.heading(post, heading)
    return (head, bot.corpus.section(head)) if head is not None else (None, [])


def _best_sentence(chunk: Chunk, tokens: set[str]) -> int:
    scores = [len(tokens & set(tokenize(chunk.text[a:b]))) for a, b in chunk.sentences]
    return max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else 0


def _build(bot: Bot, q: OpenQuestion, position: int) -> OpenQuestionBrief:
    debate = load_debate(bot.settings)
    cites = CitationList(bot.sources)
    head, body = section(bot, debate.event.post_source, q.heading)
    citation = cites.citation(Quote(head, 0)) if head and head.sentences else None
    framing = []
    for chunk in body:
        for i in range(len(chunk.sentences)):
            if len(framing) < MAX_FRAMING:
                framing.append(cites.citation(Quote(chunk, i)))
    own = {c.id for c in body} | ({head.id} if head else set())
    query = " ".join([q.wording, *q.keywords])
    tokens = set(tokenize(query))
    related = []
    for p in bot.search(query, k=MAX_RELATED + len(own) + 2):
        if p.chunk.id in own or p.chunk.block_kind == "heading" or not p.chunk.sentences:
            continue
        quote = Quote(p.chunk, _best_sentence(p.chunk, tokens))
        related.append(cites.citation(quote))
        if len(related) == MAX_RELATED:
            break
    labels = {c.id: c.label for c in debate.clusters}
    return OpenQuestionBrief(
        id=q.id,
        position=position,
        heading=q.heading,
        wording=q.wording,
        label=q.label,
        citation=citation,
        framing=framing,
        related=related,
        clusters=[ClusterRef(id=c, label=labels[c]) for c in q.clusters],
        prompts=list(q.prompts),
    )


_CACHE: dict[tuple[int, str, str], OpenQuestionBrief] = {}
_CACHE_LOCK = threading.Lock()


def open_question_brief(bot: Bot, qid: str) -> OpenQuestionBrief:
    """One question's brief (cached until the index is rebuilt)."""
    debate = load_debate(bot.settings)
    q = debate.question(qid)
    key = (id(bot), bot.version, qid)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    position = [x.id for x in debate.open_questions].index(qid) + 1
    brief = _build(bot, q, position)
    with _CACHE_LOCK:
        _CACHE[key] = brief
    return brief


def open_question_briefs(bot: Bot) -> list[OpenQuestionBrief]:
    """All the open questions, in the post's order."""
    return [open_question_brief(bot, q.id) for q in load_debate(bot.settings).open_questions]


def pose_question(bot: Bot, qid: str, asked: str) -> Answer:
    """The bot poses one open question in the chat: cited wording, framing, a prompt for a view."""
    brief = open_question_brief(bot, qid)
    total = len(load_debate(bot.settings).open_questions)
    framing = [{"text": c.quote, "n": c.n} for c in brief.framing[:4]]
    text = render(
        "debate/pose.md.j2",
        position=brief.position,
        total=total,
        heading=brief.heading,
        n=brief.citation.n if brief.citation else "",
        framing=framing,
        clusters=[c.label for c in brief.clusters],
        prompt=brief.prompts[0] if brief.prompts else "",
    ).strip()
    cites = [brief.citation, *brief.framing[:4]] if brief.citation else brief.framing[:4]
    return Answer(
        id=POSED_PREFIX + qid,
        question=asked,
        answer=text,
        abstained=False,
        engine="structure",
        citations=cites,
    )


def next_question_id(bot: Bot, posed: list[str]) -> str | None:
    """The question after the last one posed; None once all of them have been."""
    order = [q.id for q in load_debate(bot.settings).open_questions]
    last = posed[-1] if posed else None
    if last is None or last not in order:
        return order[0]
    i = order.index(last)
    return order[i + 1] if i + 1 < len(order) else None


def chat_command(bot: Bot, text: str, answer_ids: list[str | None]) -> Answer | None:
    """Answer "next question" / "pose open question c" in the chat; None for other messages."""
    posed = [a[len(POSED_PREFIX) :] for a in answer_ids if a and a.startswith(POSED_PREFIX)]
    one = _POSE_ONE.match(text)
    ids = {q.id.lower(): q.id for q in load_debate(bot.settings).open_questions}
    if one and one.group(3).lower() in ids:
        return pose_question(bot, ids[one.group(3).lower()], text)
    if not _NEXT.match(text):
        return None
    qid = next_question_id(bot, posed)
    if qid is None:
        return Answer(
            id=POSED_PREFIX + "done",
            question=text,
            answer=phrase(
                "all_questions_posed", count=len(load_debate(bot.settings).open_questions)
            ),
            abstained=False,
            engine="structure",
        )
    return pose_question(bot, qid, text)
