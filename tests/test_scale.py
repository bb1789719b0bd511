"""What makes a cold start cheap, checked for sameness: saved tables and the lighter encoder.

The figures (seconds, MB at 100k chunks) are in docs/BENCHMARKS.md; here only that the fast
path gives what the slow one gives, and that paths and ids are where the settings say.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_index import PAGE, ingested_pack

from bot.index.build import ingest, open_store
from bot.index.embeddings import resolve_model
from bot.index.mean_pooled import MeanPooledModel, plain_layout
from bot.index.namespace import PackIdError, pack_data_dir, pack_id
from bot.ingest.snapshots import write_snapshot
from bot.retrieve.hybrid import Retriever
from bot.retrieve.tables import ChunkTable, prepare_tables, read_table, table_dir, tables_root
from bot.service import Bot
from bot.settings import PACKAGED_MODEL, Settings, get_settings


def test_the_light_encoder_gives_sentence_transformers_vectors() -> None:
    from sentence_transformers import SentenceTransformer

    folder = Path(resolve_model(PACKAGED_MODEL))
    layout = plain_layout(folder)
    assert layout == (256, False, True)
    texts = ["How is CERN funded?", "  Café crème in Zürich\n", "", "word " * 400, "a\tb"]
    ours = MeanPooledModel(folder, *layout, offline=True).encode(texts, batch_size=2)
    theirs = SentenceTransformer(str(folder), device="cpu", local_files_only=True).encode(
        texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    assert np.abs(ours - theirs).max() < 1e-5


def test_a_model_of_another_layout_is_left_to_sentence_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(resolve_model(PACKAGED_MODEL), folder)
    pooling = folder / "1_Pooling" / "config.json"
    pooling.write_text(
        pooling.read_text().replace(
            '"pooling_mode_cls_token": false', '"pooling_mode_cls_token": true'
        )
    )
    assert plain_layout(folder) is None


def _ingest_with_tables(settings: Settings, sources, **kw):
    return ingest(settings, sources, prepare=prepare_tables, **kw)


def test_a_new_process_reads_the_saved_table_and_finds_what_chroma_holds(tmp_path: Path) -> None:
    _, settings, sources, _ = ingested_pack(tmp_path)
    _ingest_with_tables(settings, sources, rebuild=True)
    store = open_store(settings)
    saved = read_table(settings, store.stamp)
    assert saved is not None and saved.vectors is not None
    chunks, vectors = store.all_chunks_with_vectors()
    fresh = ChunkTable.of(store.stamp, chunks, vectors=vectors)
    assert saved.chunks == fresh.chunks and saved.lexical.ids == fresh.lexical.ids
    ids = list(saved.chunks)
    assert all(np.allclose(saved.vectors_of(ids)[i], store.chunk_vectors(ids)[i]) for i in ids)
    query = "Which cluster runs on sunlight?"
    assert saved.lexical.search(query, 5) == fresh.lexical.search(query, 5)
    assert Bot(settings).search(query, k=1)[0].chunk.source_id == "page"


def test_a_damaged_saved_table_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    _, settings, sources, _ = ingested_pack(tmp_path)
    _ingest_with_tables(settings, sources, rebuild=True)
    stamp = open_store(settings).stamp
    (table_dir(settings, stamp) / "chunks.jsonl").write_text('{"id": "half a line')

    retriever = Retriever(open_store(settings), settings.retrieval, sources)

    assert retriever.search("Which cluster runs on sunlight?", k=1)[0].chunk.source_id == "page"
    assert read_table(settings, stamp) is not None  # saved again, whole


def test_an_update_goes_live_in_a_running_bot_and_old_tables_are_pruned(tmp_path: Path) -> None:
    pack, settings, sources, _ = ingested_pack(tmp_path)
    _ingest_with_tables(settings, sources, rebuild=True)
    bot = Bot(settings)
    assert "seventeen" in bot.search("Which cluster runs on sunlight?", k=1)[0].chunk.text
    old = bot.store.stamp

    page = {s.id: s for s in sources}["page"]
    write_snapshot(pack / "snapshots", page, PAGE.replace("seventeen", "nine").encode(), "html")
    _ingest_with_tables(settings, sources)  # in place: same generation, new revision
    bot.store.sync(max_age=0)

    assert bot.store.stamp.generation == old.generation and bot.store.stamp != old
    assert "nine" in bot.search("Which cluster runs on sunlight?", k=1)[0].chunk.text
    updated = bot.store.stamp
    _ingest_with_tables(settings, sources, rebuild=True)
    bot.store.sync(max_age=0)
    # Kept: the new index's table, and the one live during the swap (a process starting then
    # may still read it); the first revision's is gone.
    kept = set(tables_root(settings).glob("*/*"))
    assert kept == {table_dir(settings, updated), table_dir(settings, bot.store.stamp)}
    assert not table_dir(settings, old).exists()


# --- where things live ------------------------------------------------------------------------
def test_the_data_folder_defaults_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEBATEBOT_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    assert Settings().data_dir == tmp_path / ".data"
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", "here/data")
    assert Settings().data_dir == tmp_path / "here" / "data"
    (tmp_path / "debatebot.toml").write_text('data_dir = "from-toml"\n')
    monkeypatch.delenv("DEBATEBOT_DATA_DIR")
    assert Settings().data_dir == tmp_path / "from-toml"


@pytest.mark.parametrize(
    ("debate", "expected"),
    [
        ({"id": "geneva-2025"}, "geneva-2025"),
        ({"event": {"title": "no id"}}, None),
        (None, None),
    ],
)
def test_a_pack_is_known_by_its_declared_id_or_its_folder(
    tmp_path: Path, debate: dict | None, expected: str | None
) -> None:
    folder = tmp_path / "My Pack!"
    folder.mkdir()
    if debate is not None:
        (folder / "debate.yaml").write_text(yaml.safe_dump(debate))
    settings = Settings(pack=folder, data_dir=tmp_path / "data")
    got = pack_id(settings)
    if expected:
        assert got == expected
    else:
        assert got.startswith("my-pack-") and len(got) == len("my-pack-") + 8
        twin = tmp_path / "elsewhere" / "My Pack!"
        twin.mkdir(parents=True)
        assert pack_id(Settings(pack=twin, data_dir=settings.data_dir)) != got
    assert pack_data_dir(settings) == settings.data_dir / "packs" / got


@pytest.mark.parametrize("bad", ["Upper", "has space", "-dash-first", "x" * 41, "../up"])
def test_a_declared_id_that_cannot_name_a_folder_is_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / "debate.yaml").write_text(yaml.safe_dump({"id": bad}))
    with pytest.raises(PackIdError, match="lower-case"):
        pack_id(Settings(pack=tmp_path, data_dir=tmp_path / "data"))
