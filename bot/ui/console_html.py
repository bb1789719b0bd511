"""HTML of the moderator console: agenda clock, prompts, question cards. Every text is escaped.

Attendee text is stored plain (markup stripped) and escaped again here, so nothing an attendee
types can become markup or script on the moderator's screen. Each card carries its own
buttons (`data-act`); the page's script (`CARDS_JS`) turns a click or a shortcut key into one
event naming the card's id, so the moderator never types an id.
"""

from __future__ import annotations

from typing import Any

from bot.debate.feed import Suggestion
from bot.debate.queue import QueueItem
from bot.debate.texts import message, reason_label, route_label
from bot.ui.render import answer_html, body_html, escape_inline, sources_html

CSS = """
/* Gradio's container hides overflow, which would stop the agenda from sticking; clip does not. */
.gradio-container { overflow: clip !important; }
#mc-top { position: sticky; top: 0; z-index: 1000; background: var(--background-fill-primary);
  border-bottom: 1px solid var(--border-color-primary); padding: 0.3em 0.2em 0.4em; }
#mc-agenda h3 { margin: 0; font-size: 1.05em; overflow-wrap: anywhere; }
#mc-agenda p { margin: 0.1em 0; }
.mc-clock { font-size: 1.9em; font-variant-numeric: tabular-nums; font-weight: 700; }
.mc-over { color: #b91c1c; }
.mc-items { list-style: none; padding-left: 0; margin: 0.3em 0; display: flex; flex-wrap: nowrap;
  gap: 0.4em; font-size: 0.82em; overflow-x: auto; white-space: nowrap; }
.mc-items li { list-style: none; margin: 0; padding: 0 0.4em; border-radius: 4px;
  border: 1px solid var(--border-color-primary); }
.mc-items li.mc-now { background: rgba(59, 130, 246, 0.15); font-weight: 600; }
.mc-items li.mc-done { opacity: 0.55; }
#mc-top .mc-agenda-buttons button { min-width: 5.5em; }
.mc-q { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5em 0.7em; margin-bottom: 0.6em; overflow-wrap: anywhere; word-break: break-word; }
.mc-q.mc-is-pinned { border-color: #2563eb; border-width: 2px; }
.mc-q.mc-is-answered { opacity: 0.65; }
.mc-q.mc-is-hidden { opacity: 0.5; border-style: dashed; }
.mc-q.mc-is-awaiting { border-color: #b45309; border-style: dotted; border-width: 2px; }
.mc-q.mc-sel { outline: 3px solid #7c3aed; outline-offset: 1px; }
.mc-q.mc-from { outline: 3px dashed #db2777; }
.mc-text { font-size: 1.08em; margin: 0.2em 0; }
.mc-badge { display: inline-block; font-size: 0.78em; padding: 0 0.5em; margin: 0 0.3em 0.2em 0;
  border-radius: 999px; border: 1px solid var(--border-color-primary); }
.mc-badge-pinned { background: rgba(37, 99, 235, 0.15); font-weight: 600; }
.mc-badge-awaiting { background: rgba(245, 158, 11, 0.22); font-weight: 600; }
.mc-route-reading_list { background: rgba(16, 185, 129, 0.15); }
.mc-route-panel { background: rgba(245, 158, 11, 0.18); }
.mc-actions { display: flex; flex-wrap: wrap; gap: 0.35em; margin-top: 0.35em; }
.mc-actions button { font: inherit; font-size: 0.88em; font-weight: 500; padding: 0.3em 0.75em;
  min-height: 2.3em;
  flex: 0 0 auto; white-space: nowrap; overflow: visible; max-width: none;
  border-radius: 6px; border: 1px solid var(--border-color-primary); cursor: pointer;
  background: var(--button-secondary-background-fill); color: var(--body-text-color); }
.mc-actions button.mc-into { display: none; background: #fce7f3; }
#mc-queue.mc-merging .mc-q:not(.mc-from) button.mc-into { display: inline-block; }
#mc-queue.mc-merging .mc-q button:not(.mc-into) { opacity: 0.4; }
#mc-merge-note { display: none; font-weight: 600; }
#mc-queue.mc-merging #mc-merge-note { display: block; }
.mc-keys kbd { border: 1px solid var(--border-color-primary); border-radius: 3px;
  padding: 0 0.3em; font-size: 0.85em; }
@media (max-width: 520px) {
  .mc-clock { font-size: 1.5em; }
  .mc-items { display: none; }
  .mc-actions button { flex: 1 1 40%; }
}
"""

