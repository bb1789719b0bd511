"""Checks the evaluation sets (tests/eval/*.jsonl) against the source post.

No network: the post is read from the repo snapshot, or from the shared corpus folder.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
# The sealed sets, in the order they were sealed, and their id prefixes.
SEALED = {"sealed.jsonl": "sd-", **{f"sealed-{n}.jsonl": f"s{n}-" for n in range(2, 36)}}
# Each set: its id prefix, the least number of items, and the least per category. The held-out
# and blind sets were written without running the bot, to measure how far calibration on
# dev.jsonl generalises (tests/eval/README.md).
SETS: dict[str, tuple[str, int, dict[str, int]]] = {
    "dev.jsonl": ("", 60, {"false_premise": 3, "adversarial": 3, "out_of_scope": 10}),
    "heldout.jsonl": ("ho-", 30, {"false_premise": 2, "out_of_scope": 10}),
    "blind.jsonl": ("bl-", 30, {"false_premise": 3, "out_of_scope": 10}),
    "final.jsonl": ("fi-", 40, {"false_premise": 3, "out_of_scope": 15}),
    "fresh.jsonl": ("fr-", 40, {"false_premise": 3, "out_of_scope": 15}),
    "check.jsonl": ("ck-", 40, {"false_premise": 3, "out_of_scope": 15}),
    # Frozen before the answer pipeline of issue 11 was built; scored once at its start and
    # once at its end (its sha256 is in tests/eval/README.md).
    "frozen.jsonl": ("fz-", 60, {"out_of_scope": 10, "yesno": 5, "followup": 5}),
    # Each sealed set is written blind and judges one change at its start and end, then is
    # fitted on; the next one is sealed after it (tests/eval/README.md).
    **{
        name: (prefix, 60, {"out_of_scope": 10, "yesno": 5, "followup": 5})
        for name, prefix in SEALED.items()
    },
    # Written blind (post only, no bot run) to fit on: more strangers' phrasings to learn from.
    **{
        f"strangers-{k}.jsonl": (prefix, 60, {"out_of_scope": 15, "yesno": 5, "followup": 5})
        for k, prefix in (
            ("a", "sa-"),
            ("b", "sb-"),
            ("c", "sc-"),
            ("d", "sk-"),
            ("e", "se-"),
            ("f", "sf-"),
            ("g", "sg-"),
            ("h", "sh-"),
            ("i", "si-"),
        )
    },
}
POST_CANDIDATES = (
    REPO / "corpus" / "snapshots" / "simon-cern-for-ai.wp.json",
    REPO.parent / "shared" / "corpus" / "cern-for-ai-one-analogy-many-visions.wp.json",
)

SOURCE_ID = "simon-cern-for-ai"
CATEGORIES = {
    "fact",
    "list",
    "comparison",
    "open_question",
    "structure",
    "out_of_scope",
    "false_premise",
    "adversarial",
    "followup",
    "yesno",
}
REQUIRED_KEYS = {"id", "category", "question", "gold", "abstain", "source_id"}
OPTIONAL_KEYS = {"note", "history"}
MIN_GOLD_WORDS = 4
# Items with evidence shorter than MIN_GOLD_WORDS (see tests/eval/README.md), each a name that
# stands alone between tags and is found once in the post: its byline, a list item's bold label,
# a heading.
SHORT_GOLD_OK: set[str] = {"s17-structure-01", "s33-list-03", "s33-structure-04"}
# Abbreviations in the post whose full stop does not end a sentence.
ABBREVIATIONS = ("vs.", "U.S.", "U.K.", "et al.")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _post_path() -> Path:
    for path in POST_CANDIDATES:
        if path.exists():
            return path
    pytest.skip("source post not found in corpus/snapshots/ or ../shared/corpus/")


def _plain_text(rendered: str, tag_replacement: str) -> str:
    return _norm(html.unescape(re.sub(r"<[^>]+>", tag_replacement, rendered)))


@pytest.fixture(scope="module")
def post_texts() -> tuple[str, str]:
    """The post's text with tags turned into spaces, and with tags simply removed."""
    data = json.loads(_post_path().read_text(encoding="utf-8"))
    rendered = data["content"]["rendered"]
    return _plain_text(rendered, " "), _plain_text(rendered, "")


