"""`debatebot ask --batch`: each bad line is reported with its number; every other is answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _register, app
from bot.cli.query import batch_items
from bot.settings import Settings, get_settings

_register()
runner = CliRunner()

LINES = [
    b'{"id": "a", "question": "Where is CERN based?"}',
    b'{"id": "b", "question": "Caf\xe9 au lait?"}',  # Latin-1, not UTF-8
    b"",
    b'["a", "list"]',
    b"42",
    b'{"id": 7, "question": 12}',
    b'{"id": "no-q"}',
    b"{oops",
    b'\xef\xbb\xbf{"id": "c", "question": "How many member states does CERN have?"}',
    b'{"id": "d", "question": "Qui finance le CERN ?"}',
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"id": 1, "question": "Why?"}', (1, "1", "Why?", "")),
        (b'{"question": "Why?"}', (1, None, "Why?", "")),
        (b"\xff\xfe", (1, None, None, "not valid UTF-8")),
        (b"[1, 2]", (1, None, None, "got a list")),
        (b'"just text"', (1, None, None, "got a string")),
        (b"null", (1, None, None, "got null")),
        (b'{"id": "x", "question": null}', (1, "x", None, "must be a string, got null")),
        (b'{"id": "x", "question": ["a"]}', (1, "x", None, "must be a string, got a list")),
        (b'{"id": "x"}', (1, "x", None, 'no "question" field')),
        (b"{", (1, None, None, "not valid JSON")),
    ],
)
def test_each_line_is_read_on_its_own(raw: bytes, expected: tuple) -> None:
    ((lineno, qid, question, error),) = list(batch_items([raw]))
    assert (lineno, qid, question) == expected[:3]
    assert expected[3] in error if expected[3] else error == ""


def test_a_batch_with_bad_lines_answers_every_good_one(
    built_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(built_settings.data_dir))
    get_settings.cache_clear()
    batch = tmp_path / "q.jsonl"
    batch.write_bytes(b"\n".join(LINES) + b"\n")

    result = runner.invoke(app, ["ask", "--batch", str(batch), "--json"])

    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    errors = {o["line"]: o for o in out if "error" in o}
    answers = [o for o in out if "error" not in o]
    assert sorted(errors) == [2, 4, 5, 6, 7, 8]
    assert "UTF-8" in errors[2]["error"] and errors[6]["id"] == "7"
    assert [a["id"] for a in answers] == ["a", "c", "d"]
    assert all(a["answer"] for a in answers)
    assert not answers[1]["abstained"] and answers[1]["citations"]
