"""Chunking of the real post, sentence splitting, and the rules on synthetic documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.chunker import CHUNKER_VERSION, chunk_document
from bot.ingest.loaders import load_document
from bot.ingest.sentences import split_sentences
from bot.models import Block, Chunk, Document
from bot.registry import Format, Source

SHARED_NAME = "cern-for-ai-one-analogy-many-visions.wp.json"
POST_COPIES = [
    Path(__file__).resolve().parents[1] / "corpus/snapshots/simon-cern-for-ai.wp.json",
    Path(__file__).resolve().parents[2] / "shared/corpus" / SHARED_NAME,
]
POST_URL = "https://simoninstitute.ch/blog/post/cern-for-ai-one-analogy-many-visions"
TARGETS = {
    "https://cds.cern.ch/record/2888205/files/English.pdf": "cern-budget",
    "https://arxiv.org/pdf/2310.09217": "hausenloy-monopoly",
    "https://home.cern/about/who-we-are/our-mission": "cern-mission",
    "https://www.simoninstitute.ch/blog/post/what-is-artificial-general-intelligence-agi-an-"
    "explainer-for-policymakers/": "simon-agi-explainer",
}
OPEN_QUESTIONS = [
    "a) What types of AI research are insufficiently provided by markets?",
    "b) Should Europe’s AI Gigafactories be compared to US tech giants or to national AI "
    "research resources?",
    "c) How to handle the trade-off between open-source and misuse risks?",
    "d) Do we need a single centralized hub vs. a decentralized network?",
    "e) How does “CERN for AI” compare to other models for international technical cooperation "
    "on AI and/or European competitiveness in AI?",
]


def load_post() -> Document:
    path = next((p for p in POST_COPIES if p.exists()), None)
    assert path, f"the post snapshot is missing; looked in {POST_COPIES}"
    src = Source(
        id="simon-cern-for-ai",
        title="CERN for AI",
        url="https://simoninstitute.ch/wp-json/wp/v2/posts/825",
        kind="post",
        format=Format.wordpress_json,
    )
    return load_document(src, path, max_file_mb=40)


@pytest.fixture(scope="module")
def post() -> Document:
    return load_post()


@pytest.fixture(scope="module")
def chunks(post: Document) -> list[Chunk]:
    return chunk_document(post, "f" * 64, 900, TARGETS)


def find(chunks: list[Chunk], needle: str) -> Chunk:
    return next(c for c in chunks if needle in c.text)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "The idea has received support from Turing Award winner Yoshua Bengio, researchers at "
            "leading U.S. AI companies, and think tanks in the U.K., and India. Indeed, it grew.",
            [
                "The idea has received support from Turing Award winner Yoshua Bengio, researchers "
                "at leading U.S. AI companies, and think tanks in the U.K., and India.",
                "Indeed, it grew.",
            ],
        ),
        (
            "Hausenloy et al. proposed a public monopoly. Sastry et al. proposed shared access.",
            [
                "Hausenloy et al. proposed a public monopoly.",
                "Sastry et al. proposed shared access.",
            ],
        ),
        (
            "Its annual budget is around 1.4 billion CHF. It is shared.",
            ["Its annual budget is around 1.4 billion CHF.", "It is shared."],
        ),
        (
            "  Leading and trailing space.   Two spaces between.  ",
            ["Leading and trailing space.", "Two spaces between."],
        ),
        ("Is it open? Yes! Mostly… it depends", ["Is it open?", "Yes!", "Mostly… it depends"]),
        ("Same. Same. Same.", ["Same.", "Same.", "Same."]),
        ("No final punctuation here", ["No final punctuation here"]),
        ("", []),
        ("   \n ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == sentences
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == "".join(text.split())  # nothing dropped


def test_every_chunk_is_an_exact_slice(post: Document, chunks: list[Chunk]) -> None:
    assert chunks
    for c in chunks:
        assert c.text == post.text[c.start : c.end]
        assert c.source_id == "simon-cern-for-ai" and c.source_sha256 == "f" * 64
        assert c.sentences and c.sentences[0][0] == 0 and c.sentences[-1][1] == len(c.text)
        for a, b in c.sentences:
            assert c.text[a:b] == c.text[a:b].strip() and b > a
        assert c.url.startswith(f"{POST_URL}#:~:text=")
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_ids_are_deterministic(chunks: list[Chunk]) -> None:
    again = chunk_document(load_post(), "f" * 64, 900, TARGETS)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert [c.model_dump() for c in again] == [c.model_dump() for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
    assert chunks[0].id.startswith("simon-cern-for-ai:0-")
    assert isinstance(CHUNKER_VERSION, str)


@pytest.mark.parametrize("question", OPEN_QUESTIONS)
def test_open_questions_are_heading_chunks(chunks: list[Chunk], question: str) -> None:
    match = [c for c in chunks if c.block_kind == "heading" and c.text == question]
    assert len(match) == 1
    assert match[0].heading_path == ["3. Open questions", question]


@pytest.mark.parametrize(
    "heading", ["2. “CERN for AI” proposals", "c) CERN for AI Safety", "d) CERN for AGI"]
)
def test_headings_are_exact(chunks: list[Chunk], heading: str) -> None:
    assert heading in [c.text for c in chunks if c.block_kind == "heading"]


def test_budget_chunk(chunks: list[Chunk]) -> None:
    c = find(chunks, "Its annual budget is around 1.4 billion CHF")
    assert c.heading_path == ["1. How CERN works", "b) Motivations for CERN"]
    assert c.section == "1. How CERN works > b) Motivations for CERN"
    assert "cern-budget" in c.links_to
    assert c.block_kind == "paragraph" and c.text.startswith("Cost-sharing for “big science”:")


@pytest.mark.parametrize(
    "url",
    [
        "https://cds.cern.ch/record/2888205/files/English.pdf#page=18",
        "https://cds.cern.ch/record/2888205/files/English.pdf",
        "https://cds.cern.ch/record/2888205/files/English.pdf/",
    ],
)
def test_links_to_matches_with_or_without_fragment(post: Document, url: str) -> None:
    c = find(chunk_document(post, "", 900, {url: "cern-budget"}), "1.4 billion CHF")
    assert c.links_to == ["cern-budget"]


def test_links_to(chunks: list[Chunk]) -> None:
    assert "hausenloy-monopoly" in find(chunks, "Hausenloy et al.").links_to
    assert find(chunks, "Vision: An international lab").links_to == ["simon-agi-explainer"]
    assert find(chunks, "CERN describes its mission").links_to == ["cern-mission"]
    assert find(chunks, "Gary Marcus (2023)").links_to == []


def test_mission_list_is_one_chunk(chunks: list[Chunk]) -> None:
    items = [
        "perform world-class research in fundamental physics.",
        "provide a unique range of particle accelerator facilities",
        "unite people from all over the world",
        "train new generations of physicists",
    ]
    c = find(chunks, items[0])
    assert c.block_kind == "list" and c.heading_path == ["1. How CERN works"]
    assert all(item in c.text for item in items)
    starts = [c.text[a:b] for a, b in c.sentences]
    assert len(starts) == 4 and all(s.startswith(i) for s, i in zip(starts, items, strict=True))
    assert (
        c.url
        == f"{POST_URL}#:~:text=perform%20world%2Dclass%20research%20in%20fundamental%20physics."
    )


def test_us_sentence_is_whole(chunks: list[Chunk]) -> None:
    c = find(chunks, "Yoshua Bengio")
    sentences = [c.text[a:b] for a, b in c.sentences]
    assert any("Yoshua Bengio, researchers at leading U.S. AI companies" in s for s in sentences)


@pytest.mark.parametrize("max_chars", [120, 300, 900])
def test_size_and_heading_limits(post: Document, max_chars: int) -> None:
    heading_starts = {b.start for b in post.blocks if b.kind == "heading"}
    for c in chunk_document(post, "", max_chars, TARGETS):
        assert len(c.text) <= max_chars or len(c.sentences) == 1
        assert c.text == post.text[c.start : c.end]
        if c.block_kind != "heading":
            assert not any(c.start <= h < c.end for h in heading_starts)


def synthetic(blocks: list[tuple[str, str, int | None]], is_pdf: bool = False) -> Document:
    parts, out, pos = [], [], 0
    for kind, text, page in blocks:
        start = pos + (2 if parts else 0)
        out.append(Block(kind=kind, start=start, end=start + len(text), page=page))
        parts.append(text)
        pos = start + len(text)
    return Document(
        source_id="syn",
        title="t",
        url="https://x.org/d.pdf" if is_pdf else "https://x.org/d",
        text="\n\n".join(parts),
        blocks=out,
        is_pdf=is_pdf,
    )


def test_long_paragraph_splits_at_sentences() -> None:
    sentence = "This sentence is about forty-five characters. "
    doc = synthetic([("paragraph", (sentence * 10).strip(), None)])
    chunks = chunk_document(doc, "", 100, {})
    assert len(chunks) == 5
    for c in chunks:
        assert len(c.text) <= 100 and c.text.endswith("characters.")
        assert c.text.startswith("This sentence")


def test_overlong_sentence_is_cut_at_words() -> None:
    doc = synthetic([("paragraph", " ".join(["word"] * 100), None)])
    chunks = chunk_document(doc, "", 60, {})
    assert all(len(c.text) <= 60 and c.text.startswith("word") for c in chunks)
    assert " ".join(c.text for c in chunks) == doc.text


def test_short_paragraphs_merge_but_kinds_do_not() -> None:
    doc = synthetic(
        [
            ("paragraph", "Short one.", None),
            ("paragraph", "Short two.", None),
            ("quote", "A quote.", None),
            ("list_item", "Item one.", None),
            ("list_item", "Item two.", None),
            ("paragraph", "After the list.", None),
        ]
    )
    chunks = chunk_document(doc, "", 100, {})
    assert [(c.block_kind, c.text) for c in chunks] == [
        ("paragraph", "Short one.\n\nShort two."),
        ("quote", "A quote."),
        ("list", "Item one.\n\nItem two."),
        ("paragraph", "After the list."),
    ]
    assert chunks[0].sentences == [(0, 10), (12, 22)]


def test_long_list_splits_between_items() -> None:
    items = [f"Item number {n} says something of moderate length." for n in range(6)]
    doc = synthetic([("list_item", item, None) for item in items])
    chunks = chunk_document(doc, "", 120, {})
    assert len(chunks) == 3 and all(c.block_kind == "list" for c in chunks)
    assert [c.text for c in chunks] == ["\n\n".join(items[i : i + 2]) for i in (0, 2, 4)]


def test_pdf_chunks_never_cross_pages() -> None:
    doc = synthetic(
        [
            ("paragraph", "Page one text.", 1),
            ("paragraph", "Page two text.", 2),
            ("paragraph", "More on two.", 2),
        ],
        is_pdf=True,
    )
    chunks = chunk_document(doc, "", 900, {})
    assert [(c.page, c.text, c.url) for c in chunks] == [
        (1, "Page one text.", "https://x.org/d.pdf#page=1"),
        (2, "Page two text.\n\nMore on two.", "https://x.org/d.pdf#page=2"),
    ]
