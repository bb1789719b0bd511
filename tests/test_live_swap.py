"""`debatebot ingest --rebuild` while a real app process answers, embedded and on `chroma run`.

The app keeps answering during the rebuild (it reads the old generation until the new one goes
live, and moves over when the old one is dropped under it), and its next question after the swap
is answered from the new index, without a restart.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml
from browser_setup import running_app
from gradio_client import Client
from test_index import chroma_server  # noqa: F401  (a fixture)
from test_index_safety import cli

from bot import pack
from bot.index.build import open_store
from bot.index.generations import read_live, stored_generations
from bot.ingest.snapshots import write_snapshot
from bot.models import Answer
from bot.settings import ROOT, Settings

pytestmark = [pytest.mark.server, pytest.mark.timeout(900)]

NOTES = {
    "id": "notes",
    "title": "Notes",
    "url": "https://example.org/notes.md",
    "kind": "background",
    "format": "markdown",
}
NOTES_TEXT = b"# Notes\n\nThe marmot index tracks alpine data centres every winter.\n"
MAX_QUESTIONS = 400  # bounds the answering loop whatever the machine's speed


def swap_pack(root: Path) -> Path:
    """The default pack plus one source whose snapshot arrives only before the rebuild."""
    shutil.copytree(ROOT / "corpus", root)
    data = yaml.safe_load((root / "sources.yaml").read_text(encoding="utf-8"))
    data["sources"].append(NOTES)
    (root / "sources.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def ask(client: Client, question: str) -> Answer:
    return Answer.model_validate(client.predict(question=question, api_name="/ask"))


@pytest.mark.parametrize("store", ["embedded", "chroma run"])
def test_a_rebuild_while_the_app_answers_loses_no_question(
    store: str,
    tmp_path: Path,
    artifacts: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if store == "chroma run":
        monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("CHROMA_PORT", str(request.getfixturevalue("chroma_server")))
    # one client asks back to back here: lift the per-attendee cap, which has tests of its own
    monkeypatch.setenv("DEBATEBOT_LIMITS__ASK_PER_MINUTE", str(10 * MAX_QUESTIONS))
    settings = Settings(pack=swap_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    first = cli(settings, "ingest")
    assert first.returncode == 0, first.stdout + first.stderr
    log = artifacts / f"live_swap.{store.replace(' ', '_')}.log"
    with running_app(settings, log) as url:
        client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 60})
        before = ask(client, "What does the marmot index track?")
        assert all(c.source_id != "notes" for c in before.citations)

        notes = pack.source_map(settings)["notes"]
        write_snapshot(settings.snapshots_dir, notes, NOTES_TEXT, "text/markdown")

        answered: list[tuple[float, Answer]] = []
        failures: list[str] = []
        stop = threading.Event()

        def keep_asking() -> None:
            for _ in range(MAX_QUESTIONS):
                if stop.is_set():
                    return
                try:
                    answer = ask(client, "How is CERN funded?")
                except Exception as exc:  # the app failed the question
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if answer.engine == "none" or answer.abstained:
                    failures.append(answer.answer)
                answered.append((time.monotonic(), answer))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            time.sleep(2)
            started = time.monotonic()
            rebuilt = cli(settings, "ingest", "--rebuild")
            finished = time.monotonic()
            time.sleep(settings.store.recheck_s + 1.5)
        finally:
            stop.set()
            asker.join(timeout=120)

        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert not failures, failures[:3]
        during = [a for t, a in answered if started <= t <= finished]
        assert len(during) >= 3, f"only {len(during)} questions ran during the rebuild"
        assert any(t > finished for t, _ in answered)

        after = ask(client, "What does the marmot index track?")
        assert not after.abstained, after.answer
        assert any(c.source_id == "notes" for c in after.citations)

    reader = open_store(settings)
    live = read_live(reader.client, settings)
    assert live is not None and stored_generations(reader.client, settings) == {live.generation}