# Clicks on card buttons, and the documented keys, become one `click` event of the queue HTML
# with {qid, act, into}; selection and a pending merge live in the page and survive refreshes.
CARDS_JS = """
const root = element;
let sel = null, from = null;
const cards = () => Array.from(root.querySelectorAll('.mc-q'));
const paint = () => {
  const box = root.querySelector('#mc-queue');
  if (box) box.classList.toggle('mc-merging', from !== null);
  cards().forEach(c => {
    c.classList.toggle('mc-sel', c.dataset.qid === sel);
    c.classList.toggle('mc-from', c.dataset.qid === from);
  });
  const note = root.querySelector('#mc-merge-note');
  if (note && from !== null) note.textContent = note.dataset.text.replace('{id}', from);
};
const act = (qid, name) => {
  if (name === 'merge') { from = (from === qid ? null : qid); paint(); return; }
  if (name === 'into') {
    if (from !== null && from !== qid) {
      trigger('click', {qid: Number(from), act: 'merge', into: Number(qid)});
    }
    from = null; paint(); return;
  }
  trigger('click', {qid: Number(qid), act: name});
};
root.addEventListener('click', ev => {
  const b = ev.target.closest('button[data-act]');
  const card = ev.target.closest('.mc-q');
  if (card) { sel = card.dataset.qid; }
  if (b && card) { act(card.dataset.qid, b.dataset.act); }
  paint();
});
watch('value', paint);
if (!window.__mcKeys) {
  window.__mcKeys = true;
  document.addEventListener('keydown', ev => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
    const list = cards();
    const at = list.findIndex(c => c.dataset.qid === sel);
    const key = ev.key;
    const move = d => {
      if (!list.length) return;
      const i = at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + d));
      sel = list[i].dataset.qid; paint();
      list[i].scrollIntoView({block: 'nearest'});
    };
    const press = id => { const b = document.querySelector('#' + id); if (b) b.click(); };
    const card = at >= 0 ? list[at] : null;
    const toggle = (on, off) => {
      if (!card) return;
      const b = card.querySelector(`button[data-act="${on}"], button[data-act="${off}"]`);
      if (b) act(card.dataset.qid, b.dataset.act);
    };
    let used = true;
    if (key === 'j' || key === 'ArrowDown') move(1);
    else if (key === 'k' || key === 'ArrowUp') move(-1);
    else if (key === 'p') toggle('pin', 'unpin');
    else if (key === 'a') toggle('answered', 'reopen');
    else if (key === 'h') toggle('hide', 'unhide');
    else if (key === 'v') toggle('approve', 'approve');
    else if (key === 'm' || (key === 'Enter' && from !== null)) {
      if (card && from !== null && from !== card.dataset.qid) act(card.dataset.qid, 'into');
      else if (card) act(card.dataset.qid, 'merge');
    }
    else if (key === 'Escape') { from = null; paint(); }
    else if (key === 'n') press('mc-advance');
    else if (key === 'b') press('mc-back');
    else if (key === 's') press('mc-start');
    else used = false;
    if (used) ev.preventDefault();
  });
}
"""

# (action sent, label key) for each flag, by whether the flag is set now.
_TOGGLES = (
    ("pinned", ("unpin", "ui_unpin"), ("pin", "ui_pin")),
    ("answered", ("reopen", "ui_reopen"), ("answered", "ui_answered")),
    ("hidden", ("unhide", "ui_unhide"), ("hide", "ui_hide")),
)
# What each card action does: (flag, value).
ACTIONS = {
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "answered": ("answered", True),
    "reopen": ("answered", False),
    "hide": ("hidden", True),
    "unhide": ("hidden", False),
    "approve": ("approved", True),
}


