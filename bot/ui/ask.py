"""The Ask tab: a chat over `conversation.reply`, kept in the browser with its citations.

An answer arrives whole (the engine computes it whole; replaying it piece by piece only held a
worker), and the page then scrolls to its first line, not to the end of its sources.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from bot.brief.base import status
from bot.conversation import ConversationTurn, dump_turns, load_turns, reply, to_markdown
from bot.feedback import Vote
from bot.models import Answer
from bot.prompts import phrase
from bot.service import Bot
from bot.settings import Settings
from bot.ui.context import UIContext, text, text_list
from bot.ui.identity import client_of
from bot.ui.limits import FEEDBACK
from bot.ui.reading_list import indexed_choices
from bot.ui.render import answer_html, escape_inline, user_html
from bot.ui.theme import SCROLL_TO_ANSWER_JS

log = logging.getLogger(__name__)

STORAGE_KEY = "debatebot-conversation"
EXPORT_DIR = Path(tempfile.gettempdir()) / "debatebot-exports"  # Gradio may serve the temp dir
EXPORT_KEEP_S = 86_400  # a day is plenty to click "download"
SWEEP_EVERY_S = 3_600
_next_sweep = 0.0


def source_pages(ctx: UIContext) -> dict[str, str]:
    """Each source's page for a person to read, for the titles in the source panel."""
    return {s.id: s.human_url for s in ctx.bot.registry}


