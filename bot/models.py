"""The records that flow one way through the bot: document -> chunk -> passage -> answer."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class Section(BaseModel):
    """A span of a document's extracted text under one heading path (or on one PDF page)."""

    heading_path: list[str] = Field(default_factory=list)
    start: int
    end: int
    page: int | None = None


class Block(BaseModel):
    """A structural unit of text: a paragraph, a list item, a quote or a heading."""

    kind: str  # "heading" | "paragraph" | "list_item" | "quote"
    start: int
    end: int
    heading_path: list[str] = Field(default_factory=list)
    page: int | None = None


class Link(BaseModel):
    """An <a href> of the document, located in the extracted text."""

    href: str
    anchor: str
    start: int
    end: int


class Document(BaseModel):
    """A loaded snapshot: the extracted text plus its structure, before chunking."""

    source_id: str
    title: str
    url: str
    text: str
    blocks: list[Block] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    author: str = ""
    date: str = ""
    is_pdf: bool = False


SENTENCE_MARK = "#s"


def sentence_id(chunk_id: str, index: int) -> str:
    """The id of a chunk's index-th sentence, in the sentence collection and in quotes."""
    return f"{chunk_id}{SENTENCE_MARK}{index}"


def chunk_id_of(sentence_id: str) -> str:
    """The chunk a sentence id belongs to (the inverse of `sentence_id`)."""
    return sentence_id.rsplit(SENTENCE_MARK, 1)[0]


class Chunk(BaseModel):
    """A retrievable passage, with everything needed to cite it."""

    id: str
    source_id: str
    text: str
    start: int
    end: int
    heading_path: list[str] = Field(default_factory=list)
    page: int | None = None
    url: str  # deep link to this passage
    block_kind: str = "paragraph"
    sentences: list[tuple[int, int]] = Field(
        default_factory=list, description="Sentence spans, relative to the chunk text."
    )
    sentence_urls: list[str] = Field(
        default_factory=list, description="Deep link to each sentence, parallel to `sentences`."
    )
    links_to: list[str] = Field(default_factory=list, description="Registered source ids.")
    source_sha256: str = ""

    @property
    def section(self) -> str:
        return " > ".join(self.heading_path)


@dataclass(frozen=True)
class Quote:
    """A verbatim sentence of a chunk: the unit the bot cites and quotes."""

    chunk: Chunk
    index: int  # sentence number within the chunk

    @property
    def span(self) -> tuple[int, int]:
        return self.chunk.sentences[self.index]

    @property
    def text(self) -> str:
        a, b = self.span
        return self.chunk.text[a:b]

    @property
    def url(self) -> str:
        urls = self.chunk.sentence_urls
        return urls[self.index] if self.index < len(urls) else self.chunk.url

    @property
    def key(self) -> str:
        return sentence_id(self.chunk.id, self.index)


class Passage(BaseModel):
    """A chunk retrieved for a query, with its scores."""

    chunk: Chunk
    score: float
    dense: float | None = None
    lexical: float | None = None


class Citation(BaseModel):
    """A numbered reference in an answer: a verbatim quote and the link that opens it."""

    n: int
    source_id: str
    title: str
    author: str = ""
    url: str
    section: str = ""
    page: int | None = None
    quote: str
    chunk_id: str = ""
    support: str | None = None  # "supported" | "partial" (LLM engine)


class Answer(BaseModel):
    """The answer contract shared by the CLI, the app and its API."""

    id: str | None = None
    question: str
    answer: str
    abstained: bool
    engine: str
    latency_ms: float = 0.0
    citations: list[Citation] = Field(default_factory=list)
    related: list[Citation] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
