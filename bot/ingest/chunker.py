"""Document -> Chunks: focused, citable passages that never cross a heading or a PDF page.

A chunk's text is always `doc.text[start:end]`, so a quote taken from it can be found again in
the snapshot; its sentences are whole sentences (a list item is at least one), which is what
the answer engines quote.
"""

from __future__ import annotations

import hashlib
import html
import math
from urllib.parse import urlsplit, urlunsplit

from bot.ingest.sentences import split_sentences
from bot.ingest.textfragment import page_url, text_fragment_url
from bot.models import Block, Chunk, Document

CHUNKER_VERSION = "1"

Span = tuple[int, int]  # (start, end) in doc.text


def _norm_url(url: str, keep_fragment: bool = True) -> str:
    """Entity-decoded, lower-case host without 'www.', no trailing slash: how links compare."""
    parts = urlsplit(html.unescape(url.strip()))
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return urlunsplit(
        (parts.scheme.lower(), host, path, parts.query, parts.fragment if keep_fragment else "")
    )


def _target_lookup(link_targets: dict[str, str]) -> dict[str, str]:
    """Exact URLs first, then each URL without its fragment (#page=18 -> the PDF itself)."""
    lookup = {_norm_url(url): sid for url, sid in link_targets.items()}
    for url, sid in link_targets.items():
        lookup.setdefault(_norm_url(url, keep_fragment=False), sid)
    return lookup


def _hard_split(text: str, a: int, b: int, max_chars: int) -> list[Span]:
    """Cut one overlong sentence at word boundaries: the only mid-sentence split."""
    out: list[Span] = []
    while b - a > max_chars:
        cut = text.rfind(" ", a + 1, a + max_chars + 1)
        cut = cut if cut > a else a + max_chars
        end = cut
        while end > a and text[end - 1].isspace():
            end -= 1
        out.append((a, end))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if b > a:
        out.append((a, b))
    return out


def _units(doc: Document, block: Block, max_chars: int) -> list[Span]:
    """The block's sentences in doc coordinates, none longer than max_chars."""
    units: list[Span] = []
    for a, b in split_sentences(doc.text[block.start : block.end]) or [
        (0, block.end - block.start)
    ]:
        units.extend(_hard_split(doc.text, block.start + a, block.start + b, max_chars))
    return units


def _pack_units(units: list[Span], max_chars: int) -> list[list[Span]]:
    """Consecutive sentences into chunks of about equal size, each within max_chars."""
    total = units[-1][1] - units[0][0]
    target = total / max(1, math.ceil(total / max_chars))
    groups: list[list[Span]] = [[]]
    for unit in units:
        cur = groups[-1]
        if cur and (unit[1] - cur[0][0] > max_chars or cur[-1][1] - cur[0][0] >= target):
            groups.append([])
        groups[-1].append(unit)
    return groups


def _pack_atoms(atoms: list[list[Span]], max_chars: int) -> list[list[Span]]:
    """Whole blocks (or list items) together while they fit; an oversized one is split."""
    groups: list[list[Span]] = []
    cur: list[Span] = []
    for atom in atoms:
        if atom[-1][1] - atom[0][0] > max_chars:
            if cur:
                groups.append(cur)
            groups.extend(_pack_units(atom, max_chars))
            cur = []
            continue
        if cur and atom[-1][1] - cur[0][0] > max_chars:
            groups.append(cur)
            cur = []
        cur = cur + atom
    if cur:
        groups.append(cur)
    return groups


def _runs(blocks: list[Block], max_chars: int) -> list[tuple[str, list[Block]]]:
    """Group blocks: each heading alone, a list's items together, short paragraphs merged."""
    runs: list[tuple[str, list[Block]]] = []
    for block in blocks:
        prev_kind, prev = runs[-1] if runs else ("", [])
        same_place = bool(prev) and prev[-1].page == block.page and block.kind != "heading"
        if block.kind == "list_item":
            if same_place and prev_kind == "list":
                prev.append(block)
            else:
                runs.append(("list", [block]))
        elif same_place and prev_kind == block.kind and block.end - prev[0].start <= max_chars // 2:
            prev.append(block)
        else:
            runs.append((block.kind, [block]))
    return runs


def chunk_document(
    doc: Document, source_sha256: str, max_chars: int, link_targets: dict[str, str]
) -> list[Chunk]:
    """Cut a loaded document into chunks with deep links and the sources they link to.

    Every sentence gets its own deep link (`sentence_urls`): `#page=N` in a PDF, a text
    fragment elsewhere; the chunk's `url` is its first sentence's.
    """
    lookup = _target_lookup(link_targets)
    blocks = doc.blocks or [Block(kind="paragraph", start=0, end=len(doc.text))]
    chunks: list[Chunk] = []
    for kind, run in _runs(blocks, max_chars):
        if kind == "heading":
            groups = [[(run[0].start, run[0].end)]]
        else:
            groups = _pack_atoms([_units(doc, b, max_chars) for b in run], max_chars)
        for units in groups:
            chunks.append(_make_chunk(doc, run[0], kind, units, source_sha256, lookup))
    return chunks


def _make_chunk(
    doc: Document, block: Block, kind: str, units: list[Span], sha: str, lookup: dict[str, str]
) -> Chunk:
    start, end = units[0][0], units[-1][1]
    text = doc.text[start:end]
    if doc.is_pdf and block.page is not None:
        sentence_urls = [page_url(doc.url, block.page)] * len(units)
    else:
        sentence_urls = [text_fragment_url(doc.url, doc.text[a:b], doc.text) for a, b in units]
    links_to: list[str] = []
    for link in doc.links:
        if link.start < end and link.end > start:
            sid = lookup.get(_norm_url(link.href)) or lookup.get(
                _norm_url(link.href, keep_fragment=False)
            )
            if sid and sid != doc.source_id and sid not in links_to:
                links_to.append(sid)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return Chunk(
        id=f"{doc.source_id}:{start}-{end}:{digest}",
        source_id=doc.source_id,
        text=text,
        start=start,
        end=end,
        heading_path=list(block.heading_path),
        page=block.page,
        url=sentence_urls[0],
        block_kind=kind,
        sentences=[(a - start, b - start) for a, b in units],
        links_to=links_to,
        sentence_urls=sentence_urls,
        source_sha256=sha,
    )
