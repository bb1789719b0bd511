"""The Reading list tab: the registry with its index status; pick a source to ask only it."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from pydantic import BaseModel

from bot.brief.base import indexed_ids, status
from bot.debate.pack_data import DebatePackError, load_debate
from bot.registry import Kind
from bot.service import Bot
from bot.ui.context import UIContext, text, text_list

log = logging.getLogger(__name__)


class ReadingListEntry(BaseModel):
    """One row of the reading list as the app and the API show it."""

    id: str
    title: str
    author: str
    date: str
    kind: str
    cluster: str
    status: str  # "indexed" | "snapshot" | "missing"
    url: str


def reading_list(bot: Bot, cluster: str = "", kind: str = "") -> list[ReadingListEntry]:
    """The registry, optionally filtered, with whether each source is indexed or missing."""
    try:
        indexed = indexed_ids(bot)
    except Exception as exc:  # no store yet: everything reads as not indexed
        log.warning("cannot read the index: %s", exc)
        indexed = set()
    rows = []
    for s in bot.registry:
        if cluster and (s.cluster or "") != cluster:
            continue
        if kind and s.kind.value != kind:
            continue
        rows.append(
            ReadingListEntry(
                id=s.id,
                title=s.title,
                author=s.author,
                date=s.date,
                kind=s.kind.value,
                cluster=s.cluster or "",
                status=status(bot, s, indexed),
                url=s.url,
            )
        )
    return rows


def _md_text(value: str) -> str:
    """Dataframe cells render Markdown: show titles literally."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>" else ch for ch in value)


def table_rows(entries: list[ReadingListEntry]) -> list[list[str]]:
    labels = {
        "indexed": text("status_indexed"),
        "snapshot": text("status_snapshot"),
        "missing": text("status_missing"),
    }
    return [
        [
            _md_text(e.title),
            _md_text(e.author),
            e.date,
            e.kind.replace("_", " "),
            e.cluster.replace("_", " "),
            labels[e.status],
            f"[{text('open_link')}](<{e.url}>)",
        ]
        for e in entries
    ]


def build_tab(ctx: UIContext) -> None:
    """Filters, the table, and "ask about this source"."""
    gr.Markdown(text("reading_intro"))
    anyone = [(text("reading_any"), "")]
    try:
        clusters = [(c.label, c.id) for c in load_debate(ctx.settings).clusters]
    except DebatePackError:
        clusters = []
    with gr.Row():
        cluster = gr.Dropdown(
            choices=anyone + clusters,
            value="",
            label=text("reading_cluster"),
            elem_id="db-rl-cluster",
        )
        kind = gr.Dropdown(
            choices=anyone + [(k.value.replace("_", " "), k.value) for k in Kind],
            value="",
            label=text("reading_kind"),
            elem_id="db-rl-kind",
        )
    columns = text_list("reading_columns")
    table = gr.Dataframe(
        headers=columns,
        datatype=["markdown"] * len(columns),
        interactive=False,
        wrap=True,
        elem_id="db-reading-list",
        max_height=560,
    )
    shown_ids = gr.State([])
    with gr.Row():
        pick = gr.Dropdown(
            choices=[(s.title, s.id) for s in ctx.bot.registry],
            value=None,
            label=text("reading_pick"),
            elem_id="db-rl-pick",
        )
        ask = gr.Button(text("reading_ask"), variant="primary", elem_id="db-rl-ask")

    def refresh(c: str, k: str) -> tuple[list[list[str]], list[str]]:
        entries = reading_list(ctx.bot, c or "", k or "")
        return table_rows(entries), [e.id for e in entries]

    def chosen(ids: list[str], evt: gr.SelectData) -> Any:
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        return gr.Dropdown(value=ids[row]) if 0 <= row < len(ids) else gr.skip()

    quick = {"api_visibility": "private", "queue": False}
    assert ctx.demo is not None
    ctx.demo.load(refresh, [cluster, kind], [table, shown_ids], **quick)
    cluster.change(refresh, [cluster, kind], [table, shown_ids], **quick)
    kind.change(refresh, [cluster, kind], [table, shown_ids], **quick)
    table.select(chosen, [shown_ids], [pick], **quick)
    ctx.restrict_chat(ask.click, lambda sid: sid, inputs=[pick])
