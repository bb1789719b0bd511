"""Organisers' commands: `debatebot init --from-post` and `debatebot add`, on files the tests make.

A small WordPress post (headings, links, one repeated, a mail link and a link to itself)
becomes a pack; a three-page PDF made with ReportLab and an HTML page are added to it; the
pack is indexed for real and asked questions, whose citations must open the right page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import _register, app
from bot.ingest.add import id_from_url, slug
from bot.ingest.snapshots import read_meta, sha256_bytes
from bot.pack import load_debate
from bot.registry import load_registry
from bot.settings import Settings

LINKS = {
    "https://example.org/reports/river-compute.pdf": "river compute report",
    "https://lab.example.net/about/charter": "the lab's charter",
    "https://news.example.com/2024/06/harbour-lab": "a news story",
}
PAGES = [  # the PDF's pages: a sentence on each that only that page has
    "The harbour lab keeps its archive in a vault of basalt stone.",
    "Membership of the harbour lab costs each town nine hundred florins a year.",
    "The harbour lab shares its telescope time with fishing cooperatives.",
]


def wp_post() -> dict:
    a = [f'<a href="{u}">{t}</a>' for u, t in LINKS.items()]
    content = (
        "<p>The harbour lab is a shared observatory run by twelve coastal towns.</p>"
        f"<h2>1. How the lab works</h2><p>Its council meets twice a year, as {a[1]} says.</p>"
        f"<h3>a) Compute</h3><p>The lab rents processors from a river dam, see the {a[0]}.</p>"
        f"<h2>2. Open questions</h2><p>Should the lab open its data? See {a[2]} and {a[0]}.</p>"
        '<p>Write to <a href="mailto:lab@example.org">us</a> or read '
        '<a href="https://blog.example.org/harbour-lab/">this post</a> again.</p>'
    )
    return {
        "id": 7,
        "date": "2024-05-02T10:00:00",
        "slug": "harbour-lab",
        "link": "https://blog.example.org/harbour-lab/",
        "title": {"rendered": "The Harbour Lab &#8211; a Shared Observatory"},
        "content": {"rendered": content},
        "_links": {"self": [{"href": "https://blog.example.org/wp-json/wp/v2/posts/7"}]},
    }


def make_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=A4)
    canvas.setTitle("Harbour Lab Annual Report")
    for text in PAGES:
        canvas.drawString(72, 750, text)
        canvas.showPage()
    canvas.save()


def run(*args: str):
    _register()
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A pack made by `init`, with a PDF and an HTML page added, then indexed."""
    root = tmp_path_factory.mktemp("organise")
    post = root / "post.json"
    post.write_text(json.dumps(wp_post()), encoding="utf-8")
    pack = root / "harbour"
    result = run("init", pack, "--from-post", post)
    assert result.exit_code == 0, result.output
    pdf = root / "annual-report.pdf"
    make_pdf(pdf)
    html = root / "visit.html"
    html.write_text(
        "<html><head><title>Visiting the Harbour Lab</title></head><body><main><article>"
        "<h1>Visiting the Harbour Lab</h1><p>Visitors may climb the lighthouse tower of the "
        "harbour lab on Sundays from May to September, guided by volunteer astronomers.</p>"
        "<p>Tickets are sold at the ferry office and cost three florins for adults.</p>"
        "</article></main></body></html>",
        encoding="utf-8",
    )
    return {"root": root, "pack": pack, "post": post, "pdf": pdf, "html": html}


def test_init_makes_a_pack_from_a_wordpress_post(made):
    pack = made["pack"]
    sources = load_registry(pack / "sources.yaml")
    post, *links = sources
    assert post.kind == "post" and post.format == "wordpress_json"
    assert post.title == "The Harbour Lab – a Shared Observatory"
    assert post.url.endswith("/wp-json/wp/v2/posts/7")
    assert post.page_url == "https://blog.example.org/harbour-lab/"
    assert post.date == "2024-05-02"
    # each distinct http link once, in order; no mail link, no link to the post itself
    assert [s.url for s in links] == [
        "https://lab.example.net/about/charter",
        "https://example.org/reports/river-compute.pdf",
        "https://news.example.com/2024/06/harbour-lab",
    ]
    assert [s.title for s in links] == ["the lab's charter", "river compute report", "a news story"]
    assert [s.id for s in links] == [id_from_url(s.url) for s in links]
    assert all(s.date == "" and s.kind == "background" for s in links)
    assert [s.format for s in links] == ["html", "pdf", "html"]
    meta = read_meta(pack / "snapshots", post.id)
    snap = pack / "snapshots" / meta.file
    assert meta.sha256 == sha256_bytes(snap.read_bytes())
    assert json.loads(snap.read_bytes()) == wp_post()  # the post as given, byte for byte
    debate_text = (pack / "debate.yaml").read_text(encoding="utf-8")
    assert "TO FILL" in debate_text and '"a) Compute"' in debate_text
    debate = load_debate(Settings(pack=pack))
    assert debate.event.post_source == post.id and str(debate.event.date) == "2024-05-02"
    assert debate.clusters == [] and debate.open_questions == []


def test_init_refuses_a_folder_with_a_pack_and_a_post_that_is_not_one(made, tmp_path):
    again = run("init", made["pack"], "--from-post", made["post"])
    assert again.exit_code != 0 and "already holds a debate pack" in again.output
    bad = tmp_path / "not-a-post.json"
    bad.write_text('{"title": "no content"}', encoding="utf-8")
    result = run("init", tmp_path / "new", "--from-post", bad)
    assert result.exit_code != 0 and "not a WordPress post JSON" in result.output
    assert not (tmp_path / "new" / "sources.yaml").exists()


