"""A short self-check quiz built from the sources, different for every attendee (by seed).

Two kinds of question, both answerable only from the post and each revealing its cited passage:
in which cluster the post lists a proposal (from the cluster lists of section 2), and which
figure fills a gap in one of the post's sentences (the other choices are figures the post
gives elsewhere, so no number is made up).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from bot.brief.base import Citer, Line, display_name, text
from bot.models import Citation, Quote
from bot.pack import load_debate
from bot.registry import Kind

if TYPE_CHECKING:
    from bot.service import Bot

CHOICES = 4
MIN_WORDS = 8
# A figure: a number not glued to a word, a time, a range or a version (5-4-5, 18:30).
FIGURE = re.compile(r"(?<![\w\-:’'.])(\d{1,3}(?:[’',]\d{3})+|\d+(?:\.\d+)?)(?![\w\-:’']|\.\d)")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")


ClusterEntry = tuple[str, str, Quote, Quote]
FigureEntry = tuple[Quote, re.Match[str]]


@dataclass
class QuizItem:
    kind: str  # "cluster" | "figure"
    prompt: str
    choices: list[str]
    answer: str
    evidence: list[Line]  # the cited passage the answer comes from


@dataclass
class Quiz:
    seed: int
    items: list[QuizItem] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)


def _cluster_pool(bot: Bot) -> list[ClusterEntry]:
    """(name, cluster label, heading quote, list-item quote) for every listed proposal."""
    debate = load_debate(bot.settings)
    heads = {
        cl.label: bot.corpus.heading(debate.event.post_source, cl.heading) for cl in debate.clusters
    }
    names = [display_name(s) for s in bot.registry]
    pool = []
    for src in bot.registry:
        if src.kind not in (Kind.proposal, Kind.existing_project):
            continue
        name = display_name(src)
        if names.count(name) > 1 and src.date:
            name = f"{name} ({src.date})"
        for q in bot.corpus.linking_quotes(src):
            for label, head in heads.items():
                if head is not None and head.text in q.chunk.heading_path:
                    pool.append((name, label, Quote(head, 0), q))
    return pool


def _figure_pool(bot: Bot) -> list[FigureEntry]:
    """Every figure in a sentence of the post (headings aside)."""
    post = load_debate(bot.settings).event.post_source
    pool = []
    for c in bot.corpus.chunks_of(post):
        if c.block_kind == "heading":
            continue
        for i in range(len(c.sentences)):
            q = Quote(c, i)
            if len(q.text.split()) >= MIN_WORDS:  # too short a sentence gives no context
                pool += [(q, m) for m in FIGURE.finditer(q.text)]
    return pool


def _distractors(rng: random.Random, answer: str, figures: list[str]) -> list[str]:
    """Other figures of the post, years for a year and non-years otherwise."""
    same = [f for f in dict.fromkeys(figures) if f != answer]
    kind = [f for f in same if bool(_YEAR.match(f)) == bool(_YEAR.match(answer))]
    pick = kind if len(kind) >= CHOICES - 1 else same
    return rng.sample(pick, min(CHOICES - 1, len(pick)))


def _cluster_item(citer: Citer, rng: random.Random, labels: list[str], e: ClusterEntry) -> QuizItem:
    name, label, head, item = e
    choices = rng.sample(labels, len(labels))
    prompt = text("quiz_cluster_prompt", name=name)
    return QuizItem("cluster", prompt, choices, label, [citer.line(head), citer.line(item)])


def _figure_item(
    citer: Citer, rng: random.Random, figures: list[FigureEntry], e: FigureEntry
) -> QuizItem:
    q, m = e
    masked = q.text[: m.start()] + text("quiz_gap") + q.text[m.end() :]
    answer = m.group(1)
    choices = [answer, *_distractors(rng, answer, [f.group(1) for _, f in figures])]
    rng.shuffle(choices)
    prompt = text("quiz_figure_prompt", masked=masked)
    return QuizItem("figure", prompt, choices, answer, [citer.line(q)])


def make_quiz(bot: Bot, seed: int, n: int = 6) -> Quiz:
    """A quiz of n questions drawn by `seed`; the same seed gives the same quiz."""
    rng = random.Random(seed)
    citer = Citer(bot)
    clusters, figures = _cluster_pool(bot), _figure_pool(bot)
    labels = [cl.label for cl in load_debate(bot.settings).clusters]
    n_cluster = min(len(clusters), n // 2)
    makers: list[Callable[[], QuizItem]] = [
        partial(_cluster_item, citer, rng, labels, e) for e in rng.sample(clusters, n_cluster)
    ]
    makers += [
        partial(_figure_item, citer, rng, figures, e)
        for e in rng.sample(figures, min(len(figures), n - n_cluster))
    ]
    rng.shuffle(makers)
    quiz = Quiz(seed, [make() for make in makers])
    quiz.citations = citer.cites.items
    return quiz


def check(item: QuizItem, given: str | None) -> str:
    """What to say about an attendee's answer."""
    if not given:
        return text("quiz_unanswered", answer=item.answer)
    return text("quiz_correct") if given == item.answer else text("quiz_wrong", answer=item.answer)
