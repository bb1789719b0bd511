"""The briefing pack, read back as an attendee gets it: every citation checked against the sources.

The Markdown and HTML packs are parsed, not inspected through the objects that made them:
each [n] must lead to a numbered source entry whose quote is verbatim in the snapshot's
extracted text and whose link is that sentence's deep link; no sentence of a source may appear
without its marker; and what is left when the cited quotes are taken out must be the
templates' own wording and the debate pack's data.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.brief.base import text
from bot.brief.compare import COLUMNS, best_match
from bot.brief.pack import Brief, build_brief
from bot.brief.pictures import date_span, split_by_date, timeline_png
from bot.brief.quiz import make_quiz
from bot.brief.render import excerpt, render_html, render_markdown, render_pdf
from bot.brief.stance import compare_views, where_do_i_stand
from bot.debate.pack_data import load_debate
from bot.ingest.loaders import load_document
from bot.ingest.snapshots import snapshot_status
from bot.models import Chunk, Quote
from bot.prompts import PROMPTS_DIR, all_templates, template
from bot.registry import Kind

MARKER = re.compile(r"\[(\d{1,3})\]")
MD_UNESCAPE = re.compile(r"\\([\\`*_\[\]|#<>])")
SOURCE_ENTRY = re.compile(
    r"^- \[(\d+)\] “(.*)” — (.*?) — \[open the passage\]\((\S+)\)$", re.MULTILINE
)


def norm(s: str) -> str:
    return " ".join(s.split())


def unescape_md(s: str) -> str:
    return MD_UNESCAPE.sub(r"\1", s)


# --- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def brief(bot) -> Brief:
    return build_brief(bot)


@pytest.fixture(scope="module")
def md(brief: Brief, artifacts: Path) -> str:
    out = render_markdown(brief)
    (artifacts / "briefing.md").write_text(out, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def html(brief: Brief, artifacts: Path) -> str:
    out = render_html(brief)
    (artifacts / "briefing.html").write_text(out, encoding="utf-8")
    return out


class Verifier:
    """Checks a (quote, link) pair against the snapshot text and the index's deep links."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.by_title = {s.title: s for s in bot.registry}
        self._texts: dict[str, str] = {}

    def snapshot_text(self, source_id: str) -> str:
        if source_id not in self._texts:
            src = self.bot.sources[source_id]
            state, meta = snapshot_status(self.bot.settings.snapshots_dir, src)
            assert state == "present", f"{source_id} is cited but has no snapshot"
            path = self.bot.settings.snapshots_dir / meta.file
            self._texts[source_id] = norm(load_document(src, path, 40).text)
        return self._texts[source_id]

    def check(self, quote: str, link: str, source_id: str) -> None:
        assert norm(quote) in self.snapshot_text(source_id), f"not verbatim: {quote!r}"
        urls = [
            c.sentence_urls[i]
            for c in self.bot.corpus.chunks_of(source_id)
            for i in range(len(c.sentences))
            if norm(Quote(c, i).text) == norm(quote)
        ]
        assert urls, f"no indexed sentence is {quote!r}"
        assert link in urls, f"{link} is not the deep link of {quote!r}"


@pytest.fixture(scope="module")
def verifier(bot) -> Verifier:
    return Verifier(bot)


def md_sources(md: str) -> tuple[str, dict[int, tuple[str, str, str]]]:
    """The body before "## Sources" and the entries n -> (quote, title, link)."""
    body, _, tail = md.partition("\n## Sources\n")
    assert tail, "the pack does not end with its sources"
    entries = {}
    for m in SOURCE_ENTRY.finditer(tail):
        entries[int(m.group(1))] = (unescape_md(m.group(2)), unescape_md(m.group(3)), m.group(4))
    assert len(entries) == len(tail.strip().splitlines()), "a source entry does not parse"
    return body, entries


def _source_of(verifier: Verifier, where: str) -> str:
    title = next((t for t in verifier.by_title if where.startswith(t)), None)
    assert title, f"source entry names no registered source: {where}"
    return verifier.by_title[title].id


def _check_markers(body: str, entries: dict[int, tuple[str, str, str]]) -> None:
    """Each [n] in the body follows its quote (or, in the table, the quote's opening words)."""
    used = set()
    for m in MARKER.finditer(body):
        n = int(m.group(1))
        assert n in entries, f"[{n}] resolves to no source entry"
        quote = entries[n][0]
        before = body[: m.start()].rstrip()
        assert before.endswith(f"“{quote}”") or before.endswith(f"“{excerpt(quote)}”"), (
            f"[{n}] does not follow its quote: …{before[-80:]!r}"
        )
        used.add(n)
    assert used == set(entries), f"sources never cited in the text: {set(entries) - used}"


