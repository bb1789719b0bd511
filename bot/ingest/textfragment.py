"""Deep links that open a page scrolled to, and highlighting, the quoted passage.

Text fragments (https://wicg.github.io/scroll-to-text-fragment/) are `#:~:text=START,END`;
a PDF viewer understands `#page=N` instead.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

SHORT_WORDS = 8  # passages this short are matched whole
EDGE_WORDS = 4  # words in textStart / textEnd for longer passages


def _encode(term: str) -> str:
    """Percent-encode a term; '-' too, since the spec reserves it for prefix-/-suffix."""
    return quote(term, safe="").replace("-", "%2D")


def _base(url: str) -> str:
    return url.split("#", 1)[0]


@lru_cache(maxsize=1)
def _haystack(page_text: str) -> str:
    """The page as browsers match it: whitespace collapsed, lower-case (once per page)."""
    return " ".join(page_text.split()).lower()


def _edges(words: list[str], page_text: str) -> tuple[int, int]:
    """Word counts for textStart/textEnd so each first matches at this passage in the page.

    Browsers match case-insensitively and take the first textStart in the page, then the first
    textEnd after it; an earlier repeat of the opening words would highlight the wrong range.
    """
    n_start = n_end = EDGE_WORDS
    hay = _haystack(page_text)
    passage = " ".join(words).lower()
    pos = hay.find(passage)
    if pos < 0:
        return n_start, n_end
    while n_start < len(words) and hay.find(" ".join(words[:n_start]).lower()) < pos:
        n_start += 1
    after = pos + len(" ".join(words[:n_start]))
    target = pos + len(passage)
    while n_start + n_end < len(words):
        term = " ".join(words[-n_end:]).lower()
        if hay.find(term, after) + len(term) == target:
            break
        n_end += 1
    return n_start, n_end


def text_fragment_url(url: str, passage: str, page_text: str | None = None) -> str:
    """`url#:~:text=START,END` for `passage` (the whole passage when it is short).

    Pass the page's extracted text as `page_text` to lengthen START/END until they are unique
    enough to land on this occurrence of the passage.
    """
    base = _base(url)
    words = passage.split()
    if not words:
        return base
    if len(words) <= SHORT_WORDS:
        return f"{base}#:~:text={_encode(' '.join(words))}"
    n_start, n_end = _edges(words, page_text) if page_text else (EDGE_WORDS, EDGE_WORDS)
    if n_start + n_end >= len(words):
        return f"{base}#:~:text={_encode(' '.join(words))}"
    start, end = " ".join(words[:n_start]), " ".join(words[-n_end:])
    return f"{base}#:~:text={_encode(start)},{_encode(end)}"


def page_url(url: str, page: int) -> str:
    """`url#page=N`: the PDF open parameter every mainstream viewer honours."""
    return f"{_base(url)}#page={page}"