def test_add_appends_an_entry_keeping_the_file_and_stores_its_snapshot(made):
    pack, pdf = made["pack"], made["pdf"]
    before = (pack / "sources.yaml").read_text(encoding="utf-8")
    url = "https://example.org/annual-report.pdf"
    result = run("--pack", pack, "add", pdf, "--kind", "proposal", "--date", "2024-03",
                 "--author", "Harbour Lab", "--url", url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ingest" in result.output
    after = (pack / "sources.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n")), "the file's comments and entries are kept"
    added = load_registry(pack / "sources.yaml")[-1]
    assert added.id == slug(pdf.stem) and added.title == "Harbour Lab Annual Report"
    assert (added.kind, added.date, added.format) == ("proposal", "2024-03", "pdf")
    meta = read_meta(pack / "snapshots", added.id)
    assert (
        meta.sha256
        == sha256_bytes(pdf.read_bytes())
        == sha256_bytes((pack / "snapshots" / meta.file).read_bytes())
    )
    assert meta.url == added.url and meta.content_type == "application/pdf"

    html = run("--pack", pack, "add", made["html"], "--id", "visit-page",
               "--url", "https://lab.example.net/visit")  # fmt: skip
    assert html.exit_code == 0, html.output
    page = load_registry(pack / "sources.yaml")[-1]
    assert (page.id, page.format, page.title) == ("visit-page", "html", "Visiting the Harbour Lab")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--id", "visit-page", "--url", "https://x.example/1"], "already has a source with id"),
        (["--id", "other", "--url", "https://lab.example.net/visit"], "already has"),
        (["--id", "other", "--url", "https://x.example/2", "--cluster", "nope"],
         "unknown cluster 'nope'"),
        (["--id", "other", "--date", "July 2024", "--url", "https://x.example/3"], "date"),
        (["--id", "other"], "needs --url"),
    ],
)  # fmt: skip
def test_add_refuses_clearly_and_changes_nothing(made, args, says):
    pack = made["pack"]
    run(
        "--pack",
        pack,
        "add",
        made["html"],
        "--id",
        "visit-page",
        "--url",
        "https://lab.example.net/visit",
    )  # fmt: skip  (present whatever the order)
    before = (pack / "sources.yaml").read_bytes()
    snaps = sorted(p.name for p in (pack / "snapshots").iterdir())
    result = run("--pack", pack, "add", made["html"], *args)
    assert result.exit_code != 0 and says in result.output, result.output
    assert (pack / "sources.yaml").read_bytes() == before
    assert sorted(p.name for p in (pack / "snapshots").iterdir()) == snaps


def test_attach_gives_an_existing_entry_its_snapshot(made, tmp_path):
    pack = made["pack"]
    copy = tmp_path / "charter.html"  # the organiser's own copy of a page that refuses robots
    copy.write_text(
        "<html><head><title>Charter</title></head><body><article><h1>Charter</h1><p>The "
        "council of the harbour lab meets in spring and in autumn.</p></article></body></html>",
        encoding="utf-8",
    )
    charter = id_from_url("https://lab.example.net/about/charter")
    wrong = run("--pack", pack, "add", made["pdf"], "--attach", "--id", charter)
    assert wrong.exit_code != 0 and "registered as html" in wrong.output
    unknown = run("--pack", pack, "add", copy, "--attach", "--id", "no-such-id")
    assert unknown.exit_code != 0 and "already has" in unknown.output
    ok = run("--pack", pack, "add", copy, "--attach", "--id", charter)
    assert ok.exit_code == 0, ok.output
    assert read_meta(pack / "snapshots", charter).origin == "shared"


def test_the_new_pack_ingests_and_answers_with_page_links(made, tmp_path, monkeypatch):
    pack = made["pack"]
    for args in (
        [made["pdf"], "--kind", "proposal", "--url", "https://example.org/annual-report.pdf"],
        [made["html"], "--id", "visit-page", "--url", "https://lab.example.net/visit"],
    ):
        run("--pack", pack, "add", *args)  # already added by an earlier test, or now
    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(tmp_path / "data"))
    from bot.settings import get_settings

    get_settings.cache_clear()
    result = run("--pack", pack, "ingest")
    assert result.exit_code == 0, result.output
    registry = load_registry(pack / "sources.yaml")
    report = next(s for s in registry if s.format == "pdf" and s.kind == "proposal")
    for page, sentence in enumerate(PAGES, start=1):
        out = run("--pack", pack, "ask", sentence.replace("The harbour lab", "Which") + "?",
                  "--json")  # fmt: skip
        assert out.exit_code == 0, out.output
        answer = json.loads(out.output)
        cites = [c for c in answer["citations"] if c["source_id"] == report.id]
        assert cites, answer["answer"]
        assert cites[0]["url"] == f"{report.url}#page={page}" and cites[0]["page"] == page
    visit = json.loads(run("--pack", pack, "ask", "What may visitors climb at the harbour lab?",
                           "--json").output)  # fmt: skip
    assert any(c["source_id"] == "visit-page" for c in visit["citations"]), visit["answer"]
    page = next(c for c in visit["citations"] if c["source_id"] == "visit-page")
    assert page["url"].startswith("https://lab.example.net/visit#:~:text=")
    post = yaml.safe_load((pack / "sources.yaml").read_text(encoding="utf-8"))["sources"][0]
    about = json.loads(
        run("--pack", pack, "ask", "Is the harbour lab a shared observatory?", "--json").output
    )
    assert any(c["source_id"] == post["id"] for c in about["citations"]), about["answer"]
    brief = run("--pack", pack, "brief", "-o", tmp_path / "brief.md")
    assert brief.exit_code == 0, brief.output