@pytest.fixture(scope="module", params=sorted(SETS))
def eval_set(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def items(eval_set: str) -> list[dict]:
    rows = []
    path = TESTS_DIR / "eval" / eval_set
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{eval_set} line {lineno} is not valid JSON: {exc}")
    return rows


def test_enough_items(items: list[dict], eval_set: str) -> None:
    assert len(items) >= SETS[eval_set][1]


def test_sets_ask_different_questions() -> None:
    seen: dict[str, str] = {}
    for name in SETS:
        for line in (TESTS_DIR / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = _norm(json.loads(line)["question"]).lower()
                assert q not in seen, f"{name} repeats a question of {seen[q]}: {q}"
                seen[q] = name


def test_schema(items: list[dict]) -> None:
    for item in items:
        keys = set(item)
        assert keys >= REQUIRED_KEYS, f"{item.get('id')}: missing {REQUIRED_KEYS - keys}"
        assert keys <= REQUIRED_KEYS | OPTIONAL_KEYS, f"{item['id']}: unknown keys"
        assert isinstance(item["question"], str) and item["question"].strip(), item["id"]
        assert isinstance(item["gold"], list), item["id"]
        assert all(isinstance(g, str) for g in item["gold"]), item["id"]
        assert isinstance(item["abstain"], bool), item["id"]
        assert item["source_id"] == SOURCE_ID, item["id"]
        if "note" in item:
            assert isinstance(item["note"], str), item["id"]
        if "history" in item:  # earlier questions of the same conversation, oldest first
            assert isinstance(item["history"], list) and item["history"], item["id"]
            assert all(isinstance(h, str) and h.strip() for h in item["history"]), item["id"]


def test_ids_unique_and_prefixed(items: list[dict], eval_set: str) -> None:
    ids = [item["id"] for item in items]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    prefix = re.escape(SETS[eval_set][0])
    for item in items:
        pattern = rf"{prefix}{re.escape(item['category'])}-\d{{2}}"
        assert re.fullmatch(pattern, item["id"]), item["id"]


def test_categories_allowed(items: list[dict]) -> None:
    unknown = {item["category"] for item in items} - CATEGORIES
    assert not unknown, f"unknown categories: {unknown}"


def test_questions_unique(items: list[dict]) -> None:
    questions = Counter(_norm(item["question"]).lower() for item in items)
    assert not [q for q, n in questions.items() if n > 1]


def test_answerable_items_have_gold_in_post(items: list[dict], post_texts: tuple[str, str]) -> None:
    spaced, joined = post_texts
    missing = []
    for item in items:
        if item["abstain"]:
            continue
        assert item["gold"], f"{item['id']}: answerable item without gold"
        for quote in item["gold"]:
            q = _norm(quote)
            # Must match however inline tags were stripped.
            if q not in spaced or q not in joined:
                missing.append((item["id"], quote))
    assert not missing, f"gold quotes not found verbatim in the post: {missing}"


def test_gold_quotes_are_short_spans(items: list[dict]) -> None:
    for item in items:
        for quote in item["gold"]:
            q = _norm(quote)
            if item["id"] not in SHORT_GOLD_OK:
                assert len(q.split()) >= MIN_GOLD_WORDS, f"{item['id']}: too short: {quote!r}"
            # At most one sentence: no sentence end followed by a new capitalised sentence.
            for abbr in ABBREVIATIONS:
                q = q.replace(abbr, abbr.replace(".", ""))
            assert not re.search(r"[.!?] [A-Z“]", q), (
                f"{item['id']}: spans more than one sentence: {quote!r}"
            )


def test_abstain_items_have_no_gold(items: list[dict]) -> None:
    for item in items:
        if item["abstain"]:
            assert item["gold"] == [], item["id"]


def test_abstain_only_where_expected(items: list[dict]) -> None:
    for item in items:
        if item["category"] == "out_of_scope":
            assert item["abstain"], f"{item['id']}: out_of_scope must abstain"
        elif item["category"] != "adversarial":
            assert not item["abstain"], f"{item['id']}: only out_of_scope/adversarial abstain"


def test_category_minimums(items: list[dict], eval_set: str) -> None:
    counts = Counter(item["category"] for item in items)
    assert sum(item["abstain"] for item in items) >= 10
    for category, least in SETS[eval_set][2].items():
        assert counts[category] >= least, category


@pytest.mark.parametrize("name", ["frozen.jsonl", *SEALED])
def test_the_frozen_set_is_unchanged(name: str) -> None:
    """The frozen and sealed sets are scored only at the start and end of a change: never edited."""
    import hashlib

    digest = hashlib.sha256((TESTS_DIR / "eval" / name).read_bytes()).hexdigest()
    readme = (TESTS_DIR / "eval" / "README.md").read_text(encoding="utf-8")
    assert digest in readme, name
