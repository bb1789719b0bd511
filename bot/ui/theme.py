"""The app's look: a Gradio theme with WCAG AA contrast, the CSS for a phone first, and the one
script that scrolls a new answer into view.

Colours are chosen for 4.5:1 or more against the background they sit on (tests/test_browser.py
measures them in Chromium): white on orange-700 buttons (5.2:1) instead of Gradio's orange-500
(2.8:1), grey-600 placeholders and hints instead of grey-400.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

ORANGE_700 = "#c2410c"  # white text on it: 5.2:1
ORANGE_800 = "#9a3412"  # hover: 7.3:1
GREY_600 = "#4b5563"  # on white: 7.6:1
ORANGE_300 = "#fdba74"  # dark mode: text on neutral-950 well over 4.5:1

# System fonts only: nothing is fetched from a font CDN, and phones render at once.
THEME = gr.themes.Default(
    font=(
        "Segoe UI",
        "Roboto",
        "Helvetica Neue",
        "Arial",
        "Noto Sans",
        "DejaVu Sans",
        "sans-serif",
    ),
    font_mono=("SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"),
).set(
    button_primary_background_fill=ORANGE_700,
    button_primary_background_fill_hover=ORANGE_800,
    button_primary_background_fill_dark=ORANGE_700,
    button_primary_background_fill_hover_dark=ORANGE_800,
    button_primary_border_color=ORANGE_700,
    button_primary_border_color_dark=ORANGE_700,
    button_primary_text_color="white",
    button_primary_text_color_hover="white",
    button_secondary_text_color="*neutral_900",
    button_secondary_text_color_hover="*neutral_900",
    input_placeholder_color=GREY_600,
    input_placeholder_color_dark="*neutral_300",
    body_text_color_subdued=GREY_600,
    body_text_color_subdued_dark="*neutral_300",
    block_info_text_color=GREY_600,
    block_info_text_color_dark="*neutral_300",
    block_label_text_color=GREY_600,
    block_label_text_color_dark="*neutral_300",
    color_accent=ORANGE_700,
    link_text_color=ORANGE_800,
    link_text_color_hover=ORANGE_700,
    link_text_color_visited="#7c2d12",
    link_text_color_dark=ORANGE_300,
    link_text_color_hover_dark=ORANGE_300,
    link_text_color_visited_dark=ORANGE_300,
)

CSS = """
/* No page navigation: the moderator's console is reached by its address, not advertised. */
.nav-holder { display: none !important; }
/* --- header: short on a phone ------------------------------------------------------------ */
#db-header h2 { margin: 0 0 0.2em; }
#db-header p { margin: 0; }
/* --- answers ---------------------------------------------------------------------------- */
.db-answer p { margin: 0.35em 0; }
.db-abstain { border-left: 4px solid #b45309; background: rgba(245, 158, 11, 0.10);
  padding: 0.4em 0.75em; border-radius: 6px; }
.db-pending { font-style: italic; }
.db-cite-link { text-decoration: none; font-weight: 600; color: var(--link-text-color); }
.db-cite { line-height: 0; }
.db-sources { margin-top: 0.6em; padding-top: 0.4em; font-size: 0.9em;
  border-top: 1px solid var(--border-color-primary); }
