"""The attendee's panel: send a question to the moderator, and the live list with one-tap upvotes.

Self-contained: `build_audience_panel(ctx)` lays it out and wires it wherever it is placed.
The list is shown as the page loads and refreshed every few seconds; each question has its own
▲ button, which sends only the question's id; who votes is the server's call
(`bot.ui.identity`), so one attendee counts once however often they tap.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from bot.debate.console import PublicItem
from bot.debate.texts import message
from bot.pack import DebatePackError
from bot.ui.context import UIContext
from bot.ui.limits import SUBMIT, VOTE
from bot.ui.moderator_api import console_for, submit_result, upvote_result, who
from bot.ui.render import escape_inline

REFRESH_S = 5.0
QUICK = {"api_visibility": "private", "queue": False}

LIST_CSS = """
.aq-list { list-style: none; margin: 0; padding: 0; }
.aq-item { display: flex; align-items: flex-start; gap: 0.6em; padding: 0.45em 0;
  border-bottom: 1px solid var(--border-color-primary); }
.aq-text { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; word-break: break-word; }
.aq-who, .aq-done { opacity: 0.75; font-size: 0.9em; }
.aq-vote { flex: 0 0 auto; min-width: 3.6em; min-height: 2.6em; border-radius: 8px;
  border: 1px solid var(--border-color-primary);
  background: var(--button-secondary-background-fill);
  color: var(--body-text-color); font: inherit; font-weight: 600; cursor: pointer;
  font-variant-numeric: tabular-nums; }
.aq-vote[aria-pressed="true"] { background: var(--button-primary-background-fill);
  color: var(--button-primary-text-color); cursor: default; }
.aq-empty { opacity: 0.75; }
"""
# One delegated listener: a tap on ▲ becomes the list's `click` event with the question id.
VOTE_JS = """
element.addEventListener('click', ev => {
  const b = ev.target.closest('button.aq-vote');
  if (!b || b.getAttribute('aria-pressed') === 'true') return;
  b.setAttribute('aria-pressed', 'true');
  trigger('click', {qid: Number(b.dataset.qid)});
});
"""


def list_html(items: list[PublicItem]) -> str:
    """The public questions, each with its ▲ button and count; attendee text stays text."""
    if not items:
        return f"<p class='aq-empty'>{escape_inline(message('ui_public_empty'))}</p>"
    rows = []
    for q in items:
        label = message("ui_voted" if q.voted else "ui_upvote")
        who_ = f" <span class='aq-who'>— {escape_inline(q.name)}</span>" if q.name else ""
        done = f" <span class='aq-done'>({escape_inline(message('ui_done'))})</span>"
        rows.append(
            f"<li class='aq-item' data-qid='{q.id}'>"
            f"<button type='button' class='aq-vote' data-qid='{q.id}' "
            f"aria-pressed='{'true' if q.voted else 'false'}' "
            f"aria-label='{escape_inline(label)}'>▲ {q.votes}</button>"
            f"<span class='aq-text'>{escape_inline(q.text)}{who_}"
            f"{done if q.answered else ''}</span></li>"
        )
    return f"<ul class='aq-list'>{''.join(rows)}</ul>"


def build_audience_panel(ctx: UIContext) -> None:
    """ "Send to the moderator" (question + optional name) and the live, upvotable list."""
    try:
        c = console_for(ctx)
    except DebatePackError:
        return
    cfg = c.settings.debate
    with gr.Column(elem_id="aq-panel"):
        gr.Markdown(message("ui_send_intro"))  # the slot it sits in carries the title
        question = gr.Textbox(
            label=message("ui_send_question"),
            lines=2,
            max_lines=5,
            max_length=cfg.max_audience_chars,
            elem_id="aq-question",
        )
        with gr.Row(equal_height=True):
            name = gr.Textbox(
                label=message("ui_send_name"),
                lines=1,
                max_length=cfg.max_name_chars,
                elem_id="aq-name",
                scale=2,
                min_width=160,
            )
            send = gr.Button(
                message("ui_send"), variant="primary", elem_id="aq-send", scale=1, min_width=140
            )
        status = gr.Markdown(elem_id="aq-status")
        gr.Markdown(f"#### {message('ui_public_queue')}")
        board = gr.HTML(
            elem_id="aq-list", css_template=LIST_CSS, js_on_load=VOTE_JS, max_height=480
        )

    def show(request: gr.Request) -> str:
        return list_html(c.public_items(who(request)))

    def do_send(text_: Any, name_: Any, request: gr.Request) -> tuple[Any, ...]:
        sent = submit_result(c, text_, name_, who(request))
        return ("" if sent["ok"] else gr.skip()), sent["message"], show(request)

    def do_vote(evt: gr.EventData, request: gr.Request) -> tuple[str, str]:
        data = evt._data if isinstance(evt._data, dict) else {}
        voted = upvote_result(c, data.get("qid"), who(request))
        return voted["message"], show(request)

    assert ctx.demo is not None
    ctx.demo.load(show, None, [board], **QUICK)
    gr.Timer(REFRESH_S).tick(show, None, [board], show_progress="hidden", **QUICK)
    send.click(do_send, [question, name], [question, status, board], concurrency_id=SUBMIT, **QUICK)
    question.submit(
        do_send, [question, name], [question, status, board], concurrency_id=SUBMIT, **QUICK
    )
    board.click(do_vote, None, [status, board], concurrency_id=VOTE, **QUICK)
