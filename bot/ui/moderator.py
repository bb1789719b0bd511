"""The Moderator tab, the attendee "send to moderator" box, and their named API endpoints.

Layout here, decisions in `bot.debate.console.Console`: every moderator event passes the
password box's value to the server, which checks it before doing anything, so hiding the
console until login is only a convenience, not the protection.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import gradio as gr

from bot.debate.console import Console
from bot.debate.queue import QueueError
from bot.debate.texts import message
from bot.pack import DebatePackError
from bot.ui.console_html import CSS, agenda_html, prompt_html, queue_html, suggestions_html
from bot.ui.context import UIContext
from bot.ui.moderator_api import console_for, guard, register_api

AGENDA_TICK_S = 1.0
QUEUE_TICK_S = 3.0


def build_tab(ctx: UIContext) -> None:
    """The console: login, agenda with clock, prompts, feed and the live queue."""
    gr.HTML(f"<style>{CSS}</style>", padding=False)
    try:
        c = console_for(ctx)
    except DebatePackError as exc:
        gr.Markdown(str(exc))
        return
    labels = {q.id: q.label for q in c.agenda.pack.open_questions}
    gr.Markdown(message("ui_intro") if c.auth.enabled else message("console_off"))
    with gr.Row():
        secret = gr.Textbox(
            label=message("ui_secret"),
            type="password",
            elem_id="mc-secret",
            interactive=c.auth.enabled,
            scale=3,
        )
        login = gr.Button(
            message("ui_login"), elem_id="mc-login", scale=1, interactive=c.auth.enabled
        )
    note = gr.Markdown(elem_id="mc-note")
    with gr.Column(visible=False, elem_id="mc-console") as console, gr.Row():
        with gr.Column(scale=2):
            gr.Markdown(f"### {message('ui_agenda')}")
            agenda = gr.HTML(elem_id="mc-agenda-box")
            with gr.Row():
                start = gr.Button(message("ui_start"), size="sm", elem_id="mc-start")
                back = gr.Button(message("ui_back"), size="sm", elem_id="mc-back")
                advance = gr.Button(
                    message("ui_advance"), size="sm", variant="primary", elem_id="mc-advance"
                )
            gr.Markdown(f"### {message('ui_prompts')}")
            with gr.Row():
                opening = gr.Button(message("ui_opening"), size="sm")
                follow = gr.Button(message("ui_followups"), size="sm")
                bridge = gr.Button(message("ui_bridge"), size="sm")
            view = gr.Textbox(label=message("ui_view"), lines=1, max_length=1000)
            counter = gr.Button(message("ui_counter"), size="sm")
            claim = gr.Textbox(label=message("ui_claim"), lines=1, max_length=1000)
            check = gr.Button(message("ui_factcheck"), size="sm")
            prompt_out = gr.HTML(elem_id="mc-prompt")
            last_id = gr.State("")
            use = gr.Button(message("ui_use"), size="sm", elem_id="mc-use")
            gr.Markdown(f"### {message('ui_feed')}")
            suggest = gr.Button(message("ui_suggest"), size="sm", elem_id="mc-suggest")
            feed_out = gr.HTML(elem_id="mc-feed")
            pick = gr.Radio(label=message("ui_pick"), choices=[], elem_id="mc-pick")
            use_pick = gr.Button(message("ui_use"), size="sm")
        with gr.Column(scale=3):
            gr.Markdown(f"### {message('ui_queue')}")
            hidden = gr.Checkbox(label=message("ui_show_hidden"), value=False)
            with gr.Row():
                qid = gr.Number(
                    value=None,
                    label=message("ui_question_id"),
                    precision=0,
                    elem_id="mc-qid",
                    scale=1,
                )
                actions = [
                    (gr.Button(message(f"ui_{key}"), size="sm", scale=1), flag, on)
                    for key, flag, on in (
                        ("pin", "pinned", True),
                        ("unpin", "pinned", False),
                        ("answered", "answered", True),
                        ("hide", "hidden", True),
                        ("unhide", "hidden", False),
                    )
                ]
            queue = gr.HTML(elem_id="mc-queue-box")
    agenda_timer = gr.Timer(AGENDA_TICK_S, active=False)
    queue_timer = gr.Timer(QUEUE_TICK_S, active=False)

    def show_queue(s: str, with_hidden: bool) -> str:
        return queue_html(c.queue_items(s, with_hidden), labels)

    @guard
    def do_login(s: str) -> tuple[Any, ...]:
        c.login(s)
        view_ = c.agenda_state(s)
        return (
            gr.Column(visible=True),
            message("console_welcome"),
            agenda_html(view_),
            show_queue(s, False),
            gr.Timer(active=True),
            gr.Timer(active=True),
        )

    private = {"api_visibility": "private"}
    login.click(
        do_login, [secret], [console, note, agenda, queue, agenda_timer, queue_timer], **private
    )
    secret.submit(
        do_login, [secret], [console, note, agenda, queue, agenda_timer, queue_timer], **private
    )
    agenda_timer.tick(
        guard(lambda s: agenda_html(c.agenda_state(s))),
        [secret],
        [agenda],
        queue=False,
        show_progress="hidden",
        **private,
    )
    queue_timer.tick(
        guard(show_queue),
        [secret, hidden],
        [queue],
        queue=False,
        show_progress="hidden",
        **private,
    )
    hidden.change(guard(show_queue), [secret, hidden], [queue], **private)
    for button, step in ((start, "start"), (back, "back"), (advance, "advance")):
        button.click(
            guard(lambda s, step=step: agenda_html(c.move(s, step))), [secret], [agenda], **private
        )

    def flagger(flag: str, on: bool):
        @guard
        def run(s: str, number: float | None, with_hidden: bool) -> str:
            if number is None or not c.flag(s, int(number), flag, on):
                raise ValueError(message("ui_no_such", id=int(number or 0)))
            return show_queue(s, with_hidden)

        return run

    for button, flag, on in actions:
        button.click(flagger(flag, on), [secret, qid, hidden], [queue], **private)

    def prompter(kind: str):
        @guard
        def run(s: str, text_: str = "") -> tuple[str, str]:
            sug = c.prompt(s, kind, text_)
            return prompt_html(sug), sug.id

        return run

    opening.click(prompter("opening"), [secret], [prompt_out, last_id], **private)
    follow.click(prompter("followups"), [secret], [prompt_out, last_id], **private)
    bridge.click(prompter("bridge"), [secret], [prompt_out, last_id], **private)
    counter.click(prompter("counter"), [secret, view], [prompt_out, last_id], **private)
    check.click(prompter("factcheck"), [secret, claim], [prompt_out, last_id], **private)

    @guard
    def do_use(s: str, sid: str) -> str:
        c.use(s, sid)
        return message("ui_used", time=time.strftime("%H:%M:%S"))

    use.click(do_use, [secret, last_id], [note], **private)
    use_pick.click(do_use, [secret, pick], [note], **private)

    @guard
    def do_suggest(s: str) -> tuple[str, Any]:
        items = c.suggestions(s)
        choices = [(f"{i + 1}. {x.reason}", x.id) for i, x in enumerate(items)]
        return suggestions_html(items), gr.Radio(choices=choices, value=None)

    suggest.click(do_suggest, [secret], [feed_out, pick], **private)
    register_api(ctx)


def _choices(c: Console) -> list[tuple[str, int]]:
    """The public list as radio choices: plain text labels (never markup), ids as values."""
    out = []
    for q in c.public_items():
        who = f" — {q.name}" if q.name else ""
        done = f" ({message('ui_done')})" if q.answered else ""
        out.append((f"▲ {q.votes} · {q.text}{who}{done}", q.id))
    return out


def build_submit_box(ctx: UIContext) -> None:
    """The attendee's "send to moderator" form and the upvotable list (for the Ask tab)."""
    try:
        c = console_for(ctx)
    except DebatePackError:
        return
    cfg = c.settings.debate
    gr.Markdown(f"### {message('ui_send_title')}\n\n{message('ui_send_intro')}")
    question = gr.Textbox(
        label=message("ui_send_question"),
        lines=2,
        max_length=cfg.max_audience_chars,
        elem_id="mc-ask",
    )
    name = gr.Textbox(
        label=message("ui_send_name"), lines=1, max_length=cfg.max_name_chars, elem_id="mc-name"
    )
    send = gr.Button(message("ui_send"), variant="primary", elem_id="mc-send")
    status = gr.Markdown(elem_id="mc-send-status")
    board = gr.Radio(
        choices=_choices(c), value=None, label=message("ui_public_queue"), elem_id="mc-public"
    )
    voter = gr.BrowserState("", storage_key="debatebot-voter")
    private = {"api_visibility": "private"}
    gr.Timer(5.0).tick(
        lambda: gr.Radio(choices=_choices(c)),
        None,
        [board],
        queue=False,
        show_progress="hidden",
        **private,
    )

    def do_send(text_: str, who: str, request: gr.Request) -> tuple[Any, ...]:
        try:
            sub = c.submit(text_, who, request.session_hash or "ui")
        except QueueError as exc:
            return gr.skip(), str(exc), gr.skip()
        return "", sub.message, gr.Radio(choices=_choices(c), value=None)

    send.click(
        do_send,
        [question, name],
        [question, status, board],
        concurrency_id="audience_submit",
        concurrency_limit=16,
        **private,
    )

    def do_vote(vid: str, picked: int | None) -> tuple[Any, ...]:
        vid = vid or uuid.uuid4().hex
        if picked is None:
            return vid, gr.skip(), gr.skip()
        try:
            counted, _ = c.upvote(int(picked), vid)
            note = message("audience_voted" if counted else "audience_already_voted")
        except (QueueError, ValueError, TypeError):
            note = message("audience_no_question")
        return vid, note, gr.Radio(choices=_choices(c), value=None)

    board.input(do_vote, [voter, board], [voter, status, board], **private)
