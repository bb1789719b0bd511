"""The reading list as a document tree: sections under headings, sentences in reading order,
which sentence links to which source, and the terms a source spells out.

Answers, moderator prompts and the brief all read the post's structure through this one object,
built from the index's chunk table; nothing here knows which debate the pack is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cached_property

from bot.models import Chunk, Quote
from bot.registry import Kind, Source
from bot.retrieve.text import fold

# "Artificial Intelligence Research Resource (AIRR)": capitals in brackets after the words.
_DEFINED = re.compile(r"\(([A-Z][A-Za-z]*[A-Z][A-Za-z]*)\)")


def section_path(chunk: Chunk, title: str) -> tuple[str, ...]:
    """The headings a chunk sits under; its document's title for text before any heading, so
    an introduction has a section like every other paragraph."""
    return tuple(chunk.heading_path) or (title,)


class Corpus:
    """The indexed chunks of every source, in reading order, with their structure."""

    def __init__(self, chunks: Iterable[Chunk], sources: dict[str, Source]) -> None:
        self.chunks: dict[str, Chunk] = {c.id: c for c in chunks}
        self.sources = sources
        self._by_source: dict[str, list[Chunk]] = {}
        for c in sorted(self.chunks.values(), key=lambda c: c.start):
            self._by_source.setdefault(c.source_id, []).append(c)

    # --- reading order ----------------------------------------------------------------
    def chunks_of(self, source_id: str) -> list[Chunk]:
        """A source's chunks in reading order."""
        return self._by_source.get(source_id, [])

    def source_ids(self) -> set[str]:
        """Sources with chunks in the index."""
        return set(self._by_source)

    def quotes(self, chunk: Chunk) -> list[Quote]:
        """Every sentence of a chunk."""
        return [Quote(chunk, i) for i in range(len(chunk.sentences))]

    def chunk_after(self, chunk: Chunk) -> Chunk | None:
        """The next chunk of the same source, headings skipped."""
        for c in self.chunks_of(chunk.source_id):
            if c.start > chunk.start and c.block_kind != "heading":
                return c
        return None

    def next_sentence(self, quote: Quote) -> Quote | None:
        """The sentence after this one: in its chunk, or opening the next paragraph of its
        section."""
        if quote.index + 1 < len(quote.chunk.sentences):
            return Quote(quote.chunk, quote.index + 1)
        after = self.chunk_after(quote.chunk)
        if (
            after is not None
            and after.block_kind == quote.chunk.block_kind == "paragraph"
            and after.heading_path == quote.chunk.heading_path
            and after.sentences
        ):
            return Quote(after, 0)
        return None

    def previous_sentence(self, quote: Quote) -> Quote | None:
        """The sentence before this one in its chunk."""
        return Quote(quote.chunk, quote.index - 1) if quote.index > 0 else None

    def following_list(self, chunk: Chunk) -> Chunk | None:
        """The list chunk that a sentence ending in ':' introduces, if it comes right after."""
        after = self.chunk_after(chunk)
        return after if after is not None and after.block_kind == "list" else None

    # --- sections ---------------------------------------------------------------------
    def headings(self, source_id: str, depth: int | None = None) -> list[Chunk]:
        """A source's heading chunks in reading order (only those `depth` deep, if given)."""
        return [
            c
            for c in self.chunks_of(source_id)
            if c.block_kind == "heading" and (depth is None or len(c.heading_path) == depth)
        ]

    def heading(self, source_id: str, text: str) -> Chunk | None:
        """The heading chunk whose text is exactly `text`."""
        for c in self.headings(source_id):
            if c.text.strip() == text.strip():
                return c
        return None

    def head_of(self, chunk: Chunk) -> Chunk | None:
        """The heading chunk of the section a chunk sits directly under."""
        for c in self.headings(chunk.source_id, len(chunk.heading_path)):
            if c.heading_path == chunk.heading_path:
                return c
        return None

    def sub_headings(self, source_id: str, path: Sequence[str]) -> list[Chunk]:
        """The headings one level under the section at `path` (the whole source for none): the
        names of its parts, in reading order."""
        depth = len(path)
        return [
            c
            for c in self.headings(source_id, depth + 1)
            if list(c.heading_path[:depth]) == list(path)
        ]

    def section(self, head: Chunk) -> list[Chunk]:
        """The non-heading chunks directly under a heading (not those of its sub-headings)."""
        return [
            c
            for c in self.chunks_of(head.source_id)
            if c.block_kind != "heading" and c.heading_path == head.heading_path
        ]

    def first_after(self, head: Chunk) -> Chunk | None:
        """The first non-heading chunk under a heading."""
        for c in self.chunks_of(head.source_id):
            if c.start > head.start and c.block_kind != "heading":
                return c if c.heading_path == head.heading_path else None
        return None

    def sentences_mentioning(
        self, source_id: str, word: str, before: Chunk | None = None
    ) -> list[Quote]:
        """Sentences of a source containing `word`, in reading order (optionally before a
        chunk)."""
        found = []
        for c in self.chunks_of(source_id):
            if c.block_kind == "heading" or (before is not None and c.start >= before.start):
                continue
            found += [q for q in self.quotes(c) if fold(word) in fold(q.text)]
        return found

    # --- links between sources --------------------------------------------------------
    @staticmethod
    def links_here(quote: Quote, source: Source) -> bool:
        """Whether the sentence carries the chunk's link to `source` (one of its anchors is
        in it)."""
        if source.id not in quote.chunk.links_to:
            return False
        return any(fold(a.strip(" ,")) in fold(quote.text) for a in source.linked_as)

    def linking_quotes(self, source: Source) -> list[Quote]:
        """The sentences, in reading order, that link to `source`."""
        linking = [c for c in self.chunks.values() if source.id in c.links_to]
        return [
            q
            for c in sorted(linking, key=lambda c: (c.source_id, c.start))
            for q in self.quotes(c)
            if self.links_here(q, source)
        ]

    def links_in(self, quote: Quote) -> tuple[str, ...]:
        """The registered sources this sentence links to."""
        return tuple(
            sid
            for sid in quote.chunk.links_to
            if sid in self.sources and self.links_here(quote, self.sources[sid])
        )

    @staticmethod
    def source_names(source: Source) -> list[str]:
        """What an attendee may call a source: its anchors in the post and its author, only
        the distinctive ones (capitalised, not a bare year or a generic anchor like "UK")."""
        names = [a.strip(' ,.“”"') for a in source.linked_as]
        if source.author:
            names.append(source.author.split("(")[0].strip())
        return [n for n in names if len(n) >= 5 and n[:1].isupper() and not n.isdigit()]

    def mentioned_sources(self, text: str) -> list[Source]:
        """Registered proposals and projects that a text names."""
        folded = fold(text)
        found = []
        for s in self.sources.values():
            if s.kind not in (Kind.proposal, Kind.existing_project):
                continue
            for name in self.source_names(s):
                if re.search(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded):
                    found.append(s)
                    break
        return found

    # --- defined terms ----------------------------------------------------------------
    @cached_property
    def defined_terms(self) -> dict[str, list[Quote]]:
        """Acronym -> the sentences that spell it out ("... Resource (AIRR)"), reading order."""
        out: dict[str, list[Quote]] = {}
        for c in sorted(self.chunks.values(), key=lambda c: (c.source_id, c.start)):
            if "(" not in c.text:
                continue
            for q in self.quotes(c):
                for m in _DEFINED.finditer(q.text):
                    out.setdefault(m.group(1), []).append(q)
        return out
