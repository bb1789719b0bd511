"""The Prepare tab: the briefing, its downloads and pictures, the comparison, the reading guide,
a self-check quiz and "Where do I stand?".

Every event calls a function of `bot.brief` (the CLI's `brief` calls the same ones). The
attendee's views live only in their browser (gr.BrowserState) and their quiz in the session
(gr.State): nothing personal is stored on the server.
"""

from __future__ import annotations

import io
import logging
import random
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image

from bot.brief.base import PerBrief, md_escape, text
from bot.brief.compare import column_titles, table_rows
from bot.brief.pack import Brief, current_brief
from bot.brief.quiz import Quiz, check, make_quiz
from bot.brief.render import make_pictures, pack_files, render_guide, safe_link
from bot.brief.stance import compare_views, where_do_i_stand
from bot.pack import load_debate
from bot.prompts import render
from bot.ui.context import UIContext

log = logging.getLogger(__name__)

QUIZ_SIZE = 6
BEFORE_KEY = "debatebot-stance-before"
NOW_KEY = "debatebot-stance-now"
_QUICK = {"api_visibility": "private"}


@dataclass
class _Handles:
    briefing: gr.Markdown
    downloads: list[gr.DownloadButton]
    timeline: gr.Image
    clusters: gr.Image
    table: gr.Dataframe
    guide: gr.Markdown
    seed: gr.State
    quiz: gr.State
    quiz_new: gr.Button
    quiz_check: gr.Button
    questions: list[gr.Radio]
    reveals: list[gr.Markdown]
    stance_tab: gr.Tab
    views: list[gr.Textbox]
    stance_run: gr.Button
    stance_save: gr.Button
    stance_compare: gr.Button
    stance_out: gr.Markdown
    before: gr.BrowserState
    now: gr.BrowserState


def _png(data: bytes | None) -> Image.Image | None:
    return Image.open(io.BytesIO(data)) if data is not None else None


def _picture(key: str) -> gr.Image:
    """A picture of the pack, with the same alt text as in the downloads."""
    return gr.Image(
        type="pil",
        show_label=False,
        interactive=False,
        alt_text=text(f"picture_{key}_alt"),
        elem_id=f"db-{key}",
    )


def _layout(ctx: UIContext) -> _Handles:
    gr.Markdown(text("tab_intro"))
    open_questions = load_debate(ctx.settings).open_questions
    question_ids = [q.id for q in open_questions]
    headings = [q.heading for q in open_questions]
    with gr.Tabs(overflow_behavior="wrap", elem_id="db-prepare-tabs"):
        with gr.Tab(text("tab_briefing")):
            with gr.Accordion(text("downloads"), open=False), gr.Row():
                downloads = [
                    gr.DownloadButton(text(f"download_{f}"), value=None, interactive=False)
                    for f in ("md", "html", "pdf", "csv")
                ]
            briefing = gr.Markdown(latex_delimiters=[], elem_id="db-brief")
        with gr.Tab(text("tab_pictures")):
            timeline, clusters = (_picture(key) for key in ("timeline", "clusters"))
        with gr.Tab(text("tab_compare")):
            table = gr.Dataframe(
                headers=column_titles(), interactive=False, wrap=True, max_height=620
            )
        with gr.Tab(text("tab_guide")):
            guide = gr.Markdown(latex_delimiters=[])
        with gr.Tab(text("tab_quiz")):
            seed, quiz = gr.State(None), gr.State(None)
            questions, reveals = [], []
            for _ in range(QUIZ_SIZE):
                questions.append(gr.Radio(choices=[], label="", visible=False))
                reveals.append(gr.Markdown(latex_delimiters=[]))
            with gr.Row():
                quiz_check = gr.Button(text("quiz_check"), variant="primary")
                quiz_new = gr.Button(text("quiz_new"))
        with gr.Tab(text("tab_stance")) as stance_tab:
            gr.Markdown(text("stance_intro"))
            views = [
                gr.Textbox(
                    label=h,
                    placeholder=text("stance_placeholder"),
                    lines=2,
                    elem_id=f"db-view-{qid}",
                )
                for qid, h in zip(question_ids, headings, strict=True)
            ]
            with gr.Row():
                stance_run = gr.Button(text("stance_run"), variant="primary")
                stance_save = gr.Button(text("stance_save_before"))
                stance_compare = gr.Button(text("stance_compare"))
            stance_out = gr.Markdown(latex_delimiters=[])
            before = gr.BrowserState({}, storage_key=BEFORE_KEY)
            now = gr.BrowserState({}, storage_key=NOW_KEY)
    return _Handles(
        briefing, downloads, timeline, clusters, table, guide, seed, quiz, quiz_new, quiz_check,
        questions, reveals, stance_tab, views, stance_run, stance_save, stance_compare,
        stance_out, before, now,
    )  # fmt: skip


# --- what the events do: thin calls into bot.brief --------------------------------------
_SHOWN: PerBrief[tuple[Any, ...]] = PerBrief()


