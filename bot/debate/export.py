"""After the event: the queue, the suggested answers, the prompts used and the feedback, as files.

CSV for spreadsheets and one Markdown report for reading. Attendee text is escaped for Markdown
so that a question cannot turn into a link or a heading in the report, and for spreadsheets so
that a cell cannot become a formula (`=HYPERLINK(...)` is written as text). Every row is
written, whatever it holds. The feedback table belongs to `bot.feedback`; when it is absent
the export says so and goes on.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.debate.agenda import Agenda
from bot.debate.db import Database, console_path
from bot.debate.feed import SCHEMA as FEED_SCHEMA
from bot.debate.queue import AudienceQueue, QueueItem
from bot.debate.texts import reason_label, route_label
from bot.pack import DebatePackError, load_debate
from bot.prompts import render
from bot.settings import Settings

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md_escape(text: str) -> str:
    """Attendee text as literal Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else ""


def sheet_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: text that would start a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: sheet_cell(v) for k, v in row.items()} for row in rows)
    return path


def _queue_row(q: QueueItem, rank: int) -> dict[str, Any]:
    a = q.answer
    return {
        "rank": rank,
        "id": q.id,
        "text": q.text,
        "name": q.name,
        "asked_by": q.asked_by,
        "merged": q.merged,
        "votes": q.votes,
        "pinned": q.pinned,
        "answered": q.answered,
        "hidden": q.hidden,
        "approved": q.approved,
        "merged_into": q.merged_into or "",
        "route": q.route or "",
        "route_reason": q.route_reason or "",
        "open_question": q.open_question or "",
        "created_at": _when(q.created_at),
        "answer_engine": a.engine if a else "",
        "answer_abstained": a.abstained if a else "",
        "answer": a.answer if a else "",
    }


def _feedback(settings: Settings) -> tuple[list[dict[str, Any]], str]:
    """Feedback rows from bot.feedback, or none and a note saying why."""
    try:
        from bot.feedback import feedback_path, feedback_store
    except ImportError:
        return [], "Feedback is not collected by this version of the app."
    if not feedback_path(settings).exists():
        return [], "No feedback was recorded."
    return list(reversed(feedback_store(settings).recent(limit=1_000_000))), ""


def export_all(settings: Settings, out: Path) -> list[Path]:
    """Write queue.csv, submissions.csv, answers.csv, prompts_used.csv, feedback.csv, report.md."""
    out.mkdir(parents=True, exist_ok=True)
    queue = AudienceQueue(settings)
    items = queue.items(include_hidden=True)
    rows = [_queue_row(q, i + 1) for i, q in enumerate(items)]
    written = [_write_csv(out / "queue.csv", rows, list(rows[0]) if rows else ["id", "text"])]
    subs = [
        dict(r)
        for r in queue.db.rows(
            "SELECT id, question_id, text, name, created_at, similarity FROM submissions "
            "ORDER BY id"
        )
    ]
    for s in subs:
        s["created_at"] = _when(s["created_at"])
    written.append(
        _write_csv(
            out / "submissions.csv",
            subs,
            ["id", "question_id", "text", "name", "created_at", "similarity"],
        )
    )
    cite_rows = [
        {
            "question_id": q.id,
            "question": q.text,
            "abstained": q.answer.abstained,
            "n": c.n,
            "title": c.title,
            "section": c.section,
            "url": c.url,
            "quote": c.quote,
        }
        for q in items
        if q.answer
        for c in (q.answer.citations or q.answer.related)
    ]
    written.append(
        _write_csv(
            out / "answers.csv",
            cite_rows,
            ["question_id", "question", "abstained", "n", "title", "section", "url", "quote"],
        )
    )
    log_db = Database(console_path(settings), FEED_SCHEMA)
    prompts = [dict(r) for r in log_db.rows("SELECT * FROM feed_log ORDER BY id")]
    for p in prompts:
        p["used_at"] = _when(p["used_at"])
        p["citations"] = json.loads(p["citations"])
    written.append(
        _write_csv(
            out / "prompts_used.csv",
            prompts,
            [
                "id",
                "used_at",
                "agenda_item",
                "question_id",
                "kind",
                "reason",
                "title",
                "text",
                "clusters",
            ],
        )
    )
    feedback, note = _feedback(settings)
    written.append(
        _write_csv(
            out / "feedback.csv",
            feedback,
            ["id", "created_at", "vote", "answer_id", "question", "answer", "engine", "abstained"],
        )
    )
    written.append(_report(settings, out, queue, items, prompts, feedback, note))
    queue.db.close()
    log_db.close()
    return written


def _report(
    settings: Settings,
    out: Path,
    queue: AudienceQueue,
    items: list[QueueItem],
    prompts: list[dict],
    feedback: list[dict],
    note: str,
) -> Path:
    try:
        pack = load_debate(settings)
        title = pack.event.title
        labels = {q.id: q.label for q in pack.open_questions}
        names = {i.id: i.title for i in pack.agenda}
        agenda = [
            {
                "started": _when(h["started"]),
                "ended": _when(h["ended"]),
                "title": names.get(h["item_id"], h["item_id"]),
            }
            for h in Agenda(settings, pack).history()
        ]
    except DebatePackError:
        title, labels, agenda = "Debate", {}, []
    questions = []
    for rank, q in enumerate(items, start=1):
        flags = ", ".join(f for f in ("pinned", "answered", "hidden") if getattr(q, f))
        a = q.answer
        questions.append(
            {
                "rank": rank,
                "text": md_escape(q.text),
                "name": md_escape(q.name),
                "asked_by": q.asked_by,
                "votes": q.votes,
                "flags": flags,
                "route": f"{route_label(q.route)} ({reason_label(q.route_reason)})"
                if q.route
                else reason_label(None),
                "open_question": labels.get(q.open_question or "", ""),
                "answer": a.answer if a else "",
                "abstained": bool(a and a.abstained),
                "citations": (a.citations or a.related) if a else [],
            }
        )
    text = render(
        "moderator/export.md.j2",
        title=title,
        exported_at=_when(datetime.now(UTC).timestamp()),
        counts=queue.counts(),
        agenda=agenda,
        questions=questions,
        prompts=prompts,
        feedback=[{**f, "question": md_escape(f["question"])} for f in feedback],
        feedback_note=note,
    )
    path = out / "report.md"
    path.write_text(text, encoding="utf-8")
    return path
