"""The LLM answer engine: retrieved passages in, a streamed answer out, every sentence checked.

The model sees the passages as numbered, delimited data; its answer is verified sentence by
sentence in code (bot.answer.verify) before anyone sees it. Whatever goes wrong with the model
(no server, no package, a timeout) becomes the offline engine's answer with a notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.answer.abstain import abstain
from bot.answer.context import AnswerContext
from bot.answer.evidence import find
from bot.answer.extractive import answer_from
from bot.answer.query import Query, Turn
from bot.answer.verify import VerifyReport, verify
from bot.citations import title_of
from bot.models import Answer, Passage
from bot.prompts import phrase, render
from bot.registry import Source
from bot.settings import LLMSettings, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

# A passage must not be able to close its own block ("</passage>"), open a fake one or speak in
# a chat template's voice: our delimiter names in any bracket or spacing, any other tag, and
# special tokens like <|im_start|> are defused.
_TAG = re.compile(
    r"[<＜〈‹]\s*/?\s*(?:passages?|system|user|assistant|instructions?|question|document)\b"
    r"[^<>＜＞〈〉‹›\n]{0,80}[>＞〉›]"
    r"|</?[A-Za-z][^<>\n]{0,80}>|<\|[^|<>\n]{1,30}\|>",
    re.IGNORECASE,
)
_FOOTNOTE = re.compile(r" ?\[\d{1,3}\]")  # a source's own footnote marks would read as ours


class LLMUnavailableError(RuntimeError):
    """The chat model failed while answering (server down, timeout, bad response)."""


@dataclass
class LLMResult:
    """The answer plus what the tests and the evaluation want to inspect."""

    answer: Answer
    report: VerifyReport | None = None


def neutralise(text: str, footnotes: bool = False) -> str:
    """Defuse delimiter look-alikes (and optionally footnote marks) in text put in the prompt."""
    text = _TAG.sub(lambda m: "(" + m.group(0)[1:-1].strip() + ")", text)
    if footnotes:
        text = re.sub(r" +([.,;:])", r"\1", _FOOTNOTE.sub("", text))
    return text


def engine_name(settings: LLMSettings, model: BaseChatModel | None) -> str:
    """'llm:<provider>:<model>' for the answer's `engine` field."""
    provider = settings.provider if settings.provider != "none" else "custom"
    name = settings.model
    if settings.provider == "gguf":
        name = Path(name).name  # the file, not where it lives on the organiser's disk
    if not name and model is not None:
        name = getattr(model, "model_name", None) or getattr(model, "model", None) or ""
        name = name if isinstance(name, str) and name else model._llm_type
    return f"llm:{provider}:{name}"


def build_messages(
    question: str,
    history: list[Turn],
    passages: list[Passage],
    settings: Settings,
    sources: dict[str, Source],
) -> list[BaseMessage]:
    """The system rules and the user message with the passages as numbered data blocks."""
    system = render(
        "answer/llm_system.md.j2",
        k=len(passages),
        max_sentences=settings.answer.max_sentences,
        abstain_phrase=phrase("not_in_reading_list"),
    )
    blocks = [
        {
            "n": n,
            "title": neutralise(title_of(sources, p.chunk.source_id)),
            "section": neutralise(p.chunk.section),
            "text": neutralise(p.chunk.text, footnotes=True),
        }
        for n, p in enumerate(passages, 1)
    ]
    user = render(
        "answer/llm_user.md.j2",
        question=neutralise(question),
        passages=blocks,
        earlier_questions=[neutralise(q) for q, _ in history[-2:]],
    )
    return [SystemMessage(system.strip()), HumanMessage(user.strip())]


def stream_text(
    model: BaseChatModel, messages: list[BaseMessage], on_token: Callable[[str], None] | None
) -> str:
    """Stream the reply, handing each piece to on_token; model failures become one error type."""
    parts: list[str] = []
    try:
        stream = iter(model.stream(messages))
    except Exception as exc:
        raise LLMUnavailableError(_detail(exc)) from exc
    while True:
        try:
            chunk = next(stream)
        except StopIteration:
            break
        except Exception as exc:  # every provider raises its own types
            raise LLMUnavailableError(_detail(exc)) from exc
        piece = str(chunk.text)
        if piece:
            parts.append(piece)
            if on_token is not None:
                on_token(piece)  # a display hint only: the verified answer replaces it
    return "".join(parts)


def _detail(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:197] + "..."


def run_llm(
    query: Query,
    ctx: AnswerContext,
    model: BaseChatModel | None = None,
    on_token: Callable[[str], None] | None = None,
) -> LLMResult:
    """Answer with the configured chat model, keeping only sentences the passages support.

    Returns the verification report with the answer (`.answer`). Whatever goes wrong with the
    model, or if too little of its answer survives the check, the offline engine answers from
    the same retrieval, with a notice.
    """
    from bot.llm import chat_model_for

    settings = ctx.settings
    found = find(query, ctx, settings.retrieval.k)
    passages = found.passages
    engine = engine_name(settings.llm, model)
    if not passages:
        return LLMResult(abstain(query, ctx, [], engine=engine))
    try:
        model = model if model is not None else chat_model_for(settings.llm)
        history = [(q, "") for q in query.earlier]
        messages = build_messages(query.text, history, passages, settings, ctx.sources)
        raw = stream_text(model, messages, on_token)
    except Exception as exc:
        detail = str(exc) if isinstance(exc, LLMUnavailableError) else _detail(exc)
        log.warning("LLM engine unavailable, answering offline: %s", detail)
        offline = answer_from(query, ctx, found)
        offline.notices.append(phrase("llm_unavailable", detail=detail))
        return LLMResult(offline)

    report = verify(raw, passages, ctx.sentence_vectors, ctx.encode, settings.answer, ctx.sources)
    if not report.kept and report.no_answer:
        return LLMResult(abstain(query, ctx, passages, engine=engine), report)
    if len(report.kept) < settings.answer.min_supported:
        offline = answer_from(query, ctx, found)
        offline.notices.append(phrase("llm_fallback"))
        return LLMResult(offline, report)
    answer = Answer(
        question=query.text,
        answer=report.text,
        abstained=False,
        engine=engine,
        citations=report.citations,
        notices=[phrase("sentence_removed") for _ in report.removed],
    )
    return LLMResult(answer, report)


def answer(query: Query, ctx: AnswerContext) -> Answer | None:
    """The LLM engine's answer, when the settings turn it on; otherwise not this strategy."""
    if not ctx.settings.uses_llm:
        return None
    return run_llm(query, ctx).answer