# --- the Markdown pack --------------------------------------------------------------------
def test_markdown_citations_resolve_verbatim_with_deep_links(md: str, verifier: Verifier):
    body, entries = md_sources(md)
    assert sorted(entries) == list(range(1, len(entries) + 1))
    assert len(entries) > 50
    first = list(dict.fromkeys(int(n) for n in MARKER.findall(unescape_md(body))))
    assert first == sorted(first), "numbers do not run in reading order"
    _check_markers(unescape_md(body), entries)
    for quote, where, link in entries.values():
        verifier.check(quote, link, _source_of(verifier, where))


def _vocabulary(bot) -> set[str]:
    """Words the pack may use without a citation: its templates, the debate pack, registry."""
    parts = [p.read_text(encoding="utf-8") for p in (PROMPTS_DIR / "brief").glob("*")]
    debate = load_debate(bot.settings)
    e = debate.event
    parts += [e.title, e.series, e.venue, e.url]
    parts += [c.label for c in debate.clusters] + [q.label for q in debate.open_questions]
    parts += [a.title for a in debate.agenda]
    for s in bot.registry:
        parts += [s.title, s.author, s.url, *s.linked_as]
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z’'-]*", " ".join(parts))}


def test_every_fact_sentence_carries_a_marker(md: str, brief: Brief, bot):
    body, entries = md_sources(md)
    rest = unescape_md(body)
    for n, (quote, _, _) in entries.items():
        rest = rest.replace(f"“{quote}” [{n}]", " ").replace(f"“{excerpt(quote)}” [{n}]", " ")
    rest = re.sub(r"\]\([^)]*\)", "]", rest)  # link targets
    for chunk in bot.corpus.chunks.values():
        for i in range(len(chunk.sentences)):
            sentence = norm(Quote(chunk, i).text)
            if len(sentence.split()) >= 5:
                assert sentence not in norm(rest), f"uncited source sentence: {sentence!r}"
    allowed = _vocabulary(bot)
    stray = {w for w in re.findall(r"[A-Za-z][A-Za-z’'-]*", rest) if w.lower() not in allowed}
    assert not stray, f"words from neither a template nor the pack's data: {sorted(stray)}"


# --- the HTML pack ------------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self.scripts = 0
        self.cites: list[int] = []
        self.entries: dict[int, list[str]] = {}  # n -> [text, links...]
        self._in: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for key in ("src", "data", "poster", "srcset"):
            if a.get(key) and not a[key].startswith("data:"):
                self.remote.append(f"{tag} {key}={a[key]}")
        if tag == "link" and a.get("href"):
            self.remote.append(f"link href={a['href']}")
        if tag == "li" and (a.get("id") or "").startswith("src-"):
            self._in = int(a["id"][4:])
            self.entries[self._in] = [""]
        elif tag == "a" and a.get("class") == "cite":
            self.cites.append(int(a["href"].removeprefix("#src-")))
        elif tag == "a" and self._in is not None:
            self.entries[self._in].append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self.entries[self._in][0] += data


def test_html_is_offline_and_every_citation_resolves(html: str, verifier: Verifier):
    page = _Page()
    page.feed(html)
    assert page.scripts == 0
    assert not page.remote, f"remote resources: {page.remote}"
    assert not re.search(r"url\(\s*['\"]?https?:|@import", html), "remote CSS"
    assert html.count('src="data:image/png;base64,') == 2, "both pictures inline"
    assert set(page.cites) == set(page.entries), "a marker without entry or an unused entry"
    for n, (entry, *links) in page.entries.items():
        m = re.match(r"\[(\d+)\] “(.*)” — (.*?) — open the passage$", norm(entry))
        assert m and int(m.group(1)) == n, f"source entry {n} does not parse: {entry!r}"
        verifier.check(m.group(2), links[-1], _source_of(verifier, m.group(3)))


def test_html_and_markdown_cite_the_same_sources(md: str, html: str):
    _, entries = md_sources(md)
    page = _Page()
    page.feed(html)
    assert sorted(page.entries) == sorted(entries)


