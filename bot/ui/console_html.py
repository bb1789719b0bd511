"""HTML of the moderator console: agenda clock, prompts, the queue. Every text is escaped.

Attendee text is stored plain (markup stripped) and escaped again here, so nothing an attendee
types can become markup or script on the moderator's screen.
"""

from __future__ import annotations

from typing import Any

from bot.debate.feed import Suggestion
from bot.debate.queue import QueueItem
from bot.debate.texts import message, reason_label, route_label
from bot.ui.render import answer_html, body_html, escape_inline, sources_html

CSS = """
.mc-clock { font-size: 2.2em; font-variant-numeric: tabular-nums; font-weight: 700; }
.mc-over { color: #b91c1c; }
.mc-items { list-style: none; padding-left: 0; margin: 0.4em 0; }
.mc-items li { padding: 0.1em 0.4em; border-radius: 4px; }
.mc-items li.mc-now { background: rgba(59, 130, 246, 0.15); font-weight: 600; }
.mc-items li.mc-done { opacity: 0.55; }
.mc-q { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5em 0.7em; margin-bottom: 0.5em; }
.mc-q.mc-pinned { border-color: #2563eb; border-width: 2px; }
.mc-q.mc-answered { opacity: 0.6; }
.mc-q.mc-hidden { opacity: 0.45; border-style: dashed; }
.mc-text { font-size: 1.05em; margin: 0.2em 0; }
.mc-badge { display: inline-block; font-size: 0.78em; padding: 0 0.5em; margin-right: 0.3em;
  border-radius: 999px; border: 1px solid var(--border-color-primary); }
.mc-route-reading_list { background: rgba(16, 185, 129, 0.15); }
.mc-route-panel { background: rgba(245, 158, 11, 0.18); }
"""


def _e(text: Any) -> str:
    return escape_inline(str(text))


def agenda_html(view: dict[str, Any]) -> str:
    """Current item with its clock, the next item, and the whole agenda."""
    if view["finished"]:
        return f"<div id='mc-agenda'><p>{_e(message('ui_finished'))}</p></div>"
    item, nxt = view["item"], view["next"]
    over = view["remaining_s"] < 0
    if view["started"]:
        left = message("ui_over") if over else message("ui_remaining")
        clock = (
            f"<span class='mc-clock{' mc-over' if over else ''}' id='mc-remaining'>"
            f"{_e(view['remaining'])}</span> {_e(left)} · {_e(view['elapsed'])} "
            f"{_e(message('ui_elapsed'))}"
        )
    else:
        clock = f"<span class='mc-clock' id='mc-remaining'>{_e(message('ui_not_started'))}</span>"
    rows = []
    for i, entry in enumerate(view.get("items", [])):
        css = "mc-now" if i == view["position"] else ("mc-done" if i < view["position"] else "")
        rows.append(f"<li class='{css}'>{_e(entry['title'])} ({entry['minutes']} min)</li>")
    nxt_html = f"<p>{_e(message('ui_next'))}: {_e(nxt['title'])}</p>" if nxt else ""
    total = int(view["event_remaining_s"] // 60)
    return (
        f"<div id='mc-agenda'><h3 id='mc-item'>{_e(item['title'])}</h3><p>{clock}</p>"
        f"{nxt_html}<p>{total} min {_e(message('ui_event_left'))}</p>"
        f"<ol class='mc-items'>{''.join(rows)}</ol></div>"
    )


def prompt_html(sug: Suggestion | None) -> str:
    """A moderator prompt with its citations linked and its sources listed."""
    if sug is None:
        return ""
    p = sug.prompt
    cites = {c.n: c for c in p.citations}
    return (
        f"<div class='mc-prompt' data-kind='{_e(p.kind)}'>"
        f"<p class='db-meta'>{_e(sug.reason)}</p>{body_html(p.text, cites)}"
        f"{sources_html(p.citations, message('ui_sources'))}</div>"
    )


def suggestions_html(items: list[Suggestion]) -> str:
    return "".join(prompt_html(s) for s in items)


def queue_html(items: list[QueueItem], labels: dict[str, str]) -> str:
    """The ranked queue; each question with its route, tag and suggested cited answer."""
    if not items:
        return f"<div id='mc-queue'><p>{_e(message('ui_queue_empty'))}</p></div>"
    out = []
    for q in items:
        css = " ".join(
            f"mc-{flag}" for flag in ("pinned", "answered", "hidden") if getattr(q, flag)
        )
        badges = [f"<span class='mc-badge'>#{q.id}</span>"]
        badges += [f"<span class='mc-badge'>{_e(flag)}</span>" for flag in css.split() if flag]
        if q.open_question:
            badges.append(f"<span class='mc-badge'>{_e(labels.get(q.open_question, ''))}</span>")
        route = route_label(q.route)
        if route:
            badges.append(
                f"<span class='mc-badge mc-route-{_e(q.route)}'>{_e(route)}: "
                f"{_e(reason_label(q.route_reason))}</span>"
            )
        else:
            badges.append(f"<span class='mc-badge'>{_e(reason_label('pending'))}</span>")
        who = f" — {_e(q.name)}" if q.name else ""
        counts = (
            f"{_e(message('ui_votes', n=q.votes))} · {_e(message('ui_asked_by', n=q.asked_by))}"
        )
        answer = ""
        if q.answer is not None:
            answer = (
                f"<details><summary>{_e(message('ui_suggested_answer'))}</summary>"
                f"{answer_html(q.answer)}</details>"
            )
        out.append(
            f"<div class='mc-q {css}' data-qid='{q.id}'>{''.join(badges)}"
            f"<p class='mc-text'>{_e(q.text)}{who}</p><p class='db-meta'>{counts}</p>"
            f"{answer}</div>"
        )
    return f"<div id='mc-queue'>{''.join(out)}</div>"