def _briefing(ctx: UIContext) -> tuple[Any, ...]:
    """What the tab shows of the pack, rendered once per index version for all attendees."""
    try:
        brief = current_brief(ctx.bot)
    except Exception as exc:  # no index yet, or the store is down: say so in the tab
        log.exception("briefing failed")
        return (md_escape(str(exc)), None, None, [], "", *[gr.skip()] * 4)
    shown = _SHOWN.get(brief)
    return shown if shown is not None else _SHOWN.put(brief, _shown(brief))


def _shown(brief: Brief) -> tuple[Any, ...]:
    pictures = make_pictures(brief)
    files = pack_files(brief)
    buttons = [
        gr.DownloadButton(value=str(files[f]), interactive=True)
        for f in ("md", "html", "pdf", "csv")
    ]
    return (
        files["md"].read_bytes().decode("utf-8"),  # the Markdown pack_files has just written
        _png(pictures.timeline),
        _png(pictures.clusters),
        table_rows(brief.comparison),
        render_guide(brief),
        *buttons,
    )


def _new_quiz(ctx: UIContext, seed: int | None = None) -> tuple[Any, ...]:
    seed = seed if seed is not None else random.randrange(2**31)
    quiz = make_quiz(ctx.bot, seed, QUIZ_SIZE)
    radios = [
        gr.Radio(choices=item.choices, label=f"{i + 1}. {item.prompt}", value=None, visible=True)
        for i, item in enumerate(quiz.items)
    ]
    radios += [gr.Radio(visible=False)] * (QUIZ_SIZE - len(radios))
    return (seed, quiz, *radios, *[""] * QUIZ_SIZE)


def _reveal(quiz: Quiz | None, *given: str | None) -> list[str]:
    if quiz is None:
        return [""] * QUIZ_SIZE
    out = [
        render(
            "brief/quiz_answer.md.j2",
            verdict=md_escape(check(item, g)),
            item=item,
            esc=md_escape,
            url=safe_link,
        )
        for item, g in zip(quiz.items, given, strict=False)
    ]
    return out + [""] * (QUIZ_SIZE - len(out))


def _answers(ctx: UIContext, values: tuple[str, ...]) -> dict[str, str]:
    ids = [q.id for q in load_debate(ctx.settings).open_questions]
    return {qid: (v or "").strip() for qid, v in zip(ids, values, strict=True) if (v or "").strip()}


def _stance(ctx: UIContext, *values: str) -> tuple[str, dict[str, str]]:
    answers = _answers(ctx, values)
    if not answers:
        return text("stance_nothing"), answers
    result = where_do_i_stand(ctx.bot, answers)
    page = render("brief/stance.md.j2", stance=result, esc=md_escape, url=safe_link)
    return page, answers


def _compare(ctx: UIContext, before: dict[str, str] | None, *values: str) -> str:
    if not before:
        return text("stance_no_before")
    changes = compare_views(ctx.bot, before, _answers(ctx, values))
    return render("brief/stance_changes.md.j2", changes=changes, esc=md_escape, url=safe_link)


def _wire(ctx: UIContext, h: _Handles) -> None:
    assert ctx.demo is not None, "build_tab needs ctx.demo (the app's Blocks)"
    ids = [q.id for q in load_debate(ctx.settings).open_questions]
    shown = [h.briefing, h.timeline, h.clusters, h.table, h.guide, *h.downloads]
    quiz_out = [h.seed, h.quiz, *h.questions, *h.reveals]
    ctx.demo.load(lambda: _briefing(ctx), None, shown, **_QUICK)
    ctx.demo.load(lambda: _new_quiz(ctx), None, quiz_out, **_QUICK)
    # A tab's children mount when it is first shown, and only then is a BrowserState read
    # from localStorage: restore the attendee's views on opening the tab, not on page load.
    h.stance_tab.select(
        lambda now, *cur: [c or (now or {}).get(qid, "") for qid, c in zip(ids, cur, strict=True)],
        [h.now, *h.views],
        h.views,
        **_QUICK,
    )
    h.quiz_new.click(lambda: _new_quiz(ctx), None, quiz_out, **_QUICK)
    h.quiz_check.click(_reveal, [h.quiz, *h.questions], h.reveals, **_QUICK)
    h.stance_run.click(lambda *v: _stance(ctx, *v), h.views, [h.stance_out, h.now], **_QUICK)

    def save(*v: str) -> tuple[dict[str, str], dict[str, str], str]:
        answers = _answers(ctx, v)
        return answers, dict(answers), text("stance_saved")

    h.stance_save.click(save, h.views, [h.before, h.now, h.stance_out], **_QUICK)
    h.stance_compare.click(
        lambda b, *v: _compare(ctx, b, *v), [h.before, *h.views], h.stance_out, **_QUICK
    )


def build_tab(ctx: UIContext) -> None:
    """Called inside the app's `with gr.Tab(...)` for the Prepare tab."""
    _wire(ctx, _layout(ctx))