# --- the PDF pack -------------------------------------------------------------------------
def _first_page_png(pdf: Path, out: Path) -> None:
    try:
        import pypdfium2 as pdfium
    except ImportError:
        if not shutil.which("pdftoppm"):
            pytest.skip("needs pypdfium2 (pip) or pdftoppm (poppler-utils) to render a page")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(out.with_suffix(""))],
            check=True,
        )  # fmt: skip
        return
    doc = pdfium.PdfDocument(str(pdf))
    doc[0].render(scale=80 / 72).to_pil().save(out)
    doc.close()


def test_pdf_is_made_and_its_first_page_renders(brief: Brief, artifacts: Path):
    pdf = render_pdf(brief)
    assert pdf.startswith(b"%PDF") and b"ReportLab" in pdf[:2000]
    path = artifacts / "briefing.pdf"
    path.write_bytes(pdf)
    png = artifacts / "briefing-page1.png"
    png.unlink(missing_ok=True)
    _first_page_png(path, png)
    from PIL import Image

    with Image.open(png) as img:
        gray = img.convert("L")
        assert gray.size[0] > 500 and gray.size[1] > 700
        dark = sum(gray.histogram()[:128])
        assert dark > 2000, "the first page is blank"


# --- pictures -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("", None),
        ("2023", (date(2023, 1, 1), date(2023, 12, 31))),
        ("2019-10", (date(2019, 10, 1), date(2019, 10, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2017-07-29", (date(2017, 7, 29), date(2017, 7, 29))),
    ],
)
def test_a_date_stands_for_its_whole_period(value: str, span):
    assert date_span(value) == span


def test_timeline_places_only_dated_sources(bot, md: str):
    dated, undated = split_by_date(bot.registry)
    kinds = (Kind.proposal, Kind.existing_project)
    assert {d.source.id for d in dated} | {s.id for s in undated} == {
        s.id for s in bot.registry if s.kind in kinds
    }
    assert all(d.source.date for d in dated) and not any(s.date for s in undated)
    assert [d.start for d in dated] == sorted(d.start for d in dated)
    assert timeline_png(bot.registry, load_debate(bot.settings)).startswith(b"\x89PNG")
    line = next(ln for ln in md.splitlines() if ln.startswith(text("timeline_undated")))
    for src in undated:
        assert src.linked_as[0].strip("“”") in line or src.title in line


# --- comparison ---------------------------------------------------------------------------
def _chunk(sentences: list[str]) -> Chunk:
    body = " ".join(sentences)
    spans, pos = [], 0
    for s in sentences:
        spans.append((pos, pos + len(s)))
        pos += len(s) + 1
    return Chunk(id="t:0", source_id="t", text=body, start=0, end=len(body), url="http://x/",
                 sentences=spans)  # fmt: skip


@pytest.mark.parametrize(
    ("sentences", "dimension", "expected"),
    [
        (["It is governed by a council of member states."], "governance", 0),
        (["Nothing here.", "Shared compute and GPUs for all."], "compute", 1),
        (["An open model.", "Open-source release under an open licence."], "openness", 1),
        (["A lab in Geneva."], "openness", None),
        (["Public compute.", "Public compute."], "compute", 0),  # a tie goes to the first
    ],
)
def test_a_cell_takes_the_sentence_that_speaks_to_its_dimension(sentences, dimension, expected):
    chunk = _chunk(sentences)
    got = best_match([Quote(chunk, i) for i in range(len(sentences))], dimension)
    assert (got.index if got else None) == expected


def test_comparison_csv_cells_are_empty_or_cited(brief: Brief, verifier: Verifier, bot):
    from bot.brief.compare import to_csv

    rows = list(csv.DictReader(io.StringIO(to_csv(brief.comparison))))
    expected = {s.id for s in bot.registry if s.kind in (Kind.proposal, Kind.existing_project)}
    assert {r["source_id"] for r in rows} == expected
    filled = 0
    for row in rows:
        for col in COLUMNS:
            if row[f"{col}_link"] == "":
                assert row[col] == text("empty_cell")
                continue
            filled += 1
            post = next(c.source_id for c in bot.corpus.chunks.values()
                        if row[f"{col}_link"] in c.sentence_urls)  # fmt: skip
            verifier.check(row[col], row[f"{col}_link"], post)
        assert row["who_link"], f"the post links to {row['source_id']}, so it says who"
    assert filled >= len(rows)
    empty = sum(1 for r in rows for c in COLUMNS if not r[f"{c}_link"])
    assert empty > 0, "with only the post indexed, some cells must stay empty"


# --- reading guide ------------------------------------------------------------------------
def test_reading_guide_names_sources_passages_and_times(brief: Brief, bot, verifier):
    words = len(verifier.snapshot_text(load_debate(bot.settings).event.post_source).split())
    for q in brief.questions:
        entries = q.guide.entries
        assert 2 <= len(entries) <= 3
        for e in entries:
            assert e.start is not None
            verifier.check(e.start.text, e.start.url, e.start.source_id)
            if e.state == "missing":
                assert e.minutes is None and e.time_text == text("reading_time_unknown")
                assert e.status_text == text("status_missing")
            else:
                assert e.minutes == max(1, round(words / 230))


# --- quiz ---------------------------------------------------------------------------------
def test_quiz_answers_reveal_cited_passages_and_differ_by_seed(bot, verifier: Verifier):
    one, two = make_quiz(bot, 1), make_quiz(bot, 2)
    assert [i.prompt for i in one.items] != [i.prompt for i in two.items]
    assert [i.prompt for i in make_quiz(bot, 1).items] == [i.prompt for i in one.items]
    for quiz in (one, two):
        assert len(quiz.items) == 6 and {i.kind for i in quiz.items} == {"cluster", "figure"}
        cited = {c.n: c for c in quiz.citations}
        for item in quiz.items:
            assert item.answer in item.choices and len(set(item.choices)) == len(item.choices)
            for line in item.evidence:
                assert cited[line.n].quote == line.text
                verifier.check(line.text, line.url, line.source_id)
            if item.kind == "figure":
                masked = item.prompt.split("“", 1)[1].rsplit("”", 1)[0]
                assert masked.replace(text("quiz_gap"), item.answer) == item.evidence[0].text
            else:
                assert item.evidence[0].text.endswith(item.answer)


# --- where do I stand ---------------------------------------------------------------------
def test_stance_gives_closest_and_furthest_cited(bot, verifier: Verifier):
    views = {
        "c": "Frontier models should be open source; openness beats secrecy.",
        "d": "One central lab with very high security standards.",
    }
    stance = where_do_i_stand(bot, views)
    assert [q.question.id for q in stance.questions] == ["c", "d"]
    cited = {c.n for c in stance.citations}
    for qs in stance.questions:
        assert len(qs.closest) == 2 and 1 <= len(qs.furthest) <= 2
        for m in qs.closest + qs.furthest:
            assert m.line.n in cited
            verifier.check(m.line.text, m.line.url, m.line.source_id)
    same = compare_views(bot, views, views)
    assert all(c.similarity > 0.99 for c in same.changes)
    moved = compare_views(bot, views, {**views, "c": "Tiered access, because of misuse risks."})
    by_id = {c.question.id: c for c in moved.changes}
    assert by_id["c"].similarity < 0.9 and by_id["d"].similarity > 0.99


# --- the command, the tab, the templates --------------------------------------------------
def test_cli_brief_writes_each_format(built_settings, tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import _register, app
    from bot.settings import get_settings

    monkeypatch.setenv("DEBATEBOT_DATA_DIR", str(built_settings.data_dir))
    get_settings.cache_clear()
    _register()
    runner = CliRunner()
    for fmt in ("md", "html", "pdf"):
        out = tmp_path / f"b.{fmt}"
        args = ["brief", "--format", fmt, "-o", str(out), "--csv", str(tmp_path / "c.csv")]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 10_000
    assert (tmp_path / "c.csv").read_text(encoding="utf-8").startswith("source_id,")
    assert runner.invoke(app, ["brief", "--format", "pdf"]).exit_code != 0


def test_prepare_tab_builds_and_its_events_answer(bot):
    import gradio as gr

    from bot.ui import prepare

    ctx = SimpleNamespace(settings=bot.settings, bot=bot, demo=None)
    with gr.Blocks() as demo:
        ctx.demo = demo
        prepare.build_tab(ctx)
    shown = prepare._briefing(ctx)
    assert shown[0].startswith("# ") and len(shown) == 9
    seed, quiz, *_ = prepare._new_quiz(ctx, seed=7)
    assert seed == 7 and len(quiz.items) == prepare.QUIZ_SIZE
    reveals = prepare._reveal(quiz, quiz.items[0].answer)
    assert reveals[0].startswith(f"**{text('quiz_correct')}**") and "[1]" in reveals[0]
    page, kept = prepare._stance(ctx, "Open source everything", "", "", "", "")
    assert kept == {"a": "Open source everything"} and "[1]" in page
    assert prepare._compare(ctx, {}, "x", "", "", "", "") == text("stance_no_before")


def test_brief_templates_load():
    names = [n for n in all_templates() if n.startswith("brief/")]
    assert len(names) >= 6
    for name in names:
        template(name)
