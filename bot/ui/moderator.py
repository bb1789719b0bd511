"""The moderator console, a page of its own (`/moderator`) that attendees are never shown.

Layout here, decisions in `bot.debate.console.Console`: every event passes the password box's
value to the server, which checks it (throttled per client) before doing anything, so hiding
the console until login is only a convenience, not the protection. Every event skips the
attendees' queue and runs in the moderator's own concurrency group, so a busy room never
delays the console.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import gradio as gr

from bot.debate.texts import message
from bot.pack import DebatePackError
from bot.ui.console_html import (
    ACTIONS,
    CARDS_JS,
    CSS,
    agenda_html,
    prompt_html,
    queue_html,
    suggestions_html,
)
from bot.ui.context import UIContext
from bot.ui.limits import MODERATOR
from bot.ui.moderator_api import REFUSALS, console_for, said, who

AGENDA_TICK_S = 1.0
QUEUE_TICK_S = 3.0
# Every console event: never queued behind attendees, never listed in the API.
FAST = {"api_visibility": "private", "queue": False, "concurrency_id": MODERATOR}


def build_console(ctx: UIContext) -> None:
    """The console page: login, the agenda with its clock (sticky), question cards, prompts."""
    gr.HTML(f"<style>{CSS}</style>", padding=False)
    try:
        c = console_for(ctx)
    except DebatePackError as exc:
        gr.Markdown(str(exc))
        return
    labels = {q.id: q.label for q in c.agenda.pack.open_questions}
    gr.Markdown(f"## {message('ui_title')}")
    with gr.Row(elem_id="mc-login-row") as login_row:
        secret = gr.Textbox(
            label=message("ui_secret"),
            type="password",
            elem_id="mc-secret",
            interactive=c.auth.enabled,
            scale=3,
            min_width=200,
        )
        login = gr.Button(
            message("ui_login"), elem_id="mc-login", scale=1, interactive=c.auth.enabled
        )
    note = gr.Markdown(
        message("ui_intro") if c.auth.enabled else message("console_off"), elem_id="mc-note"
    )
    with gr.Column(visible=False, elem_id="mc-console") as console:
        with gr.Column(elem_id="mc-top"):
            agenda = gr.HTML(elem_id="mc-agenda-box")
            with gr.Row(elem_classes="mc-agenda-buttons"):
                start = gr.Button(message("ui_start"), size="sm", elem_id="mc-start")
                back = gr.Button(message("ui_back"), size="sm", elem_id="mc-back")
                advance = gr.Button(
                    message("ui_advance"), size="sm", variant="primary", elem_id="mc-advance"
                )
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                gr.Markdown(f"### {message('ui_queue')}")
                if c.settings.debate.moderated:
                    gr.Markdown(message("ui_moderated_on"), elem_id="mc-moderated")
                hidden = gr.Checkbox(label=message("ui_show_hidden"), value=False)
                queue = gr.HTML(elem_id="mc-queue-box", js_on_load=CARDS_JS)
                with gr.Accordion(message("ui_shortcuts_title"), open=False, elem_id="mc-keys"):
                    gr.HTML(f"<p class='mc-keys'>{message('ui_shortcuts')}</p>")
            with gr.Column(scale=2, min_width=300):
                prompt_panel(ctx, secret, note)
    agenda_timer = gr.Timer(AGENDA_TICK_S, active=False)
    queue_timer = gr.Timer(QUEUE_TICK_S, active=False)

    def show_queue(s: str, with_hidden: bool, request: gr.Request) -> str:
        return queue_html(c.queue_items(s, bool(with_hidden), who(request)), labels)

    @noted(7)
    def do_login(s: str, request: gr.Request) -> tuple[Any, ...]:
        c.login(s, who(request))
        return (
            message("console_welcome"),
            gr.Row(visible=False),
            gr.Column(visible=True),
            agenda_html(c.agenda_state(s, who(request))),
            show_queue(s, False, request),
            gr.Timer(active=True),
            gr.Timer(active=True),
        )

    opened = [note, login_row, console, agenda, queue, agenda_timer, queue_timer]
    login.click(do_login, [secret], opened, **FAST)
    secret.submit(do_login, [secret], opened, **FAST)

    @noted(2)
    def tick_agenda(s: str, request: gr.Request) -> tuple[Any, str]:
        return gr.skip(), agenda_html(c.agenda_state(s, who(request)))

    @noted(2)
    def refresh(s: str, with_hidden: bool, request: gr.Request) -> tuple[Any, str]:
        return gr.skip(), show_queue(s, with_hidden, request)

    quiet = {"show_progress": "hidden", **FAST}
    agenda_timer.tick(tick_agenda, [secret], [note, agenda], **quiet)
    queue_timer.tick(refresh, [secret, hidden], [note, queue], **quiet)
    hidden.change(refresh, [secret, hidden], [note, queue], **FAST)
    for button, step in ((start, "start"), (back, "back"), (advance, "advance")):

        @noted(2)
        def move(s: str, request: gr.Request, step: str = step) -> tuple[Any, str]:
            return gr.skip(), agenda_html(c.move(s, step, who(request)))

        button.click(move, [secret], [note, agenda], **FAST)

    @noted(2)
    def on_card(s: str, with_hidden: bool, evt: gr.EventData, request: gr.Request) -> tuple:
        data = evt._data if isinstance(evt._data, dict) else {}
        act, qid = data.get("act"), data.get("qid")
        if act == "merge":
            done = c.merge(s, qid, data.get("into"), who(request))
        elif act in ACTIONS:
            flag, on = ACTIONS[act]
            done = c.flag(s, qid, flag, on, who(request))
        else:
            raise ValueError(message("ui_no_such", id=qid))
        if not done:
            raise ValueError(message("ui_no_such", id=qid))
        label = message("ui_merge") if act == "merge" else message(f"ui_{act}")
        said = message("ui_done_action", action=label.rstrip("…"), id=qid)
        return said, show_queue(s, with_hidden, request)

    queue.click(on_card, [secret, hidden], [note, queue], **FAST)


def noted(outputs: int):
    """For console events whose first output is the note: a refusal is said there, in words,
    and the other outputs stay as they were (unqueued events show no error toast)."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except REFUSALS as exc:
                note = said(exc)
                return (note, *[gr.skip()] * (outputs - 1)) if outputs > 1 else note

        return run

    return wrap