def _e(text: Any) -> str:
    return escape_inline(str(text))


def agenda_html(view: dict[str, Any]) -> str:
    """Current item with its clock, the next item, and the whole agenda as chips."""
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
    nxt_html = f" · {_e(message('ui_next'))}: {_e(nxt['title'])}" if nxt else ""
    total = int(view["event_remaining_s"] // 60)
    return (
        f"<div id='mc-agenda'><h3 id='mc-item'>{_e(item['title'])}</h3><p>{clock}</p>"
        f"<p class='db-meta'>{total} min {_e(message('ui_event_left'))}{nxt_html}</p>"
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


def _badges(q: QueueItem, labels: dict[str, str]) -> list[str]:
    out = [f"<span class='mc-badge'>#{q.id}</span>"]
    if q.merged_into:
        out.append(
            f"<span class='mc-badge'>{_e(message('ui_badge_merged', id=q.merged_into))}</span>"
        )
    if not q.approved:
        out.append(
            f"<span class='mc-badge mc-badge-awaiting'>{_e(message('ui_badge_awaiting'))}</span>"
        )
    for flag in ("pinned", "answered", "hidden"):
        if getattr(q, flag) and not (flag == "hidden" and q.merged_into):
            out.append(
                f"<span class='mc-badge mc-badge-{flag}'>{_e(message(f'ui_badge_{flag}'))}</span>"
            )
    if q.open_question:
        out.append(f"<span class='mc-badge'>{_e(labels.get(q.open_question, ''))}</span>")
    route = route_label(q.route)
    if route:
        out.append(
            f"<span class='mc-badge mc-route-{_e(q.route)}'>{_e(route)}: "
            f"{_e(reason_label(q.route_reason))}</span>"
        )
    else:
        out.append(f"<span class='mc-badge'>{_e(reason_label('pending'))}</span>")
    return out


def _buttons(q: QueueItem) -> str:
    if q.merged_into:
        return ""
    buttons = []
    if not q.approved:
        buttons.append(("approve", message("ui_approve")))
    for flag, when_on, when_off in _TOGGLES:
        act, key = when_on if getattr(q, flag) else when_off
        buttons.append((act, message(key)))
    buttons.append(("merge", message("ui_merge")))
    out = [
        f"<button type='button' data-act='{act}' aria-label='{_e(label)} #{q.id}'>"
        f"{_e(label)}</button>"
        for act, label in buttons
    ]
    into = message("ui_merge_into")
    out.append(f"<button type='button' class='mc-into' data-act='into'>{_e(into)}</button>")
    return f"<div class='mc-actions'>{''.join(out)}</div>"


def queue_html(items: list[QueueItem], labels: dict[str, str]) -> str:
    """The ranked queue as cards: text, counts, flags in words, route, buttons, suggested answer."""
    note = f"<p id='mc-merge-note' data-text='{_e(message('ui_merge_hint', id='{id}'))}'></p>"
    if not items:
        return f"<div id='mc-queue'>{note}<p>{_e(message('ui_queue_empty'))}</p></div>"
    out = []
    for q in items:
        state = [f"mc-is-{flag}" for flag in ("pinned", "answered", "hidden") if getattr(q, flag)]
        if not q.approved:
            state.append("mc-is-awaiting")
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
            f"<div class='mc-q {' '.join(state)}' data-qid='{q.id}' tabindex='-1'>"
            f"{''.join(_badges(q, labels))}"
            f"<p class='mc-text'>{_e(q.text)}{who}</p><p class='db-meta'>{counts}</p>"
            f"{_buttons(q)}{answer}</div>"
        )
    return f"<div id='mc-queue'>{note}{''.join(out)}</div>"
