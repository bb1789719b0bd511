"""The Ask tab: a chat over `conversation.reply`, kept in the browser with its citations."""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from bot.conversation import ConversationTurn, dump_turns, load_turns, reply, to_markdown
from bot.feedback import Vote
from bot.models import Answer
from bot.prompts import phrase
from bot.settings import Settings
from bot.ui.context import UIContext, text, text_list
from bot.ui.render import answer_html, escape_inline, stream_steps, user_html

log = logging.getLogger(__name__)

STORAGE_KEY = "debatebot-conversation"
STREAM_PAUSE_S = 0.04  # long enough for the browser to paint each step, short enough to not wait
EXPORT_DIR = Path(tempfile.gettempdir()) / "debatebot-exports"  # Gradio may serve the temp dir
EXPORT_KEEP_S = 86_400  # a day is plenty to click "download"
SWEEP_EVERY_S = 3_600
_next_sweep = 0.0


def chat_messages(turns: list[ConversationTurn]) -> list[dict[str, str]]:
    """The Chatbot's messages: a user and an assistant message per turn."""
    out: list[dict[str, str]] = []
    for t in turns:
        out.append({"role": "user", "content": user_html(t.question)})
        out.append({"role": "assistant", "content": answer_html(t.answer)})
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


def _safe_reply(ctx: UIContext, question: str, turns: list[ConversationTurn], src: str) -> Answer:
    try:
        return reply(ctx.bot, question, turns, source_id=src or None)
    except Exception:
        log.exception("answering failed")
        return Answer(question=question, answer=phrase("ui_error"), abstained=True, engine="none")


def build_tab(ctx: UIContext) -> None:
    """Lay out the chat and wire its events (every answer comes from conversation.reply)."""
    status = gr.Markdown(elem_id="db-status")
    filter_note = gr.Markdown(elem_id="db-filter-note")
    chatbot = gr.Chatbot(
        label=text("chat_label"),
        elem_id="db-chat",
        height="60vh",
        min_height=320,
        latex_delimiters=[],
        placeholder=text("chat_placeholder"),
        buttons=["copy_all"],
        feedback_options=("Like", "Dislike"),
        layout="bubble",
    )
    question = gr.Textbox(
        label=text("question_label"),
        placeholder=text("question_placeholder"),
        elem_id="db-question",
        submit_btn=text("send"),
        lines=1,
        max_lines=6,
        autofocus=False,
    )
    with gr.Row():
        pose = gr.Button(text("pose_next"), elem_id="db-pose-next", size="sm")
        clear = gr.Button(text("clear"), elem_id="db-clear", size="sm", variant="secondary")
    gr.Markdown(text("starters_label"))
    with gr.Row(elem_classes="db-starters"):
        starters = [
            gr.Button(s, size="sm", elem_classes="db-starter") for s in text_list("starters")
        ]
    source = gr.Dropdown(
        choices=[(text("source_all"), ""), *[(s.title, s.id) for s in ctx.bot.registry]],
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
    turns_store = gr.BrowserState([], storage_key=STORAGE_KEY, secret=browser_secret(ctx.settings))
    ctx.question, ctx.source = question, source

    def respond(message: str, raw: Any, src: str) -> Iterator[tuple[Any, ...]]:
        turns = load_turns(raw)
        shown = chat_messages(turns)
        if not (message or "").strip():
            gr.Info(phrase("empty_question"))
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        asked = {"role": "user", "content": user_html(message)}
        waiting = {"role": "assistant", "content": f"<p>{escape_inline(text('thinking'))}</p>"}
        yield [*shown, asked, waiting], gr.skip(), "", gr.skip(), gr.skip()
        answer = _safe_reply(ctx, message, turns, src)
        for part in stream_steps(answer):
            step = {"role": "assistant", "content": answer_html(answer, partial=part)}
            yield [*shown, asked, step], gr.skip(), gr.skip(), gr.skip(), gr.skip()
            time.sleep(STREAM_PAUSE_S)
        turns.append(ConversationTurn(question=message, answer=answer))
        md, file = _exports(turns)
        done = {"role": "assistant", "content": answer_html(answer)}
        yield [*shown, asked, done], dump_turns(turns), gr.skip(), md, file

    chain_io = {
        "inputs": [question, turns_store, source],
        "outputs": [chatbot, turns_store, question, export, download],
    }

    def chat_chain(dep: Any) -> Any:
        return dep.then(respond, **chain_io, api_visibility="private", concurrency_id="answer")

    ctx.chat_chain = chat_chain
    question.submit(respond, **chain_io, api_visibility="private", concurrency_id="answer")
    ctx.send_to_chat(pose.click, text("pose_next"))
    for button, starter in zip(starters, text_list("starters"), strict=True):
        ctx.send_to_chat(button.click, starter)

    def restore(raw: Any) -> tuple[Any, ...]:
        turns = load_turns(raw)
        md, file = _exports(turns)
        return chat_messages(turns), md, file, status_line(ctx)

    def forget() -> tuple[Any, ...]:
        return [], [], *_exports([])

    def on_like(raw: Any, data: gr.LikeData) -> None:
        turns = load_turns(raw)
        index = data.index if isinstance(data.index, int) else data.index[0]
        if 0 <= index // 2 < len(turns):
            ctx.feedback.record(turns[index // 2].answer, vote_of(data.liked))

    def note(src: str) -> str:
        chosen = ctx.bot.sources.get(src) if src else None
        return text("filter_active", title=escape_inline(chosen.title)) if chosen else ""

    assert ctx.demo is not None
    quick = {"api_visibility": "private", "queue": False}
    ctx.demo.load(restore, [turns_store], [chatbot, export, download, status], **quick)
    clear.click(forget, None, [chatbot, turns_store, export, download], **quick)
    chatbot.like(on_like, [turns_store], None, **quick)
    source.change(note, [source], [filter_note], **quick)