def prompt_panel(ctx: UIContext, secret: gr.Textbox, note: gr.Markdown) -> None:
    """Grounded prompts on demand and the prompt feed, each logged when used."""
    c = console_for(ctx)
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

    def prompter(kind: str):
        @noted(3)
        def run(s: str, text_: str = "", request: gr.Request = None) -> tuple[Any, str, str]:
            sug = c.prompt(s, kind, text_, who(request))
            return gr.skip(), prompt_html(sug), sug.id

        return run

    shown = [note, prompt_out, last_id]
    opening.click(prompter("opening"), [secret], shown, **FAST)
    follow.click(prompter("followups"), [secret], shown, **FAST)
    bridge.click(prompter("bridge"), [secret], shown, **FAST)
    counter.click(prompter("counter"), [secret, view], shown, **FAST)
    check.click(prompter("factcheck"), [secret, claim], shown, **FAST)

    @noted(1)
    def do_use(s: str, sid: str, request: gr.Request) -> str:
        c.use(s, sid, who(request))
        return message("ui_used", time=time.strftime("%H:%M:%S"))

    use.click(do_use, [secret, last_id], [note], **FAST)
    use_pick.click(do_use, [secret, pick], [note], **FAST)

    @noted(3)
    def do_suggest(s: str, request: gr.Request) -> tuple[Any, str, Any]:
        items = c.suggestions(s, client=who(request))
        choices = [(f"{i + 1}. {x.reason}", x.id) for i, x in enumerate(items)]
        return gr.skip(), suggestions_html(items), gr.Radio(choices=choices, value=None)

    suggest.click(do_suggest, [secret], [note, feed_out, pick], **FAST)
