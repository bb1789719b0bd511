"""What the last ingest did to each source, kept in the pack's data folder for the UI and CLI.

`ingest-report.json` is rewritten (atomically) at the end of every ingest, so the reading list
can show "failed (why)" for a source even in a process that did not run the ingest.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from bot.index.namespace import pack_data_dir
from bot.settings import Settings

Status = Literal["indexed", "unchanged", "missing", "failed", "removed"]
REPORT_FILE = "ingest-report.json"


@dataclass(frozen=True)
class SourceReport:
    """One source's outcome; `chunks` is what it now has in the index (kept ones included)."""

    source_id: str
    status: Status
    chunks: int = 0
    reason: str = ""
    at: str = ""  # when this source was processed (UTC, ISO 8601)


@dataclass
class IngestReport:
    sources: list[SourceReport] = field(default_factory=list)
    seconds: float = 0.0
    finished_at: str = ""
    rebuild: bool = False
    generation: str = ""  # the live generation after this ingest
    notices: list[str] = field(default_factory=list)  # news about the index as a whole

    def count(self, status: Status) -> int:
        return sum(1 for s in self.sources if s.status == status)

    @property
    def chunks_written(self) -> int:
        return sum(s.chunks for s in self.sources if s.status == "indexed")

    def by_source(self) -> dict[str, SourceReport]:
        return {s.source_id: s for s in self.sources}


def report_path(settings: Settings) -> Path:
    return pack_data_dir(settings) / REPORT_FILE


def save_report(settings: Settings, report: IngestReport) -> Path:
    """Write the report beside the pack's other data (temp file and rename)."""
    path = report_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(report), fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
    return path


def last_ingest_report(settings: Settings) -> IngestReport | None:
    """The outcome of this pack's last finished ingest, or None (never ingested, unreadable)."""
    try:
        data = json.loads(report_path(settings).read_text(encoding="utf-8"))
        sources = [SourceReport(**s) for s in data.pop("sources")]
        return IngestReport(sources=sources, **data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
