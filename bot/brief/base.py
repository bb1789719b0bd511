"""What every part of the briefing shares: cited lines, source status, the pack's own words.

A `Line` is one verbatim sentence of a source with its citation number: the only way a fact
enters the pack. Numbers come from the one `CitationList` of the pack (bot/citations.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from bot.citations import CitationList
from bot.corpus import Corpus
from bot.index.store import sentence_ids
from bot.ingest.loaders import LoadError, load_document
from bot.ingest.snapshots import snapshot_status
from bot.models import Chunk, Quote
from bot.pack import OpenQuestion
from bot.prompts import lookup
from bot.registry import Kind, Source

if TYPE_CHECKING:
    from bot.service import Bot

WORDS_PER_MINUTE = 230
T = TypeVar("T")


def text(key: str, **values: Any) -> str:
    """A word or phrase of the pack from prompts/brief/text.yaml."""
    return lookup("brief/text.yaml", key, "text", **values)


@dataclass(frozen=True)
class Line:
    """A verbatim sentence with its citation number, deep link and the sources it links to."""

    text: str
    n: int
    url: str
    source_id: str
    refs: tuple[str, ...] = ()


@dataclass
class Para:
    """Consecutive cited sentences of one block: a paragraph, a list or a block quote."""

    kind: str  # "paragraph" | "list" | "quote"
    lines: list[Line] = field(default_factory=list)


class Citer:
    """Turns quotes into numbered `Line`s for one pack, so numbering is shared by all parts,
    and keeps count of which sentences the pack has quoted in full (each is, once)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.cites = CitationList(bot.sources)
        self.quoted: set[str] = set()

    def first_quote(self, quote: Quote) -> bool:
        """True the first time the pack quotes this sentence in full (and notes that it has)."""
        if quote.key in self.quoted:
            return False
        self.quoted.add(quote.key)
        return True

    def line(self, quote: Quote) -> Line:
        refs = self.bot.corpus.links_in(quote)
        return Line(quote.text, self.cites.cite(quote), quote.url, quote.chunk.source_id, refs)

    def paras(self, quotes: list[Quote]) -> list[Para]:
        """Quotes in reading order as Paras, one per chunk they come from, each quoted once."""
        out: list[Para] = []
        last: str | None = None
        for q in quotes:
            if not self.first_quote(q):
                continue
            if q.chunk.id != last:
                kind = (
                    q.chunk.block_kind if q.chunk.block_kind in ("list", "quote") else "paragraph"
                )
                out.append(Para(kind))
                last = q.chunk.id
            out[-1].lines.append(self.line(q))
        return out


def item_quotes(quote: Quote) -> list[Quote]:
    """The sentences of the list item (or paragraph) a sentence belongs to: a list chunk keeps
    its items apart with blank lines, and an item may run on over several sentences."""
    text, (start, _) = quote.chunk.text, quote.span
    lo = text.rfind("\n\n", 0, start)
    hi = text.find("\n\n", start)
    lo, hi = (lo + 2 if lo >= 0 else 0), (hi if hi >= 0 else len(text))
    return [
        Quote(quote.chunk, i)
        for i, (a, b) in enumerate(quote.chunk.sentences)
        if a >= lo and b <= hi
    ]


def is_leadin(sentence: str) -> bool:
    """A sentence that only announces what follows ("Examples:")."""
    return sentence.rstrip().endswith(":") and len(sentence.split()) <= 2


def display_name(source: Source) -> str:
    """A proposal or project by the name the post gives it (anchor or author); others by title."""
    if source.kind not in (Kind.proposal, Kind.existing_project):
        return source.title
    names = Corpus.source_names(source)
    return names[0] if names else source.title


class PerBrief(Generic[T]):
    """What was made from the latest Brief (its pictures, files, tab content), made again only
    for a new one: all attendees share the current pack."""

    def __init__(self) -> None:
        self._last: tuple[object, T] | None = None

    def get(self, brief: object) -> T | None:
        last = self._last
        return last[1] if last is not None and last[0] is brief else None

    def put(self, brief: object, value: T) -> T:
        self._last = (brief, value)
        return value


def indexed_ids(bot: Bot) -> set[str]:
    """Sources with chunks in the index."""
    return {c.source_id for c in bot.corpus.chunks.values()}


def status(bot: Bot, source: Source, indexed: set[str] | None = None) -> str:
    """'indexed', 'snapshot' (copy present, not indexed) or 'missing'."""
    if source.id in (indexed if indexed is not None else indexed_ids(bot)):
        return "indexed"
    state, _ = snapshot_status(bot.settings.snapshots_dir, source)
    return "snapshot" if state == "present" else "missing"


def status_text(state: str) -> str:
    return text(f"status_{state}")


_WORDS: dict[tuple[Path, float], int] = {}


def _words(path: Path, source: Source, max_mb: float) -> int:
    """Words of the snapshot's extracted text, loaded once per file version."""
    key = (path, path.stat().st_mtime)
    if key not in _WORDS:
        try:
            _WORDS[key] = len(load_document(source, path, max_mb).text.split())
        except LoadError:
            _WORDS[key] = 0
    return _WORDS[key]


def reading_minutes(bot: Bot, source: Source) -> int | None:
    """Minutes to read the snapshot at 230 words a minute; None when there is no snapshot."""
    state, meta = snapshot_status(bot.settings.snapshots_dir, source)
    if state != "present" or meta is None:
        return None
    path = bot.settings.snapshots_dir / meta.file
    words = _words(path, source, bot.settings.ingest.max_file_mb)
    return max(1, round(words / WORDS_PER_MINUTE)) if words else None


_MD = {c: "\\" + c for c in "\\`*_[]|#"}
_MD_PLAIN = str.maketrans({**_MD, "<": "\\<", ">": "\\>"})
# Python-Markdown does not honour `\<`, so text bound for HTML carries entities instead.
_MD_HTML = str.maketrans({**_MD, "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def md_escape(value: object) -> str:
    """Source text as Markdown that shows exactly as written (no emphasis, links or HTML)."""
    return str(value).translate(_MD_PLAIN)


def md_html_escape(value: object) -> str:
    """Like md_escape, for Markdown that Python-Markdown turns into HTML."""
    return str(value).translate(_MD_HTML)


def sentence_vectors(bot: Bot, chunks: list[Chunk]) -> list[tuple[Quote, np.ndarray]]:
    """Every sentence of the chunks that has a vector stored at ingest, with that vector."""
    vectors = bot.sentence_vectors([c.id for c in chunks])
    return [
        (Quote(c, i), vectors[sid])
        for c in chunks
        for i, sid in enumerate(sentence_ids(c))
        if sid in vectors
    ]


def sentence_scores(bot: Bot, chunks: list[Chunk], qvec: np.ndarray) -> list[tuple[Quote, float]]:
    """Every sentence of the chunks with its cosine to `qvec` (vectors stored at ingest)."""
    return [(quote, float(vec @ qvec)) for quote, vec in sentence_vectors(bot, chunks)]


def question_query(question: OpenQuestion) -> str:
    """What to search for an open question: its wording and the pack's keywords for it."""
    return " ".join([question.wording, *question.keywords])
