"""The comparison of the proposals: a row per proposal or project, a cell only from a citation.

A cell is filled from the indexed text alone: the post's cluster heading and its Vision /
Rationale sentences, the sentence of the post that links to the source, and sentences of the
source's own snapshot once `debatebot fetch` and `ingest` have brought it in. Where none says
anything, the cell stays empty and says so, so the table grows as the reading list is fetched.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.brief.base import Citer, Line, display_name, indexed_ids, status, status_text, text
from bot.debate.pack_data import DebatePack
from bot.models import Quote
from bot.registry import Kind, Source

if TYPE_CHECKING:
    from bot.service import Bot

COLUMNS = ("vision", "rationale", "cluster", "who", "governance", "compute", "openness")
# The post's own labels for a cluster's sentences.
_FIELDS = {"vision": re.compile(r"^Vision:"), "rationale": re.compile(r"^Rationale:")}
# What a sentence must mention to speak to a dimension; more hits rank higher.
KEYWORDS = {
    "governance": re.compile(
        r"\bgovern\w*|\bcouncil\b|\bmember states?\b|\bboard\b|\bdecision\w*|\bvot\w+|"
        r"\bneutral\b|\bnon-profit\b|\bmonopoly\b|\bregulat\w+|\bagency\b",
        re.I,
    ),
    "compute": re.compile(
        r"\bcompute\b|\bcomputing\b|\bcomputational\b|\bGPUs?\b|\bsupercomput\w*|"
        r"\bdata ?cent\w+|\binfrastructure\b|\bchips?\b",
        re.I,
    ),
    "openness": re.compile(
        r"\bopen[- ]source\b|\bopen science\b|\bopenness\b|\bopen\b|\baccess\b|\brelease\w*|"
        r"\blicen[cs]\w*|\bpublish\w*|\btransparen\w+",
        re.I,
    ),
}


@dataclass
class Row:
    """One proposal or project with a Line (or None: not in the indexed sources) per column."""

    source: Source
    name: str
    state: str
    cells: dict[str, Line | None] = field(default_factory=dict)


@dataclass
class Comparison:
    rows: list[Row]


def _cluster_quotes(bot: Bot, debate: DebatePack) -> dict[str, dict[str, Quote]]:
    """cluster id -> {"heading", "vision", "rationale"} quotes of the post."""
    out: dict[str, dict[str, Quote]] = {}
    for cl in debate.clusters:
        head = bot.corpus.heading(debate.event.post_source, cl.heading)
        if head is None:
            continue
        found = {"heading": Quote(head, 0)}
        for chunk in bot.corpus.section(head):
            for i in range(len(chunk.sentences)):
                q = Quote(chunk, i)
                for name, pattern in _FIELDS.items():
                    if name not in found and pattern.match(q.text):
                        found[name] = q
        out[cl.id] = found
    return out


def best_match(quotes: list[Quote], dimension: str) -> Quote | None:
    """The quote mentioning the dimension most often (the earliest on a tie)."""
    pattern = KEYWORDS[dimension]
    scored = [(len(pattern.findall(q.text)), -k, q) for k, q in enumerate(quotes)]
    scored = [s for s in scored if s[0] > 0]
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def _own_quotes(bot: Bot, source: Source) -> list[Quote]:
    """The sentences of the source's own snapshot, when it is indexed."""
    return [
        Quote(c, i)
        for c in bot.corpus.chunks_of(source.id)
        if c.block_kind != "heading"
        for i in range(len(c.sentences))
    ]


def build_comparison(bot: Bot, debate: DebatePack, citer: Citer) -> Comparison:
    """The table for every proposal and existing project of the reading list."""
    clusters = _cluster_quotes(bot, debate)
    heading_of = {cl.id: cl.heading for cl in debate.clusters}
    indexed = indexed_ids(bot)
    rows = []
    for src in bot.registry:
        if src.kind not in (Kind.proposal, Kind.existing_project):
            continue
        links = bot.corpus.linking_quotes(src)
        picked: dict[str, Quote | None] = dict.fromkeys(COLUMNS)
        cl = src.cluster
        # The cluster cells hold only where the post lists the source under that cluster.
        listed = cl is not None and any(
            heading_of[cl] in q.chunk.heading_path for q in links if cl in heading_of
        )
        if listed and cl in clusters:
            picked["cluster"] = clusters[cl].get("heading")
            picked["vision"] = clusters[cl].get("vision")
            picked["rationale"] = clusters[cl].get("rationale")
        picked["who"] = links[0] if links else None
        own = _own_quotes(bot, src)
        for dim in KEYWORDS:
            picked[dim] = best_match(links, dim) or best_match(own, dim)
        row = Row(src, display_name(src), status(bot, src, indexed))
        row.cells = {k: citer.line(q) if q is not None else None for k, q in picked.items()}
        rows.append(row)
    return Comparison(rows)


def column_titles() -> list[str]:
    return [text("col_source"), *(text(f"col_{c}") for c in COLUMNS), text("col_status")]


def table_rows(comparison: Comparison) -> list[list[str]]:
    """The table as text, for the app: full quotes with their marker, or the empty phrase."""
    empty = text("empty_cell")
    return [
        [
            r.name,
            *(f"“{c.text}” [{c.n}]" if c else empty for c in (r.cells[k] for k in COLUMNS)),
            status_text(r.state),
        ]
        for r in comparison.rows
    ]


def to_csv(comparison: Comparison) -> str:
    """CSV: per column the quote (or the empty phrase) and the deep link that opens it."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["source_id", "name", "title", "kind", "date", "url", "status"]
    for c in COLUMNS:
        header += [c, f"{c}_link"]
    writer.writerow(header)
    empty = text("empty_cell")
    for r in comparison.rows:
        s = r.source
        line = [s.id, r.name, s.title, s.kind.value, s.date, s.url, r.state]
        for c in COLUMNS:
            cell = r.cells[c]
            line += [cell.text, cell.url] if cell else [empty, ""]
        writer.writerow(line)
    return out.getvalue()
