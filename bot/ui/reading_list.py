"""The Reading list tab: every source with whether the bot can quote it, and "ask only this one".

Rendered as one HTML table that CSS turns into cards on a phone (bot/ui/theme.py), so title,
kind, status and the link a person opens are all on screen at 390 px as at 1280 px.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import gradio as gr
from pydantic import BaseModel

from bot.brief.base import indexed_ids, status
from bot.pack import DebatePackError, load_debate
from bot.prompts import render
from bot.registry import Kind
from bot.service import Bot
from bot.ui.context import UIContext, text, text_list
from bot.ui.render import safe_url

log = logging.getLogger(__name__)

State = Literal["indexed", "snapshot", "missing", "failed"]


class ReadingListEntry(BaseModel):
    """One row of the reading list as the app and the API show it."""

    id: str
    title: str
    author: str
    date: str
    kind: str
    cluster: str
    status: State
    url: str  # what the fetcher reads (for the post, its WordPress REST URL)
    human_url: str  # the page a person opens
    reason: str = ""  # why a source failed to index, when known


def failure_reasons(bot: Bot) -> dict[str, str]:
    """Why each source failed at the pack's last ingest, by source id (read from its saved report,
    so a server shows what an ingest in another process found)."""
    report = bot.ingest_report()
    if report is None:
        return {}
    return {
        s.source_id: s.reason or "failed at the last ingest"
        for s in report.sources
        if s.status == "failed"
    }


def source_states(bot: Bot, failed: dict[str, str] | None = None) -> dict[str, State]:
    """Each registered source's state: indexed, snapshot (copy not indexed), missing or failed.

    `failed` is `failure_reasons(bot)` when the caller has read it already.
    """
    try:
        indexed = indexed_ids(bot)
    except Exception as exc:  # no store yet: everything reads as not indexed
        log.warning("cannot read the index: %s", exc)
        indexed = set()
    failed = failure_reasons(bot) if failed is None else failed
    states: dict[str, State] = {}
    for s in bot.registry:
        state = status(bot, s, indexed)
        states[s.id] = "failed" if state != "indexed" and s.id in failed else state  # type: ignore[assignment]
    return states


def reading_list(bot: Bot, cluster: str = "", kind: str = "") -> list[ReadingListEntry]:
    """The registry, optionally filtered, with each source's state and human link."""
    reasons = failure_reasons(bot)
    states = source_states(bot, reasons)
    return [
        ReadingListEntry(
            id=s.id,
            title=s.title,
            author=s.author,
            date=s.date,
            kind=s.kind.value,
            cluster=s.cluster or "",
            status=states[s.id],
            url=s.url,
            human_url=s.human_url,
            reason=reasons.get(s.id, "") if states[s.id] == "failed" else "",
        )
        for s in bot.registry
        if (not cluster or (s.cluster or "") == cluster) and (not kind or s.kind.value == kind)
    ]


def indexed_choices(bot: Bot) -> tuple[list[tuple[str, str]], int]:
    """(title, id) of the sources the bot can quote, and how many others it cannot yet."""
    states = source_states(bot)
    choices = [(s.title, s.id) for s in bot.registry if states[s.id] == "indexed"]
    return choices, len(states) - len(choices)


def _kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def table_html(entries: list[ReadingListEntry], cluster_labels: dict[str, str]) -> str:
    """The list as one table (cards on a phone); every text is escaped by the template."""
    rows = [
        {
            "id": e.id,
            "title": e.title,
            "by": " · ".join(p for p in (e.author, e.date) if p),
            "kind": _kind_label(e.kind),
            "cluster": cluster_labels.get(e.cluster, _kind_label(e.cluster)),
            "status": e.status,
            "badge": text(f"status_{e.status}"),
            "why": e.reason or text(f"status_{e.status}_why"),
            "link": "" if safe_url(e.human_url) == "#" else e.human_url,
        }
        for e in entries
    ]
    if not rows:
        return f"<p>{text('reading_none')}</p>"
    out = render(
        "ui/reading_list.html.j2",
        rows=rows,
        columns=text_list("reading_columns"),
        open_label=text("open_link"),
    )
    return " ".join(out.split("\n")).strip()


def build_tab(ctx: UIContext) -> None:
    """Filters, "ask only this source" (indexed sources only), then the list."""
    gr.Markdown(text("reading_intro"))
    anyone = [(text("reading_any"), "")]
    try:
        clusters = [(c.label, c.id) for c in load_debate(ctx.settings).clusters]
    except DebatePackError:
        clusters = []
    labels = {cid: label for label, cid in clusters}
    with gr.Row(elem_classes="db-rl-pick-row", equal_height=False):
        pick = gr.Dropdown(
            choices=[],
            value=None,
            label=text("reading_pick"),
            elem_id="db-rl-pick",
            scale=3,
        )
        ask = gr.Button(
            text("reading_ask"),
            variant="primary",
            size="md",
            elem_id="db-rl-ask",
            scale=1,
            min_width=120,
        )
    with gr.Row():
        cluster = gr.Dropdown(
            choices=anyone + clusters,
            value="",
            label=text("reading_cluster"),
            elem_id="db-rl-cluster",
        )
        kind = gr.Dropdown(
            choices=anyone + [(_kind_label(k.value), k.value) for k in Kind],
            value="",
            label=text("reading_kind"),
            elem_id="db-rl-kind",
        )
    table = gr.HTML(elem_id="db-reading-list", js_on_load=None)

    def refresh(c: str, k: str) -> str:
        return table_html(reading_list(ctx.bot, c or "", k or ""), labels)

    def choices() -> Any:
        items, others = indexed_choices(ctx.bot)
        return gr.Dropdown(choices=items, info=text("reading_pick_info", others=others))

    quick = {"api_visibility": "private", "queue": False}
    assert ctx.demo is not None
    ctx.demo.load(refresh, [cluster, kind], [table], **quick)
    ctx.demo.load(choices, None, [pick], **quick)
    cluster.change(refresh, [cluster, kind], [table], **quick)
    kind.change(refresh, [cluster, kind], [table], **quick)
    ctx.restrict_chat(ask.click, lambda sid: sid, inputs=[pick])
