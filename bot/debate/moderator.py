"""Grounded prompts for the moderator: framing, follow-ups, counter-arguments, bridges, fact-checks.

Every prompt quotes passages that `Bot.search` found and cites them with a `CitationList`, so
what the moderator reads out can be traced to the reading list. The wording comes from the
templates in `prompts/moderator/` through a `PromptWriter`; an LLM writer can take that seam
later (its output would then be checked like an LLM answer), but none is implemented here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

from bot.citations import CitationList, title_of
from bot.debate.evidence import scored_sentences, verdict, weigh
from bot.debate.questions import discussion_prompts, section
from bot.debate.sides import Side, against
from bot.debate.texts import message
from bot.models import Chunk, Citation, Quote
from bot.pack import AgendaItem, OpenQuestion, load_debate
from bot.prompts import phrase, render

if TYPE_CHECKING:
    from bot.service import Bot

log = logging.getLogger(__name__)
Kind = Literal["opening", "followups", "counter", "bridge", "factcheck", "feed"]
NOT_SAID = "not_in_reading_list"
NO_OTHER_SIDE = "counter_none"


class ModeratorPrompt(BaseModel):
    """A prompt as the console shows it and the feed logs it."""

    kind: str
    question_id: str | None = None
    title: str = ""
    text: str = Field(description="Markdown with [n] markers.")
    citations: list[Citation] = Field(default_factory=list)
    verdict: str | None = Field(
        None, description="Fact-check: supports, contradicts or not_in_reading_list."
    )
    engine: str = "template"


class PromptWriter(Protocol):
    """Turns a template name and its grounded material into the prompt's text."""

    name: str

    def write(self, template: str, **values: Any) -> str: ...


class TemplateWriter:
    """The offline writer: the Jinja templates in prompts/moderator/, filled with quotes."""

    name = "template"

    def write(self, template: str, **values: Any) -> str:
        return render(f"moderator/{template}.md.j2", **values).strip()


def writer_for(engine: str) -> PromptWriter:
    """The writer a setting names; 'llm' is a seam for later and falls back to templates."""
    if engine == "llm":
        log.warning("moderator prompts: no LLM writer yet; using the templates")
    return TemplateWriter()


