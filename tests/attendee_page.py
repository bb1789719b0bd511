"""What the browser tests do to and measure on the attendee's page (a Playwright sync Page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")
ANSWERS = "#db-chat .db-answer"
ATTENDEE_TABS = ("Ask", "Open questions", "Reading list", "Prepare")


def ask_in_page(pg: Any, question: str) -> None:
    box = pg.locator("#db-question textarea")
    box.fill(question)
    box.press("Enter")


def wait_for_answers(pg: Any, count: int) -> None:
    """Until `count` answers are in the chat and none is still pending."""
    pg.wait_for_function(
        "n => document.querySelectorAll('#db-chat .db-answer').length >= n"
        " && !document.querySelector('#db-chat .db-pending')",
        arg=count,
    )


def open_tab(pg: Any, name: str) -> None:
    pg.get_by_role("tab", name=name, exact=True).click()


def open_fold(pg: Any, label: str) -> None:
    """Open an accordion by its label (a no-op when it is open already)."""
    button = pg.get_by_role("button", name=label)
    if button.get_attribute("aria-expanded") != "true":
        button.click()


def contrast(pg: Any, root: str = "body", sel: str | None = None) -> list[dict[str, Any]]:
    """Contrast of each visible text under `root` (or each element matching `sel`)."""
    return pg.evaluate(CONTRAST_JS, {"root": root, "sel": sel})


def too_faint(measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in measured if m["ratio"] < m["need"]]


def horizontal_overflow(pg: Any) -> list[str]:
    """Elements that reach past the right edge of the viewport (and the page's own overflow)."""
    return pg.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          const out = [];
          if (document.documentElement.scrollWidth > w) out.push('page:' +
            document.documentElement.scrollWidth);
          for (const e of document.querySelectorAll('.gradio-container *')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden')
              continue;
            let clipped = false;
            for (let a = e.parentElement; a; a = a.parentElement) {
              const o = getComputedStyle(a).overflowX;
              if (o !== 'visible') {
                const ar = a.getBoundingClientRect();
                if (ar.right <= w + 1) { clipped = true; break; }
              }
            }
            if (!clipped && r.right > w + 1) out.push(e.tagName + '.' + e.className);
          }
          return out.slice(0, 10);
        }"""
    )


def covered(pg: Any, selector: str) -> list[str]:
    """Elements drawn over the first lines of the last `selector` (a label over the answer)."""
    return pg.evaluate(
        """sel => {
          const all = document.querySelectorAll(sel);
          const el = all[all.length - 1];
          if (!el) return ['missing ' + sel];
          const r = el.getBoundingClientRect();
          const out = [];
          for (const fx of [0.1, 0.5, 0.9]) for (const dy of [4, 14]) {
            const x = r.left + r.width * fx, y = r.top + dy;
            if (y < 0 || y > window.innerHeight) continue;
            const top = document.elementFromPoint(x, y);
            if (top && !el.contains(top) && !top.contains(el)) out.push(top.outerHTML.slice(0, 80));
          }
          return out;
        }""",
        selector,
    )


def answer_position(pg: Any) -> dict[str, float]:
    """Where the newest answer's top sits below the top of the chat's visible area, and how far
    the chat box could still scroll down."""
    return pg.evaluate(
        """() => {
          const all = document.querySelectorAll('#db-chat .db-answer');
          const answer = all[all.length - 1];
          let box = answer.parentElement;
          while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY))
            box = box.parentElement;
          const top = Math.max(box.getBoundingClientRect().top, 0);
          return {offset: answer.getBoundingClientRect().top - top,
                  room: box.scrollHeight - box.clientHeight - box.scrollTop,
                  height: box.clientHeight};
        }"""
    )


def lands_on_answer(pg: Any) -> bool:
    """The newest answer's first line is near the top of the chat box (below its question when
    that is short), or as near as the box can scroll (a short last answer cannot rise further).
    """
    at = answer_position(pg)
    return at["offset"] >= -2 and (near_top(at) or at["room"] <= 1)


def near_top(at: dict[str, float]) -> bool:
    """Within its question's height of the box's top: a quarter of the box at most."""
    return -2 <= at["offset"] <= max(40.0, at["height"] * 0.25 + 16)
