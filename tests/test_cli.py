"""The command line over the session's real index: the JSON contracts and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import _register, app
from bot.settings import Settings, get_settings

_register()
runner = CliRunner()


@pytest.fixture
def indexed(built_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(built_settings.data_dir))
    get_settings.cache_clear()
    return built_settings


def test_sources_json_lists_every_source_with_its_snapshot_state() -> None:
    result = runner.invoke(app, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 32
    post = next(r for r in rows if r["kind"] == "post")
    assert post["snapshot"] == "present" and len(post["sha256"]) == 64
    assert {r["snapshot"] for r in rows} == {"present", "missing"}


def test_search_json_gives_ranked_passages_with_deep_links(indexed: Settings) -> None:
    result = runner.invoke(app, ["search", "CERN annual budget", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["score"] >= rows[-1]["score"]
    assert any("1.4 billion CHF" in r["text"] for r in rows)
    assert all(r["url"].startswith("https://") for r in rows)


def test_ask_json_is_the_answer_contract(indexed: Settings) -> None:
    result = runner.invoke(app, ["ask", "How many member states does CERN have?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) >= {
        "id",
        "question",
        "answer",
        "abstained",
        "engine",
        "latency_ms",
        "citations",
    }
    assert not answer["abstained"]
    cite = answer["citations"][0]
    assert set(cite) >= {"n", "source_id", "title", "url", "section", "page", "quote"}


def test_ask_batch_answers_in_order_and_reports_bad_lines(
    indexed: Settings, tmp_path: Path
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "question": "Where is CERN based?"}\n'
        "not json\n"
        '{"id": "b", "question": "What is the weather on Mars?"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ask", "--batch", str(batch), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, "b"]
    assert "error" in lines[1] and lines[1]["line"] == 2
    assert lines[2]["abstained"] is True


def test_search_without_an_index_says_how_to_build_one() -> None:
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 1
    assert "debatebot ingest" in result.output


def test_a_malformed_pack_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: [oops", encoding="utf-8")
    result = runner.invoke(app, ["--pack", str(tmp_path), "sources"])
    assert result.exit_code == 1
    assert "malformed YAML" in result.output
