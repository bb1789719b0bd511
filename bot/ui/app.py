"""The Gradio app: builds the tabs and the named API; launching is `bot.ui.launch`'s job."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr

from bot.debate.questions import open_question_briefs
from bot.feedback import feedback_store
from bot.models import Answer
from bot.pack import DebatePackError, load_debate
from bot.prompts import phrase
from bot.retrieve.hybrid import Filters
from bot.service import get_bot
from bot.settings import Settings
from bot.ui import ask, moderator, prepare, questions, reading_list
from bot.ui.audience import build_audience_panel
from bot.ui.context import ASK_TAB, UIContext, text
from bot.ui.moderator_api import register_api as register_console_api
from bot.ui.render import escape_inline
from bot.ui.theme import style as style  # launch.py takes theme and CSS from here

log = logging.getLogger(__name__)
MODERATOR_PATH = "moderator"


def _header(settings: Settings) -> str:
    try:
        event = load_debate(settings).event
    except DebatePackError:
        return f"## {escape_inline(text('app_title'))}"
    return f"## {escape_inline(event.title)}\n\n" + text(
        "header",
        event=escape_inline(event.series or event.title),
        date=event.date.isoformat(),
        venue=escape_inline(event.venue),
    )


def _register_api(ctx: UIContext) -> None:
    """Named endpoints for gradio_client; each calls the same core function as the UI."""
    bot = ctx.bot

    def ask_api(question: str, source: str = "", history: list[list[str]] | None = None) -> dict:
        """Answer from the reading list; returns the answer contract (bot.models.Answer)."""
        turns = [(str(t[0]), str(t[1])) for t in (history or []) if len(t) == 2]
        filters = Filters(sources=(source,)) if source else None
        refused = ask.unquotable(bot, str(question), source)
        if refused is not None:
            return refused.model_dump(mode="json")
        try:
            answer = ask.say_when_empty(
                bot, bot.ask(question, history=turns, filters=filters), source
            )
        except Exception:
            log.exception("/ask failed")
            answer = Answer(
                question=str(question), answer=phrase("ui_error"), abstained=True, engine="none"
            )
        return answer.model_dump(mode="json")

    def open_questions_api() -> list[dict]:
        """The debate's open questions: wording cited from the post, framing, related passages."""
        return [
            {**b.model_dump(mode="json"), "citations": [c.model_dump() for c in b.citations]}
            for b in open_question_briefs(bot)
        ]

    def reading_list_api(cluster: str = "", kind: str = "") -> list[dict]:
        """The reading list with each source's status (indexed, snapshot or missing)."""
        return [e.model_dump() for e in reading_list.reading_list(bot, cluster, kind)]

    gr.api(ask_api, api_name="ask", concurrency_id="answer")
    gr.api(open_questions_api, api_name="open_questions", concurrency_id="briefs")
    gr.api(reading_list_api, api_name="reading_list", concurrency_limit=None)


def build_app(settings: Settings) -> gr.Blocks:
    """The whole app for these settings; loads no model (that happens on first use or warm-up)."""
    ctx = UIContext(settings=settings, bot=get_bot(settings), feedback=feedback_store(settings))
    with gr.Blocks(
        title=text("app_title"), analytics_enabled=False, delete_cache=(3600, 86400)
    ) as demo:
        ctx.demo = demo
        gr.Markdown(_header(settings), elem_id="db-header")
        with gr.Tabs(selected=ASK_TAB, overflow_behavior="wrap", elem_id="db-tabs") as tabs:
            ctx.tabs = tabs
            with gr.Tab(text("tab_ask"), id=ASK_TAB, elem_id="db-tab-ask"):
                # The audience slot: "send a question to the moderator" and the live list.
                ask.build_tab(ctx, audience_slot=build_audience_panel)
            with gr.Tab(text("tab_questions"), id="questions", elem_id="db-tab-questions"):
                questions.build_tab(ctx)
            with gr.Tab(text("tab_reading"), id="reading", elem_id="db-tab-reading"):
                reading_list.build_tab(ctx)
            with gr.Tab(text("tab_prepare"), id="prepare", elem_id="db-tab-prepare"):
                prepare.build_tab(ctx)
        _register_api(ctx)
        register_console_api(ctx)
    # The moderator's console: its own page, not in the attendees' navigation.
    with demo.route(text("tab_moderator"), MODERATOR_PATH, show_in_navbar=False):
        moderator.build_console(ctx)
    demo.ui_context = ctx  # type: ignore[attr-defined]  (for launch's warm-up and for tests)
    return demo