.db-sources-label { font-weight: 600; margin: 0 0 0.2em; }
.db-source-list, .db-places { list-style: none; padding-left: 0; margin: 0; }
.db-source { margin: 0 0 0.35em; }
.db-src-title { font-weight: 600; }
.db-places { padding-left: 0.8em; }
.db-place { margin: 0.1em 0; }
.db-source-link, #db-chat .db-src-page { color: var(--link-text-color); }
.db-source-link { text-decoration: none; font-weight: 600; margin-right: 0.15em; }
.db-section { color: var(--body-text-color-subdued); }
.db-quote { margin: 0.2em 0 0.3em; padding-left: 0.6em; font-style: italic;
  border-left: 3px solid var(--border-color-accent, #d1d5db); }
.db-notice { font-size: 0.9em; }
.db-chip { display: inline-block; padding: 0 0.55em; margin: 0 0.25em 0.25em 0;
  border-radius: 999px; border: 1px solid var(--border-color-primary); font-size: 0.85em; }
/* --- the Ask tab: question first, the chat a bounded box below it ----------------------- */
#db-ask-top { gap: 0.4em; }
#db-question .submit-button { background: var(--button-primary-background-fill);
  color: var(--button-primary-text-color); font-weight: 600; }
#db-question .submit-button:hover { background: var(--button-primary-background-fill-hover); }
.db-ask-actions { gap: 0.5em; }
.db-ask-actions button { flex: 1 1 auto; min-width: 0; }
#db-filter-note:empty, #db-filter-note .prose:empty { display: none; }
#db-chat { min-width: 0; }
#db-chat .prose { opacity: 1 !important; }  /* Gradio dims message text to 0.8 */
/* --- open questions ----------------------------------------------------------------------- */
.db-oq-card { padding: 0.4em 0.9em 0.6em; }
.db-oq-heading { margin-bottom: 0.1em; }
.db-oq-label { margin-top: 0; color: var(--body-text-color-subdued); }
.db-oq-framing { margin: 0.2em 0 0.6em; }
.db-oq-more summary { cursor: pointer; font-weight: 600; }
/* --- reading list: a table on a wide screen, cards on a phone ----------------------------- */
.db-rl { width: 100%; border-collapse: collapse; table-layout: auto; font-size: 0.95em; }
.db-rl tr, .db-rl th, .db-rl td { border-left: 0; border-right: 0; border-top: 0; }
#db-reading-list table { border: 0; margin: 0 !important; padding: 0 !important; }
#db-reading-list .html-container { padding-left: 0; padding-right: 0; }
.db-rl th { text-align: left; font-weight: 600; padding: 0.4em 0.5em;
  border-bottom: 2px solid var(--border-color-primary); }
.db-rl td { padding: 0.45em 0.5em; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary); overflow-wrap: anywhere; }
.db-rl .db-rl-title { width: 55%; }
.db-rl-by { display: block; font-size: 0.88em; color: var(--body-text-color-subdued); }
.db-rl-open { white-space: nowrap; font-weight: 600; }
.db-badge { display: inline-block; padding: 0.05em 0.55em; border-radius: 999px;
  font-size: 0.85em; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.db-badge-indexed { background: #dcfce7; color: #166534; border-color: #86efac; }
.db-badge-snapshot { background: #fef3c7; color: #92400e; border-color: #fcd34d; }
.db-badge-missing { background: #f3f4f6; color: #374151; border-color: #9ca3af;
  border-style: dashed; }
.db-badge-failed { background: #fee2e2; color: #991b1b; border-color: #fca5a5; }
.db-rl-why { display: block; font-size: 0.85em; color: var(--body-text-color-subdued); }
.db-rl-row-missing .db-rl-title-text, .db-rl-row-failed .db-rl-title-text { font-weight: 400; }
.db-rl-row-indexed .db-rl-title-text { font-weight: 600; }
/* --- dark mode: the accent (selected tabs) is orange-700 in light mode, too dark on black --- */
.dark button[role="tab"].selected { color: var(--link-text-color) !important; }
/* --- footer: Gradio's own links at AA contrast ------------------------------------------ */
footer a, footer button, footer .built-with, footer .show-api {
  color: var(--body-text-color) !important; opacity: 1 !important; }
footer img { opacity: 1 !important; }
/* --- the page's side margins: 32 px on a desktop, about 10 px on a phone (Gradio scopes rules
   inside @media to its content, so this one is a plain rule) --------------------------------- */
.main.fillable.app { padding-left: clamp(6px, 2.5vw, 32px) !important;
  padding-right: clamp(6px, 2.5vw, 32px) !important; }
/* --- a phone ------------------------------------------------------------------------------ */
@media (max-width: 640px) {
  #db-tabs button[role="tab"] { padding-left: 0.55em; padding-right: 0.55em; }
  #db-header h2 { font-size: 1.15em; line-height: 1.25; }
  #db-header p { font-size: 0.88em; line-height: 1.35; }
  .db-ask-actions { flex-wrap: nowrap !important; }
  .db-oq-card { padding: 0.3em 0.6em 0.5em; }
  #db-chat .message-row.panel { padding: 10px 4px; }
  .db-ask-actions button { font-size: 0.85em; padding: 0.35em 0.5em; }
  .db-rl thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); }
  .db-rl, .db-rl tbody, .db-rl tr { display: block; width: auto !important; }
  .db-rl tr { border: 1px solid var(--border-color-primary); border-radius: 8px;
    padding: 0.45em 0.7em; margin: 0 0 0.6em; }
  .db-rl td { display: inline-block; border: 0 !important;
    padding: 0.15em 0.9em 0.15em 0 !important; }
  .db-rl td.db-rl-title { display: block; width: auto !important; padding-right: 0; }
  .db-rl td.db-rl-empty { display: none; }
  .db-rl td.db-rl-kind::before, .db-rl td.db-rl-cluster::before { content: attr(data-label) ": ";
    color: var(--body-text-color-subdued); font-size: 0.88em; }
}
"""

# Runs after an answer (and after the page restores a conversation): scrolls the chat box so
# the newest answer's first line (with its question, when short) sits at its top, instead of
# Gradio's autoscroll to the very end of its sources; then, if the chat box is out of view (a
# phone), brings its top into view.
SCROLL_TO_ANSWER_JS = """
async () => {
  const chat = document.querySelector('#db-chat');
  if (!chat) return;
  let answer = null;
  for (let i = 0; i < 60; i++) {
    const all = chat.querySelectorAll('.db-answer');
    answer = all.length ? all[all.length - 1] : null;
    if (answer && !chat.querySelector('.db-pending')) break;
    await new Promise(r => setTimeout(r, 50));
  }
  if (!answer) return;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  let box = answer.parentElement;
  while (box && box !== chat.parentElement) {
    const y = getComputedStyle(box).overflowY;
    if ((y === 'auto' || y === 'scroll') && box.scrollHeight > box.clientHeight) break;
    box = box.parentElement;
  }
  if (box && box !== chat.parentElement) {
    // The question just above stays in view when it is short, so the answer reads in context.
    let target = answer;
    const row = answer.closest('.message-row');
    const asked = row && row.previousElementSibling;
    if (asked && asked.classList.contains('user-row')) {
      const gap = answer.getBoundingClientRect().top - asked.getBoundingClientRect().top;
      if (gap < box.clientHeight * 0.25) target = asked;
    }
    const top = target.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }
  const r = chat.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight * 0.6) {
    window.scrollBy({top: r.top - 8});
  }
}
"""


def style() -> dict[str, Any]:
    """Theme and CSS for `Blocks.launch()` (Gradio 6 takes them there, not in Blocks())."""
    return {"theme": THEME, "css": CSS}