def chat_messages(
    turns: list[ConversationTurn], pages: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The Chatbot's messages: a user and an assistant message per turn."""
    out: list[dict[str, str]] = []
    for t in turns:
        out.append({"role": "user", "content": user_html(t.question)})
        out.append({"role": "assistant", "content": answer_html(t.answer, pages)})
    return out


def vote_of(liked: Any) -> Vote:
    """Gradio's like payload (True/False, or the option's name) as a stored vote."""
    if liked is True or liked == "Like":
        return "up"
    if liked is False or liked == "Dislike":
        return "down"
    return "clear"


def status_line(ctx: UIContext) -> str:
    """Which engine answers and when the index was built."""
    s = ctx.settings
    if s.uses_llm:
        engine = text("engine_llm", model=s.llm.model, provider=s.llm.provider)
    else:
        engine = text("engine_offline")
    try:
        info = ctx.bot.store.info
        built = info.get("built_at", "")
        when = datetime.fromisoformat(built).strftime("%Y-%m-%d %H:%M UTC") if built else "?"
        return text("status", engine=engine, built_at=when, count=ctx.bot.store.count())
    except Exception as exc:  # the store may be missing or unreachable at start
        return text("status_unknown", detail=escape_inline(str(exc)))


def browser_secret(settings: Settings) -> str:
    """The key that encrypts conversations in browsers, kept so they survive a server restart."""
    path = settings.data_dir / "browser-state.key"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
    except OSError:  # a read-only data folder: conversations then last as long as the process
        return secrets.token_urlsafe(32)


def sweep_exports() -> None:
    """Delete exports older than a day; runs at most once an hour, not on every message."""
    global _next_sweep
    now = time.time()
    if now < _next_sweep:
        return
    _next_sweep = now + SWEEP_EVERY_S
    for old in EXPORT_DIR.glob("conversation-*.md"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < now - EXPORT_KEEP_S:
                old.unlink()


def export_file(markdown: str) -> str:
    """Write the export where Gradio may serve it from; return its path."""
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    sweep_exports()
    path = EXPORT_DIR / f"conversation-{uuid.uuid4().hex[:12]}.md"
    path.write_text(markdown, encoding="utf-8")
    return str(path)


def _exports(turns: list[ConversationTurn]) -> tuple[str, Any]:
    if not turns:
        return "", gr.DownloadButton(value=None, interactive=False)
    md = to_markdown(turns, title=text("app_title"))
    return md, gr.DownloadButton(value=export_file(md), interactive=True)


def unquotable(bot: Bot, question: str, source_id: str) -> Answer | None:
    """A plain refusal when answers are restricted to a source the bot has no passages of."""
    chosen = bot.sources.get(source_id) if source_id else None
    if chosen is None or status(bot, chosen) == "indexed":
        return None
    reason = text("filter_not_indexed", title=chosen.title)
    return Answer(question=question, answer=reason, abstained=True, engine="none")


def say_when_empty(bot: Bot, answer: Answer, source_id: str) -> Answer:
    """An abstention inside one source with no passage at all says so, not "listed below"."""
    chosen = bot.sources.get(source_id) if source_id else None
    if chosen and answer.abstained and not answer.related and answer.engine != "none":
        answer.answer = text("filter_no_passages", title=chosen.title)
    return answer


def _safe_reply(ctx: UIContext, question: str, turns: list[ConversationTurn], src: str) -> Answer:
    refused = unquotable(ctx.bot, question, src)
    if refused is not None:
        return refused
    try:
        answer = reply(ctx.bot, question, turns, source_id=src or None)
    except Exception:
        log.exception("answering failed")
        return Answer(question=question, answer=phrase("ui_error"), abstained=True, engine="none")
    return say_when_empty(ctx.bot, answer, src)


def _pending(question: str) -> list[dict[str, str]]:
    waiting = text("thinking")
    return [
        {"role": "user", "content": user_html(question)},
        {"role": "assistant", "content": f'<p class="db-pending">{escape_inline(waiting)}</p>'},
    ]


def build_tab(ctx: UIContext, audience_slot: Callable[[UIContext], None] | None = None) -> None:
    """Lay out the Ask tab and wire its events (every answer comes from conversation.reply).

    Top to bottom: the question box and its actions (first in tab order, in view on a phone),
    the audience slot (send a question to the moderator, the live list), the chat, then the
    folds for one-source answers, the export and what runs behind the bot.
    """
    pages = source_pages(ctx)
    with gr.Column(elem_id="db-ask-top"):
        question = gr.Textbox(
            label=text("question_label"),
            placeholder=text("question_placeholder"),
            elem_id="db-question",
            submit_btn=text("send"),
            lines=1,
            max_lines=6,
            autofocus=False,
        )
        with gr.Row(elem_classes="db-ask-actions"):
            pose = gr.Button(text("pose_next"), elem_id="db-pose-next", size="sm")
            clear = gr.Button(text("clear"), elem_id="db-clear", size="sm", variant="secondary")
        filter_note = gr.Markdown(elem_id="db-filter-note")
    if audience_slot is not None:
        with gr.Accordion(text("send_box"), open=False, elem_id="db-audience-slot"):
            audience_slot(ctx)
    chatbot = gr.Chatbot(
        label=text("chat_label"),
        show_label=False,
        elem_id="db-chat",
        height="58vh",
        min_height=300,
        autoscroll=False,
        latex_delimiters=[],
        placeholder=text("chat_placeholder"),
        examples=[{"text": s} for s in text_list("starters")],
        buttons=["copy_all"],
        feedback_options=("Like", "Dislike"),
        layout="panel",
    )
    with gr.Accordion(text("source_accordion"), open=False, elem_id="db-source-box"):
        source = gr.Dropdown(
            choices=[(text("source_all"), "")],
            value="",
            label=text("source_filter"),
            elem_id="db-source",
        )
    with gr.Accordion(text("export_accordion"), open=False):
        export = gr.Textbox(
            label=text("export_label"), lines=8, max_lines=20, buttons=["copy"], elem_id="db-export"
        )
        download = gr.DownloadButton(
            text("download"), value=None, interactive=False, elem_id="db-download"
        )
    with gr.Accordion(text("about_accordion"), open=False, elem_id="db-about"):
        status_box = gr.Markdown(elem_id="db-status")
    turns_store = gr.BrowserState([], storage_key=STORAGE_KEY, secret=browser_secret(ctx.settings))
    ctx.question, ctx.source = question, source

    def respond(message: str, raw: Any, src: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        turns = load_turns(raw)
        shown = chat_messages(turns, pages)
        if not (message or "").strip():
            gr.Info(phrase("empty_question"))
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        yield [*shown, *_pending(message)], gr.skip(), "", gr.skip(), gr.skip()
        answer = _safe_reply(ctx, message, turns, src)  # whole: no cosmetic streaming
        # Kept under an id of the server's, so a thumb can name it (and only its attendee's).
        kept = ctx.feedback.remember(answer, client_of(request).key)
        turns.append(ConversationTurn(question=message, answer=answer, answer_id=kept))
        md, file = _exports(turns)
        yield chat_messages(turns, pages), dump_turns(turns), gr.skip(), md, file

    chain_io = {
        "inputs": [question, turns_store, source],
        "outputs": [chatbot, turns_store, question, export, download],
    }
    scroll = {"fn": None, "js": SCROLL_TO_ANSWER_JS, "queue": False, "api_visibility": "private"}

    def chat_chain(dep: Any) -> Any:
        answered = dep.then(respond, **chain_io, api_visibility="private", concurrency_id="answer")
        return answered.then(**scroll)

    ctx.chat_chain = chat_chain
    question.submit(respond, **chain_io, api_visibility="private", concurrency_id="answer").then(
        **scroll
    )
    ctx.send_to_chat(pose.click, text("pose_next"))

    def starter(evt: gr.SelectData) -> str:
        value = evt.value if isinstance(evt.value, dict) else {}
        return str(value.get("text", ""))

    chat_chain(
        chatbot.example_select(starter, None, [question], queue=False, api_visibility="private")
    )

    def restore(raw: Any) -> tuple[Any, ...]:
        turns = load_turns(raw)
        md, file = _exports(turns)
        items, others = indexed_choices(ctx.bot)
        choices = gr.Dropdown(
            choices=[(text("source_all"), ""), *items],
            info=text("source_info", others=others) if others else None,
        )
        return chat_messages(turns, pages), md, file, status_line(ctx), choices

    def forget() -> tuple[Any, ...]:
        return [], [], *_exports([])

    def on_like(raw: Any, data: gr.LikeData, request: gr.Request) -> None:
        turns = load_turns(raw)
        index = data.index if isinstance(data.index, int) else data.index[0]
        if isinstance(index, int) and 0 <= index // 2 < len(turns):
            # Only the answer's id comes from the browser; the server checks it gave that
            # answer to this attendee and records the answer it stored.
            answer_id = turns[index // 2].answer_id
            ctx.feedback.record(answer_id, client_of(request).key, vote_of(data.liked))

    def note(src: str) -> str:
        chosen = ctx.bot.sources.get(src) if src else None
        return text("filter_active", title=escape_inline(chosen.title)) if chosen else ""

    assert ctx.demo is not None
    quick = {"api_visibility": "private", "queue": False}
    ctx.demo.load(
        restore, [turns_store], [chatbot, export, download, status_box, source], **quick
    ).then(**scroll)
    # One "new conversation": the button and the chat's own trash icon both empty the copy
    # kept in the browser, so the turns do not come back with the next question or a reload.
    for trigger in (clear.click, chatbot.clear):
        trigger(forget, None, [chatbot, turns_store, export, download], **quick)
    chatbot.like(on_like, [turns_store], None, concurrency_id=FEEDBACK, **quick)
    source.change(note, [source], [filter_note], **quick)
