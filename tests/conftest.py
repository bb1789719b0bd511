"""Shared fixtures: every test gets its own data folder; one real index is built per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.settings import ROOT, Settings, get_settings

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the developer's index: the default data folder is a temp dir."""
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(tmp_path / "data"))
    for var in ("CHROMA_HOST", "CHROMA_PORT", "DEBATEBOT_MODERATOR_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a real index of the default pack, built once for the session."""
    from bot import pack
    from bot.index.build import ingest

    data = tmp_path_factory.mktemp("index")
    settings = Settings(data_dir=data)
    report = ingest(settings, pack.sources(settings))
    assert report.count("indexed") >= 1, report
    return settings


@pytest.fixture(scope="session")
def bot(built_settings: Settings):
    """A Bot over the session's index (model and BM25 loaded once)."""
    from bot.service import get_bot

    return get_bot(built_settings)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