class Moderator:
    """Builds the console's prompts for the debate pack of `bot`."""

    def __init__(self, bot: Bot, writer: PromptWriter | None = None) -> None:
        self.bot = bot
        self.writer = writer or writer_for(bot.settings.debate.prompt_engine)

    # --- helpers ----------------------------------------------------------------------
    @property
    def pack(self):
        return load_debate(self.bot.settings)

    def quote(self, cites: CitationList, quote: Quote) -> dict[str, Any]:
        title = title_of(self.bot.sources, quote.chunk.source_id)
        return {**cites.entry(quote), "title": title}

    def _section(self, q: OpenQuestion) -> tuple[Chunk | None, list[Chunk]]:
        """The question's heading in the post and the chunks under it."""
        return section(self.bot, self.pack.event.post_source, q.heading)

    def _prompt(
        self,
        kind: str,
        qid: str | None,
        title: str,
        template: str,
        cites: CitationList,
        outcome: str | None = None,
        **values: Any,
    ) -> ModeratorPrompt:
        text = self.writer.write(template, **values)
        return ModeratorPrompt(
            kind=kind,
            question_id=qid,
            title=title,
            text=text,
            citations=cites.items,
            verdict=outcome,
            engine=self.writer.name,
        )

    # --- the prompts ------------------------------------------------------------------
    def opening(self, qid: str) -> ModeratorPrompt:
        """Frame an open question: its wording and framing in the post, plus other passages."""
        q = self.pack.question(qid)
        cites = CitationList(self.bot.sources)
        head, body = self._section(q)
        n = cites.cite(Quote(head, 0)) if head and head.sentences else ""
        framing = [
            self.quote(cites, Quote(c, i))
            for c in body[:1]
            for i in range(min(2, len(c.sentences)))
        ]
        own = {c.id for c in body} | ({head.id} if head else set())
        related, seen = [], set()
        for s in scored_sentences(self.bot, " ".join([q.wording, *q.keywords]), k=8):
            if s.quote.chunk.id in own or s.quote.chunk.id in seen:
                continue
            seen.add(s.quote.chunk.id)
            related.append(self.quote(cites, s.quote))
            if len(related) == 2:
                break
        labels = {c.id: c.label for c in self.pack.clusters}
        return self._prompt(
            "opening",
            qid,
            q.label,
            "opening",
            cites,
            label=q.label,
            heading=q.heading,
            n=n,
            framing=framing,
            related=related,
            clusters=[labels[c] for c in q.clusters],
            panel_question=next(iter(discussion_prompts(self.bot, qid)), ""),
        )

    def followups(self, qid: str, count: int = 3, skip: int = 0) -> ModeratorPrompt:
        """Follow-up questions, each on a passage from a different part of the reading list."""
        q = self.pack.question(qid)
        cites = CitationList(self.bot.sources)
        items, sections = [], set()
        for s in scored_sentences(self.bot, " ".join([q.wording, *q.keywords]), k=10):
            where = (s.quote.chunk.source_id, s.quote.chunk.section)
            if where in sections or len(s.quote.text) < 40 or s.quote.text.endswith("?"):
                continue
            sections.add(where)
            if len(sections) <= skip:
                continue
            items.append(self.quote(cites, s.quote))
            if len(items) == count:
                break
        return self._prompt(
            "followups", qid, q.label, "followups", cites, label=q.label, items=items
        )

    def counter(self, view: str, qid: str | None = None) -> ModeratorPrompt:
        """The other side of a view: passages that argue against it, each with the cue that
        sets it against the view (bot/debate/sides.py); never a restatement of the view."""
        view = " ".join(view.split())
        cites = CitationList(self.bot.sources)
        context = self.pack.question(qid).wording if qid else ""
        items = [self._side(cites, s) for s in against(self.bot, view, context=context)]
        if not items:
            return ModeratorPrompt(
                kind="counter",
                question_id=qid,
                title=view,
                text=message(NO_OTHER_SIDE),
                verdict=NOT_SAID,
                engine=self.writer.name,
            )
        return self._prompt("counter", qid, view, "counter", cites, view=view, items=items)

    def _side(self, cites: CitationList, side: Side) -> dict[str, Any]:
        """A quoted passage with the cue that puts it on its side, for a template."""
        return {**self.quote(cites, side.quote), "cue": side.cue, "clause": side.reading.clause}

    def bridge(self, current: AgendaItem | None, upcoming: AgendaItem | None) -> ModeratorPrompt:
        """Move from one agenda item to the next, citing the next question's wording."""
        cites = CitationList(self.bot.sources)
        next_heading, next_n, link = "", "", None
        if upcoming is not None and upcoming.kind == "open_question" and upcoming.question:
            q = self.pack.question(upcoming.question)
            head, _ = self._section(q)
            if head is not None and head.sentences:
                next_heading, next_n = q.heading, cites.cite(Quote(head, 0))
        query = " ".join(i.title for i in (current, upcoming) if i is not None)
        for s in scored_sentences(self.bot, query, k=6)[:1]:
            link = self.quote(cites, s.quote)
        return self._prompt(
            "bridge",
            upcoming.question if upcoming else None,
            upcoming.title if upcoming else "",
            "bridge",
            cites,
            current=current.title if current else "",
            next_title=upcoming.title if upcoming else "",
            next_heading=next_heading,
            next_n=next_n,
            link=link,
        )

    def factcheck(self, claim: str) -> ModeratorPrompt:
        """Passages that support or contradict a claim, or 'the reading list does not say'."""
        claim = " ".join(claim.split())
        cites = CitationList(self.bot.sources)
        evidence = weigh(self.bot, claim)
        outcome = verdict(evidence) or NOT_SAID
        return self._prompt(
            "factcheck",
            None,
            claim,
            "factcheck",
            cites,
            outcome=outcome,
            verdict=outcome,
            claim=claim,
            not_said=phrase(NOT_SAID),
            supports=[self._side(cites, e) for e in evidence if e.side == "for"],
            contradicts=[self._side(cites, e) for e in evidence if e.side == "against"],
        )
