"""The reading list: the shipped registry is complete and valid; bad files fail clearly."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from bot.registry import RegistryError, load_registry
from bot.settings import ROOT

SOURCES = ROOT / "corpus" / "sources.yaml"
POST = ROOT / "corpus" / "snapshots" / "simon-cern-for-ai.wp.json"


def test_every_link_of_the_post_is_registered() -> None:
    sources = load_registry(SOURCES)
    body = json.loads(POST.read_text(encoding="utf-8"))["content"]["rendered"]
    hrefs = {html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"]+)"', body)}
    urls = {s.url for s in sources}
    assert hrefs <= urls, hrefs - urls
    assert len(sources) == len(hrefs) + 1  # and the post itself
    post = [s for s in sources if s.kind.value == "post"]
    assert len(post) == 1 and post[0].format.value == "wordpress_json"


def test_pdf_entries_keep_the_page_the_post_points_at() -> None:
    for s in load_registry(SOURCES):
        if "#page=" in s.url:
            assert s.format.value == "pdf"
            assert s.page == int(s.url.rsplit("#page=", 1)[1])


def test_the_post_snapshot_is_the_shared_file_unchanged() -> None:
    shared = ROOT.parent / "shared" / "corpus" / "cern-for-ai-one-analogy-many-visions.wp.json"
    if not shared.exists():
        pytest.skip("shared/ not laid beside the checkout")
    assert POST.read_bytes() == shared.read_bytes()
    meta = json.loads(POST.with_name("simon-cern-for-ai.meta.json").read_text())
    import hashlib

    assert meta["sha256"] == hashlib.sha256(POST.read_bytes()).hexdigest()


GOOD = """sources:
  - id: one
    title: One
    url: https://example.org/one
    kind: background
    format: html
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [\n  - id: x\n", "malformed YAML"),
        ("nothing: here\n", "top-level 'sources:' list"),
        (GOOD + GOOD.split("\n", 1)[1], "duplicate id"),
        (GOOD.replace("kind: background", "kind: rumour"), "source 'one'"),
        (GOOD.replace("https://example.org/one", "ftp://x"), "url must start"),
        (GOOD.replace("title: One", "title: One\n    date: last spring"), "date must be"),
        (GOOD.replace("title: One", "title: One\n    colour: red"), "colour"),
        (GOOD.replace("id: one", "id: Bad Id!"), "id must be"),
    ],
)
def test_bad_registry_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=re.escape(message) if "'" in message else message):
        load_registry(path)


def test_error_gives_the_line_of_the_bad_entry(tmp_path: Path) -> None:
    bad = GOOD + GOOD.split("\n", 1)[1].replace("id: one", "id: two").replace(
        "kind: background", "kind: nope"
    )
    path = tmp_path / "sources.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(RegistryError, match=r"line 7, source 'two'"):
        load_registry(path)


def test_clusters_are_the_packs_own(tmp_path: Path) -> None:
    """A source's cluster must be one that the pack's debate.yaml defines, whatever it is."""
    import shutil

    from bot import pack
    from bot.settings import Settings

    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "corpus", folder)
    settings = Settings(pack=folder)
    assert any(s.cluster for s in pack.sources(settings))
    text = (folder / "sources.yaml").read_text(encoding="utf-8")
    (folder / "sources.yaml").write_text(
        text.replace("cluster: safety", "cluster: weather", 1), encoding="utf-8"
    )
    with pytest.raises(RegistryError, match="unknown cluster 'weather'"):
        pack.sources(settings)


def test_the_post_links_to_its_article_page_not_its_api() -> None:
    post = next(s for s in load_registry(SOURCES) if s.kind.value == "post")
    assert "wp-json" in post.url and post.human_url.startswith("https://")
    assert "wp-json" not in post.human_url
    others = [s for s in load_registry(SOURCES) if s.kind.value != "post"]
    assert all(s.human_url == s.url for s in others)
