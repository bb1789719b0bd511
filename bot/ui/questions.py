"""The Open questions tab: the five questions of debate.yaml, each cited from the post."""

from __future__ import annotations

import logging

import gradio as gr

from bot.debate.questions import OpenQuestionBrief, open_question_briefs
from bot.pack import DebatePack, OpenQuestion, load_debate
from bot.ui.context import UIContext, text
from bot.ui.render import escape_inline, footnote, sources_html

log = logging.getLogger(__name__)


def question_head_html(q: OpenQuestion) -> str:
    """The post's heading for the question and our short label (known without the index)."""
    return (
        f'<div class="db-oq" data-qid="{escape_inline(q.id)}">'
        f'<h3 class="db-oq-heading">{escape_inline(q.heading)}</h3>'
        f'<p class="db-oq-label">{escape_inline(q.label)}</p></div>'
    )


def question_body_html(q: OpenQuestion, debate: DebatePack) -> str:
    """The clusters the question touches and our discussion prompts."""
    labels = {c.id: c.label for c in debate.clusters}
    chips = "".join(f'<span class="db-chip">{escape_inline(labels[c])}</span>' for c in q.clusters)
    prompts = "".join(f"<li>{escape_inline(p)}</li>" for p in q.prompts)
    return (
        f'<div class="db-oq-body"><p class="db-oq-clusters">'
        f"{escape_inline(text('question_clusters'))} {chips}</p>"
        f'<p class="db-oq-prompts-label">{escape_inline(text("question_prompts"))}</p>'
        f'<ul class="db-oq-prompts">{prompts}</ul></div>'
    )


def brief_html(brief: OpenQuestionBrief) -> str:
    """The cited part: the wording in the post, then (folded) its framing and related passages."""
    wording = f"{escape_inline(text('question_wording'))} “{escape_inline(brief.heading)}”"
    if brief.citation:
        wording += footnote(brief.citation)
    framing = "".join(f"<li>“{escape_inline(c.quote)}”{footnote(c)}</li>" for c in brief.framing)
    return (
        f'<div class="db-oq-evidence"><p class="db-oq-wording">{wording}</p>'
        f'<details class="db-oq-more"><summary>{escape_inline(text("question_more"))}</summary>'
        f'<p class="db-sources-label">{escape_inline(text("question_framing"))}</p>'
        f'<ul class="db-oq-framing">{framing}</ul>'
        f"{sources_html(brief.related, text('question_related'))}</details></div>"
    )


def build_tab(ctx: UIContext) -> None:
    """Five question cards; their cited evidence fills in once the index is at hand."""
    debate = load_debate(ctx.settings)
    gr.Markdown(text("questions_intro"))
    evidence = []
    for q in debate.open_questions:
        with gr.Group(elem_classes="db-oq-card"):
            gr.Markdown(question_head_html(q), latex_delimiters=[])
            evidence.append(
                gr.Markdown(
                    f"<p>{escape_inline(text('question_loading'))}</p>",
                    latex_delimiters=[],
                    elem_classes="db-oq-evidence-box",
                )
            )
            gr.Markdown(question_body_html(q, debate), latex_delimiters=[])
            button = gr.Button(text("question_to_chat"), size="sm", elem_classes="db-oq-to-chat")
            ctx.send_to_chat(button.click, f"pose open question {q.id}")

    def fill() -> list[str]:
        try:
            return [brief_html(b) for b in open_question_briefs(ctx.bot)]
        except Exception as exc:  # no index yet: say so in place of the passages
            log.warning("open-question briefs unavailable: %s", exc)
            return [f'<p class="db-notice">{escape_inline(str(exc))}</p>'] * len(evidence)

    assert ctx.demo is not None
    ctx.demo.load(
        fill,
        None,
        evidence,
        api_visibility="private",
        concurrency_id="briefs",
        concurrency_limit=1,
        show_progress="hidden",
    )
