"""The comparison of the proposals: a row per proposal or project, each cell from the post.

The post's own table of proposals is a picture, so none of it is in the snapshot: the cells
here come from the text alone. Vision is the proposal's own sentence (the one that links to
it), never its cluster's vision. Governance, compute and openness quote the words of a
sentence about the proposal (one that links to it, names it, or comes from its own snapshot
once fetched and indexed) that speak to the dimension. A cell the text says nothing to stays
blank; a sentence quoted in full elsewhere in the pack is referred to by its number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.brief.base import (
    Citer,
    Line,
    display_name,
    indexed_ids,
    item_quotes,
    status,
    text,
)
from bot.models import Quote
from bot.pack import DebatePack
from bot.registry import Kind, Source

if TYPE_CHECKING:
    from bot.service import Bot

COLUMNS = ("vision", "governance", "compute", "openness")
FRAGMENT_WORDS = 9  # a dimension cell quotes at most this many words of its sentence
MIN_CLAUSE = 4  # a shorter clause is widened to the words around it
ELLIPSIS = "…"
_BREAK = re.compile(r"[,;:()]")
# What a sentence must mention to speak to a dimension; more hits rank higher.
KEYWORDS = {
    "governance": re.compile(
        r"\bgovern\w*|\bcouncil\b|\bmember states?\b|\bboard\b|\bdecision\w*|\bvot\w+|"
        r"\bneutral\b|\bnon-profit\b|\bmonopoly\b|\bregulat\w+|\bagency\b|\binstitution\w*|"
        r"\bco-led\b|\bjointly\b|\bsovereignty\b|\bpublic[- ]private\b|\bconsensus\b",
        re.I,
    ),
    "compute": re.compile(
        r"\bcompute\b|\bcomputing\b|\bcomputational\b|\bGPUs?\b|\bsupercomput\w*|"
        r"\bdata ?cent\w+|\binfrastructure\b|\bchips?\b|\bhyperscale\w*|\bHPC\b",
        re.I,
    ),
    "openness": re.compile(
        r"\bopen[- ]source\b|\bopen science\b|\bopenness\b|\bopen\b|\baccess\b|\brelease\w*|"
        r"\blicen[cs]\w*|\bpublish\w*|\btransparen\w+|\bshared\b",
        re.I,
    ),
}


@dataclass(frozen=True)
class Cell:
    """A cited sentence and what the cell shows of it: the whole, a verbatim piece, or ""
    (it is quoted in full elsewhere in the pack; the cell refers to its number)."""

    line: Line
    shown: str
    more: tuple[Line, ...] = ()  # the rest of a list item that runs on, quoted after it

    @property
    def whole(self) -> bool:
        return self.shown == self.line.text


@dataclass
class Row:
    """One proposal or project with a Cell (or None: the post says nothing to it) per column."""

    source: Source
    name: str
    state: str
    cluster: str
    cells: dict[str, Cell | None] = field(default_factory=dict)


@dataclass
class Comparison:
    rows: list[Row]


def best_match(quotes: list[Quote], dimension: str) -> Quote | None:
    """The quote mentioning the dimension most often (the earliest on a tie)."""
    pattern = KEYWORDS[dimension]
    scored = [(len(pattern.findall(q.text)), -k, q) for k, q in enumerate(quotes)]
    scored = [s for s in scored if s[0] > 0]
    return max(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def fragment(sentence: str, dimension: str, limit: int = FRAGMENT_WORDS) -> str:
    """The words of a sentence that speak to a dimension: the clause with its keyword, cut to
    `limit` words around it, verbatim, with an ellipsis where the sentence goes on."""
    m = KEYWORDS[dimension].search(sentence)
    if m is None:
        return ""
    breaks = [b.start() for b in _BREAK.finditer(sentence)]
    lo = max([b + 1 for b in breaks if b < m.start()], default=0)
    hi = min([b for b in breaks if b >= m.end()], default=len(sentence))
    if len(sentence[lo:hi].split()) < MIN_CLAUSE:  # "neutral," alone says too little
        lo, hi = 0, len(sentence)
    spans = [(w.start() + lo, w.end() + lo) for w in re.finditer(r"\S+", sentence[lo:hi])]
    hit = next(i for i, (_, end) in enumerate(spans) if end > m.start())
    first = max(0, min(hit - limit // 2, len(spans) - limit))
    a, b = spans[first][0], spans[min(len(spans), first + limit) - 1][1]
    a, b = _balanced(sentence, a, b)
    piece = sentence[a:b].rstrip(" .,;:")
    if not piece:
        return ""
    b = a + len(piece)
    before, after = sentence[:a].strip(), sentence[b:].strip(" .")
    return (ELLIPSIS if before else "") + piece + (ELLIPSIS if after else "")


def _balanced(sentence: str, a: int, b: int) -> tuple[int, int]:
    """Narrow a span so it neither starts inside a quotation that closes in it nor ends
    inside one it opens: “…Gigafactories” initiative…” would read as two quotes."""
    piece = sentence[a:b]
    first_open, first_close = piece.find("“"), piece.find("”")
    if first_close >= 0 and (first_open < 0 or first_open > first_close):
        a += first_close + 1
    piece = sentence[a:b]
    last_open = piece.rfind("“")
    if last_open >= 0 and "”" not in piece[last_open:]:
        b = a + last_open
    while a < b and sentence[a] == " ":
        a += 1
    return a, b


def _about(bot: Bot, src: Source, post_id: str) -> list[Quote]:
    """The sentences about a source: the post's that link to it or name it (unless they link
    to another source: "Gary Marcus (2023)" is not about his 2017 proposal), then its own."""
    found = {q.key: q for q in bot.corpus.linking_quotes(src)}
    names = bot.corpus.source_names(src)
    for c in bot.corpus.chunks_of(post_id):
        if c.block_kind == "heading":
            continue
        for q in bot.corpus.quotes(c):
            named = any(n.lower() in q.text.lower() for n in names)
            if named and q.key not in found and not set(bot.corpus.links_in(q)) - {src.id}:
                found[q.key] = q
    own = [
        q
        for c in bot.corpus.chunks_of(src.id)
        if c.block_kind != "heading"
        for q in bot.corpus.quotes(c)
    ]
    return list(found.values()) + own


def build_comparison(bot: Bot, debate: DebatePack, citer: Citer) -> Comparison:
    """The table for every proposal and existing project of the reading list."""
    labels = {cl.id: cl.label for cl in debate.clusters}
    indexed = indexed_ids(bot)
    post_id = debate.event.post_source
    rows = []
    for src in bot.registry:
        if src.kind not in (Kind.proposal, Kind.existing_project):
            continue
        row = Row(
            src, display_name(src), status(bot, src, indexed), labels.get(src.cluster or "", "")
        )
        links = bot.corpus.linking_quotes(src)
        row.cells["vision"] = _whole(citer, links[0]) if links else None
        about = _about(bot, src, post_id)
        for dim in COLUMNS[1:]:
            q = best_match(about, dim)
            piece = fragment(q.text, dim) if q else ""
            row.cells[dim] = Cell(citer.line(q), piece) if q and piece else None
        rows.append(row)
    return Comparison(rows)


def _whole(citer: Citer, quote: Quote) -> Cell:
    """The whole sentence (with the rest of its list item), or a reference when the pack
    already quotes it in full."""
    line = citer.line(quote)
    if not citer.first_quote(quote):
        return Cell(line, "")
    rest = (
        [q for q in item_quotes(quote) if q.index > quote.index]
        if quote.chunk.block_kind == "list"
        else []
    )
    return Cell(line, line.text, tuple(citer.line(q) for q in rest if citer.first_quote(q)))


def column_titles() -> list[str]:
    return [text("col_source"), text("col_cluster"), *(text(f"col_{c}") for c in COLUMNS)]


def cell_text(cell: Cell | None) -> str:
    """A cell as plain text: the quote or piece with its marker, a reference, or nothing."""
    if cell is None:
        return ""
    if not cell.shown:
        return text("see_citation", n=cell.line.n)
    return " ".join(
        f"“{c.text if c is not cell.line else cell.shown}” [{c.n}]" for c in (cell.line, *cell.more)
    )


def table_rows(comparison: Comparison) -> list[list[str]]:
    """The table as text, for the app."""
    return [[r.name, r.cluster, *(cell_text(r.cells[k]) for k in COLUMNS)] for r in comparison.rows]


def to_csv(comparison: Comparison) -> str:
    """CSV: per column what the cell quotes (empty where the post says nothing), the whole
    sentence it comes from and the deep link that opens it."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["source_id", "name", "title", "kind", "cluster", "date", "url", "status"]
    for c in COLUMNS:
        header += [c, f"{c}_sentence", f"{c}_link"]
    writer.writerow(header)
    for r in comparison.rows:
        s = r.source
        line = [s.id, r.name, s.title, s.kind.value, r.cluster, s.date, s.human_url, r.state]
        for c in COLUMNS:
            cell = r.cells[c]
            line += (
                [cell.shown or cell.line.text, cell.line.text, cell.line.url]
                if cell
                else ["", "", ""]
            )
        writer.writerow(line)
    return out.getvalue()
