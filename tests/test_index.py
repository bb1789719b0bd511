"""Ingest and index for real: a pack in tmp_path, the real model, Chroma embedded and served."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.index.build import ingest, open_store
from bot.index.store import IndexMismatchError
from bot.ingest.snapshots import write_snapshot
from bot.registry import load_registry
from bot.service import Bot
from bot.settings import ROOT, Settings, StoreSettings
from bot.ui.reading_list import reading_list

POST = ROOT / "corpus" / "snapshots" / "simon-cern-for-ai.wp.json"

ENTRIES = [
    {
        "id": "simon-cern-for-ai",
        "title": "CERN for AI: One Analogy, Many Visions",
        "url": "https://simoninstitute.ch/wp-json/wp/v2/posts/825",
        "kind": "post",
        "format": "wordpress_json",
    },
    {
        "id": "page",
        "title": "A page",
        "url": "https://example.org/page",
        "kind": "background",
        "format": "html",
    },
    {
        "id": "notes",
        "title": "Notes",
        "url": "https://example.org/notes.md",
        "kind": "background",
        "format": "markdown",
    },
    {
        "id": "latin",
        "title": "Latin-1",
        "url": "https://example.org/l.txt",
        "kind": "background",
        "format": "text",
    },
    {
        "id": "broken",
        "title": "Broken PDF",
        "url": "https://example.org/b.pdf",
        "kind": "proposal",
        "format": "pdf",
    },
    {
        "id": "empty",
        "title": "Empty page",
        "url": "https://example.org/e",
        "kind": "news",
        "format": "html",
    },
    {
        "id": "huge",
        "title": "Huge",
        "url": "https://example.org/h.txt",
        "kind": "news",
        "format": "text",
    },
    {
        "id": "unfetched",
        "title": "Never fetched",
        "url": "https://example.org/u",
        "kind": "news",
        "format": "html",
    },
]

PAGE = """<html><head><title>A page</title></head><body><nav>Home | About</nav>
<article><h1>Heliotrope compute</h1><p>The heliotrope cluster runs on sunlight alone and serves
seventeen universities across the valley.</p><p>Its governance board meets twice a year in
Lausanne and publishes every decision.</p></article><footer>(c) nobody</footer></body></html>"""


def make_pack(root: Path) -> Path:
    """A pack with one source of every kind of trouble."""
    snaps = root / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": ENTRIES}), encoding="utf-8")
    reg = {s.id: s for s in load_registry(root / "sources.yaml")}
    write_snapshot(snaps, reg["simon-cern-for-ai"], POST.read_bytes(), "application/json")
    write_snapshot(snaps, reg["page"], PAGE.encode(), "text/html")
    write_snapshot(
        snaps, reg["notes"], b"# Notes\n\nThe marmot index tracks alpine data centres.\n", "text/md"
    )
    write_snapshot(
        snaps,
        reg["latin"],
        "Caf\xe9 cr\xe8me is served at the Z\xfcrich lab.".encode("latin-1"),
        "text/plain",
    )
    write_snapshot(snaps, reg["broken"], b"%PDF-1.4\n garbage \x00\x01", "application/pdf")
    write_snapshot(snaps, reg["empty"], b"<html><body></body></html>", "text/html")
    write_snapshot(snaps, reg["huge"], b"x", "text/plain")
    with (snaps / "huge.txt").open("r+b") as fh:  # a 50 MB file, made sparse and quickly
        fh.truncate(50 * 1024 * 1024)
    return root


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pack(tmp_path_factory.mktemp("pack"))


def settings_for(pack: Path, data: Path, **kw) -> Settings:
    return Settings(pack=pack, data_dir=data, **kw)


def ingested_pack(tmp_path: Path):
    """A fresh pack under tmp_path, ingested once; its settings, sources and open store."""
    pack = make_pack(tmp_path / "pack")
    settings = settings_for(pack, tmp_path / "data")
    sources = load_registry(pack / "sources.yaml")
    ingest(settings, sources)
    return pack, settings, sources, open_store(settings)


def statuses(report) -> dict[str, str]:
    return {r.source_id: r.status for r in report.sources}


def test_ingest_reports_each_source_and_keeps_going(pack_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(pack_dir, tmp_path / "data")
    report = ingest(settings, load_registry(pack_dir / "sources.yaml"))
    got = statuses(report)
    assert got == {
        "simon-cern-for-ai": "indexed",
        "page": "indexed",
        "notes": "indexed",
        "latin": "indexed",
        "broken": "failed",
        "empty": "failed",
        "huge": "failed",
        "unfetched": "missing",
    }
    reasons = {r.source_id: r.reason for r in report.sources}
    assert "broken" in reasons["broken"] and "PDF" in reasons["broken"]
    assert "empty" in reasons["empty"]
    assert "MB" in reasons["huge"]
    bot = Bot(settings)
    hits = bot.search("Which lab serves crème coffee?", k=3)
    assert hits[0].chunk.source_id == "latin"
    assert "Zürich" in hits[0].chunk.text
    # a fresh process (a new Bot) reads the saved report: the reading list says why each failed
    listed = {e.id: e for e in reading_list(Bot(settings))}
    assert listed["broken"].status == "failed" and listed["broken"].reason == reasons["broken"]
    assert listed["unfetched"].status == "missing" and listed["page"].status == "indexed"


def test_reingest_is_idempotent_and_replaces_changed_sources(tmp_path: Path) -> None:
    pack, settings, sources, store = ingested_pack(tmp_path)
    before = set(store.chunks._collection.get(include=[])["ids"])

    again = ingest(settings, sources)
    assert again.count("indexed") == 0 and again.count("unchanged") == 4
    assert set(store.chunks._collection.get(include=[])["ids"]) == before

    reg = {s.id: s for s in sources}
    write_snapshot(
        pack / "snapshots", reg["page"], PAGE.replace("seventeen", "nine").encode(), "text/html"
    )
    changed = ingest(settings, sources)
    assert statuses(changed)["page"] == "indexed"
    texts = " ".join(c.text for c in store.all_chunks() if c.source_id == "page")
    assert "nine universities" in texts and "seventeen" not in texts

    smaller = [s for s in sources if s.id != "notes"]
    removed = ingest(settings, smaller)
    assert statuses(removed)["notes"] == "removed"
    assert not store.chunk_ids("notes")
    assert store.sentences._collection.get(where={"source_id": "notes"})["ids"] == []


def test_a_corrupt_snapshot_does_not_damage_the_existing_index(tmp_path: Path) -> None:
    pack, settings, sources, store = ingested_pack(tmp_path)
    page_chunks = store.chunk_ids("page")
    (pack / "snapshots" / "page.html").write_bytes(b"")  # truncated on disk
    meta = pack / "snapshots" / "page.meta.json"
    meta.write_text(meta.read_text().replace('"sha256": "', '"sha256": "0'))
    report = ingest(settings, sources)
    assert statuses(report)["page"] == "failed"
    assert store.chunk_ids("page") == page_chunks


def test_another_model_is_refused_with_a_reindex_message(pack_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(pack_dir, tmp_path / "data")
    ingest(settings, load_registry(pack_dir / "sources.yaml"))
    other = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"model": "some/other-model"})}
    )
    with pytest.raises(IndexMismatchError, match="ingest --rebuild"):
        open_store(other).check_compatible()
    answer = Bot(other).ask("How is CERN funded?")
    assert answer.abstained and "--rebuild" in answer.answer


def test_asking_before_any_ingest_says_how_to_index(pack_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(pack_dir, tmp_path / "empty")
    bot = Bot(settings)
    answer = bot.ask("How is CERN funded?")
    assert answer.abstained and "debatebot ingest" in answer.answer
    # The same running bot answers once the index has been built.
    ingest(settings, load_registry(pack_dir / "sources.yaml"))
    answer = bot.ask("How is CERN funded?")
    assert "debatebot ingest" not in answer.answer and answer.citations


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real `chroma run` on 127.0.0.1, stopped at the end."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("chroma run exited early") from None
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("chroma run did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.server
@pytest.mark.timeout(300)
def test_same_ingest_and_query_against_a_chroma_server(
    pack_dir: Path, tmp_path: Path, chroma_server: int
) -> None:
    settings = settings_for(
        pack_dir, tmp_path / "data", store=StoreSettings(host="127.0.0.1", port=chroma_server)
    )
    report = ingest(settings, load_registry(pack_dir / "sources.yaml"))
    assert statuses(report)["simon-cern-for-ai"] == "indexed"
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded on disk
    again = ingest(settings, load_registry(pack_dir / "sources.yaml"))
    assert again.count("indexed") == 0
    answer = Bot(settings).ask("Which lab serves crème coffee?")
    assert not answer.abstained
    assert answer.citations[0].source_id == "latin"


def test_unreachable_chroma_server_gives_a_clear_message(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "d", store=StoreSettings(host="127.0.0.1", port=_free_port())
    )
    answer = Bot(settings).ask("How is CERN funded?")
    assert answer.abstained
    assert "cannot" in answer.answer.lower() or "reach" in answer.answer.lower()
