"""The index survives what organisers do to it: bad snapshots, rebuilds, other packs, damage.

Real ingests into a real embedded Chroma under tmp_path, and the real CLI in child processes
where the point is what a new process says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from test_index import ENTRIES, PAGE, POST, ingested_pack, make_pack, statuses

from bot.debate.db import console_path, queue_path
from bot.debate.queue import AudienceQueue
from bot.feedback import feedback_path
from bot.index.build import ingest, open_store
from bot.index.generations import read_live, stored_generations
from bot.index.lock import IngestBusyError, ingest_lock
from bot.index.report import last_ingest_report
from bot.ingest.snapshots import sha256_bytes, snapshot_status, write_snapshot
from bot.registry import load_registry
from bot.service import Bot
from bot.settings import IngestSettings, Settings

CLEAN = [e for e in ENTRIES if e["id"] in {"simon-cern-for-ai", "page", "notes"}]


def clean_pack(root: Path) -> Path:
    """A pack whose every source indexes (so `debatebot ingest` exits 0)."""
    snaps = root / "snapshots"
    root.mkdir(parents=True)
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": CLEAN}), encoding="utf-8")
    reg = {s.id: s for s in load_registry(root / "sources.yaml")}
    write_snapshot(snaps, reg["simon-cern-for-ai"], POST.read_bytes(), "application/json")
    write_snapshot(snaps, reg["page"], PAGE.encode(), "text/html")
    write_snapshot(snaps, reg["notes"], b"# Notes\n\nThe marmot index tracks data centres.\n", "md")
    return root


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`debatebot --pack P ...` in a new process over `settings`' data folder."""
    full_env = {
        **os.environ,
        "DEBATEBOT_DATA_DIR": str(settings.data_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "--pack", str(settings.pack), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def texts(settings: Settings, source_id: str) -> str:
    return " ".join(c.text for c in open_store(settings).all_chunks() if c.source_id == source_id)


# --- a bad snapshot never costs the index what it had ----------------------------------------
def test_a_rebuild_with_a_truncated_snapshot_keeps_that_sources_passages(tmp_path: Path) -> None:
    pack, settings, sources, _ = ingested_pack(tmp_path)
    before = sorted(open_store(settings).chunk_ids("page"))
    snap = pack / "snapshots" / "page.html"
    snap.write_bytes(snap.read_bytes()[:40])  # cut short after it was fetched

    report = ingest(settings, sources, rebuild=True)

    page = report.by_source()["page"]
    assert page.status == "failed" and "sha256" in page.reason and "kept" in page.reason
    assert page.chunks == len(before)
    assert sorted(open_store(settings).chunk_ids("page")) == before
    hit = Bot(settings).search("Which cluster runs on sunlight?", k=3)[0]
    assert hit.chunk.source_id == "page"


def test_a_rebuild_where_no_snapshot_can_be_read_keeps_the_whole_index(tmp_path: Path) -> None:
    pack, settings, sources, _ = ingested_pack(tmp_path)
    store = open_store(settings)
    count, live = store.count(), store.stamp
    reg = {s.id: s for s in sources}
    for sid in ("simon-cern-for-ai", "page", "notes", "latin"):
        # Re-recorded as fetched, so the hash matches: the content itself is unreadable.
        write_snapshot(pack / "snapshots", reg[sid], b"", "application/octet-stream")

    report = ingest(settings, sources, rebuild=True)

    assert report.count("indexed") == 0
    assert open_store(settings).count() == count
    assert {r.source_id for r in report.sources if "kept" in r.reason} >= {"page", "notes"}
    assert live is not None and open_store(settings).stamp != live  # rebuilt, then swapped


def test_a_snapshot_whose_bytes_no_longer_match_its_sha256_is_refused(tmp_path: Path) -> None:
    pack, settings, sources, _ = ingested_pack(tmp_path)
    (pack / "snapshots" / "notes.md").write_text("# Notes\n\nThe otter ledger replaced it.\n")

    report = ingest(settings, sources)

    notes = report.by_source()["notes"]
    assert notes.status == "failed", "a changed file under an unchanged meta is not 'unchanged'"
    assert "sha256" in notes.reason and "notes.meta.json" in notes.reason
    assert "marmot" in texts(settings, "notes") and "otter" not in texts(settings, "notes")


@pytest.mark.parametrize("where", ["../../secret.txt", "absolute", "../../etc/passwd"])
def test_a_meta_file_pointing_outside_the_snapshots_folder_is_refused(
    tmp_path: Path, where: str
) -> None:
    pack = make_pack(tmp_path / "pack")
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is marmalade and only the janitor knows it.\n")
    meta_file = pack / "snapshots" / "latin.meta.json"
    meta = json.loads(meta_file.read_text())
    meta["file"] = str(secret) if where == "absolute" else where
    meta["sha256"] = sha256_bytes(secret.read_bytes())
    meta_file.write_text(json.dumps(meta))
    settings = Settings(pack=pack, data_dir=tmp_path / "data")
    sources = load_registry(pack / "sources.yaml")

    report = ingest(settings, sources)

    latin = report.by_source()["latin"]
    assert latin.status == "failed" and "outside the pack's snapshots folder" in latin.reason
    assert "marmalade" not in " ".join(c.text for c in open_store(settings).all_chunks())
    assert snapshot_status(pack / "snapshots", {s.id: s for s in sources}["latin"])[0] == "missing"


# --- packs side by side --------------------------------------------------------------------
def test_two_packs_on_one_data_folder_keep_their_indexes_and_queues(tmp_path: Path, bot) -> None:
    data = tmp_path / "data"
    a = Settings(pack=make_pack(tmp_path / "a"), data_dir=data)
    b = Settings(pack=clean_pack(tmp_path / "b"), data_dir=data)
    a_sources, b_sources = (load_registry(s.sources_file) for s in (a, b))
    ingest(a, a_sources)
    b_report = ingest(b, b_sources)
    again = ingest(a, a_sources)

    assert b_report.count("removed") == 0
    assert set(statuses(again).values()) <= {"unchanged", "failed", "missing"}
    assert Bot(a).search("Which lab serves crème coffee?", k=1)[0].chunk.source_id == "latin"
    assert all(p.chunk.source_id != "latin" for p in Bot(b).search("crème coffee lab", k=6))

    queue_a = AudienceQueue(a, encode=bot.store.embedder.encode)
    queue_a.submit("Who pays for the heliotrope cluster?", "", "c1")
    assert AudienceQueue(b, encode=bot.store.embedder.encode).items() == []
    assert [i.text for i in AudienceQueue(a, encode=bot.store.embedder.encode).items()] == [
        "Who pays for the heliotrope cluster?"
    ]
    for path_of in (queue_path, console_path, feedback_path):
        assert path_of(a) != path_of(b) and path_of(a).is_relative_to(data)


def test_a_queue_from_before_packs_had_folders_is_adopted_not_lost(tmp_path: Path, bot) -> None:
    settings = Settings(pack=clean_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    legacy = Settings(pack=settings.pack, data_dir=tmp_path / "old")
    AudienceQueue(legacy, encode=bot.store.embedder.encode).submit("Is it open?", "", "c1")
    old_file = queue_path(legacy)
    settings.data_dir.mkdir()
    for f in old_file.parent.glob("audience.sqlite3*"):  # as an earlier version laid it out
        f.rename(settings.data_dir / f.name)

    items = AudienceQueue(settings, encode=bot.store.embedder.encode).items()

    assert [i.text for i in items] == ["Is it open?"]
    assert not (settings.data_dir / "audience.sqlite3").exists()


# --- damage and concurrency ------------------------------------------------------------------
def _damage(chroma_dir: Path, how: str) -> None:
    database = chroma_dir / "chroma.sqlite3"
    if how == "overwritten":
        with database.open("r+b") as fh:
            fh.write(b"not a database at all " * 50)
    else:  # a disk that filled up, a copy cut short
        os.truncate(database, 8192)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("how", ["overwritten", "truncated"])
def test_a_damaged_store_is_reported_and_ingest_rebuild_recovers(tmp_path: Path, how: str) -> None:
    settings = Settings(pack=clean_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    assert cli(settings, "ingest").returncode == 0
    _damage(settings.chroma_dir, how)

    search = cli(settings, "search", "heliotrope")
    asked = cli(settings, "ask", "Which cluster runs on sunlight?", "--json")
    update = cli(settings, "ingest")
    for done in (search, update):
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "damaged" in done.stderr and "ingest --rebuild" in done.stderr
    answer = json.loads(asked.stdout)
    assert answer["abstained"] and "ingest --rebuild" in answer["answer"]

    rebuilt = cli(settings, "ingest", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "moved to" in rebuilt.stdout
    assert list(settings.data_dir.glob("chroma.broken-*"))
    found = json.loads(cli(settings, "search", "Which cluster runs on sunlight?", "--json").stdout)
    assert found[0]["source_id"] == "page"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("how", ["overwritten", "deleted by hand"])
def test_a_running_bot_moves_to_the_store_a_rebuild_makes(tmp_path: Path, how: str) -> None:
    settings = Settings(pack=clean_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    assert cli(settings, "ingest").returncode == 0
    bot = Bot(settings)  # a long-running app's bot, store open
    assert not bot.ask("Which cluster runs on sunlight?").abstained
    if how == "overwritten":
        _damage(settings.chroma_dir, how)
        damaged = bot.ask("Which cluster runs on sunlight?")  # from open files, or a message
        assert damaged.engine != "none" or "ingest --rebuild" in damaged.answer
    else:
        shutil.rmtree(settings.chroma_dir)  # the bot still reads the files it has open
    page = {s.id: s for s in load_registry(settings.sources_file)}["page"]
    write_snapshot(settings.snapshots_dir, page, PAGE.replace("seventeen", "nine").encode(), "html")

    assert cli(settings, "ingest", "--rebuild").returncode == 0
    time.sleep(settings.store.recheck_s)

    answer = bot.ask("Which cluster runs on sunlight?")  # from the new store, not the old files
    assert "nine universities" in answer.answer, answer.answer
    assert answer.citations[0].source_id == "page"


def test_a_second_ingest_waits_then_refuses_with_a_message(tmp_path: Path) -> None:
    settings = Settings(
        pack=clean_pack(tmp_path / "pack"),
        data_dir=tmp_path / "data",
        ingest=IngestSettings(lock_wait_s=0.5),
    )
    sources = load_registry(settings.sources_file)
    with ingest_lock(settings):
        with pytest.raises(IngestBusyError, match="Another ingest is running"):
            ingest(settings, sources)
        done = cli(settings, "ingest", DEBATEBOT_INGEST__LOCK_WAIT_S="1")
        assert done.returncode == 1 and f"pid {os.getpid()}" in done.stderr
    assert ingest(settings, sources).count("indexed") == 3  # free again once released


@pytest.mark.timeout(600)
def test_two_ingests_started_together_both_finish_with_one_index(tmp_path: Path) -> None:
    settings = Settings(pack=clean_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    env = {
        **os.environ,
        "DEBATEBOT_DATA_DIR": str(settings.data_dir),
        "DEBATEBOT_INGEST__LOCK_WAIT_S": "200",
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "bot", "--pack", str(settings.pack), "ingest", "--rebuild"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=400)[0].decode() for p in procs]

    assert [p.returncode for p in procs] == [0, 0], outputs
    store = open_store(settings)
    live = read_live(store.client, settings)
    assert live is not None and stored_generations(store.client, settings) == {live.generation}
    assert {c.source_id for c in store.all_chunks()} == {"simon-cern-for-ai", "page", "notes"}


# --- what the last ingest did ------------------------------------------------------------------
def test_the_last_ingest_report_is_kept_per_source(tmp_path: Path) -> None:
    _, settings, sources, _ = ingested_pack(tmp_path)
    first = last_ingest_report(settings)
    assert first is not None
    by_id = first.by_source()
    assert by_id["page"].status == "indexed" and by_id["page"].chunks > 0
    assert by_id["broken"].status == "failed" and "PDF" in by_id["broken"].reason
    assert by_id["unfetched"].status == "missing" and by_id["unfetched"].reason
    assert all(r.at for r in first.sources) and first.finished_at and first.generation

    ingest(settings, sources)
    second = last_ingest_report(settings)
    assert second is not None and second.by_source()["page"].status == "unchanged"
    assert second.by_source()["page"].chunks == by_id["page"].chunks
    assert last_ingest_report(Settings(pack=tmp_path, data_dir=settings.data_dir)) is None
