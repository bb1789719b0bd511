"""The briefing pack, read back as an attendee gets it: every citation checked against the sources.

The Markdown, HTML and PDF packs are parsed, not inspected through the objects that made them:
each [n] must lead to a numbered link in the list of sources that opens the sentence it
follows (quoted whole, or a verbatim piece of it in the comparison table); every sentence is
quoted in full once at most; no source sentence may appear without its marker; what is left
when the quotes are taken out must be the templates' own wording and the debate pack's data;
and the whole reads in about twenty minutes (2,500-3,500 words in every format).
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

import numpy as np
import pytest

from bot.brief.argument import choose
from bot.brief.base import text
from bot.brief.compare import COLUMNS, ELLIPSIS, KEYWORDS, best_match, fragment
from bot.brief.figures import figures
from bot.brief.pack import Brief, build_brief
from bot.brief.pictures import date_span, split_by_date, timeline_png
from bot.brief.quiz import make_quiz
from bot.brief.render import render_html, render_markdown, render_pdf, visible_words, words
from bot.brief.stance import compare_views, where_do_i_stand
from bot.ingest.loaders import load_document
from bot.ingest.snapshots import snapshot_status
from bot.models import Chunk, Quote
from bot.pack import load_debate
from bot.prompts import PROMPTS_DIR, all_templates, template
from bot.registry import Kind

MARKER = re.compile(r"\[(\d{1,3})\]")
MD_UNESCAPE = re.compile(r"\\([\\`*_\[\]|#<>])")
SOURCE_LINE = re.compile(r"^- \*\*(.*?)\*\*: (.*)\.$", re.MULTILINE)
SOURCE_LINK = re.compile(r"\[\[(\d+)\]\]\((\S+?)\)")
QUOTED = re.compile(r"“((?:[^“”]|“[^“”]*”)*)”$")  # the quote a marker follows (may nest “…”)
MIN_WORDS, MAX_WORDS = 2500, 3500


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


@pytest.fixture(scope="module")
def pdf(brief: Brief, artifacts: Path) -> Path:
    path = artifacts / "briefing.pdf"
    path.write_bytes(render_pdf(brief))
    return path


class Verifier:
    """Checks a quote against the snapshot text and the sentence its link opens."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.by_title = {s.title: s for s in bot.registry}
        self._texts: dict[str, str] = {}
        self.by_link = {
            url: Quote(c, i)
            for c in bot.corpus.chunks.values()
            for i, url in enumerate(c.sentence_urls)
        }

    def snapshot_text(self, source_id: str) -> str:
        if source_id not in self._texts:
            src = self.bot.sources[source_id]
            state, meta = snapshot_status(self.bot.settings.snapshots_dir, src)
            assert state == "present", f"{source_id} is cited but has no snapshot"
            path = self.bot.settings.snapshots_dir / meta.file
            self._texts[source_id] = norm(load_document(src, path, 40).text)
        return self._texts[source_id]

    def sentence(self, link: str) -> Quote:
        assert link in self.by_link, f"{link} is the deep link of no indexed sentence"
        return self.by_link[link]

    def check(self, quote: str, link: str, source_id: str | None = None) -> bool:
        """The quote is the sentence behind the link, or a verbatim piece of it; True if whole."""
        sentence = self.sentence(link)
        if source_id is not None:
            assert sentence.chunk.source_id == source_id
        assert norm(sentence.text) in self.snapshot_text(sentence.chunk.source_id)
        if norm(quote) == norm(sentence.text):
            return True
        pieces = [p for p in quote.split(ELLIPSIS) if p.strip()]
        assert pieces and all(norm(p) in norm(sentence.text) for p in pieces), (
            f"{quote!r} is not in {sentence.text!r}"
        )
        return False


@pytest.fixture(scope="module")
def verifier(bot) -> Verifier:
    return Verifier(bot)


def md_sources(md: str) -> tuple[str, dict[int, tuple[str, str]], str]:
    """The body, the numbered links n -> (source title, link), and the closing line."""
    body, _, tail = md.partition("\n## Sources\n")
    assert tail, "the pack does not end with its sources"
    entries = {}
    for m in SOURCE_LINE.finditer(tail):
        for n, link in SOURCE_LINK.findall(m.group(2)):
            entries[int(n)] = (unescape_md(m.group(1)), link)
    closing = tail.strip().splitlines()[-1]
    return body, entries, closing


def check_markers(body: str, entries: dict[int, tuple[str, str]], verifier: Verifier) -> None:
    """Each [n] follows the quote its link opens, whole or a piece; a bare [n] refers to a
    sentence quoted whole earlier. No sentence is quoted whole twice."""
    whole: set[int] = set()
    for m in MARKER.finditer(body):
        n = int(m.group(1))
        assert n in entries, f"[{n}] resolves to no source entry"
        title, link = entries[n]
        before = body[: m.start()].rstrip()
        quoted = QUOTED.search(before)
        if quoted is None or not before.endswith("”"):
            assert n in whole, f"[{n}] refers to a sentence not quoted before it"
            continue
        source_id = verifier.by_title[title].id
        if verifier.check(quoted.group(1), link, source_id):
            assert n not in whole, f"[{n}] is quoted whole twice"
            whole.add(n)


# --- the Markdown pack --------------------------------------------------------------------
def test_markdown_citations_resolve_verbatim_once_each(md: str, verifier: Verifier):
    body, entries, _ = md_sources(md)
    assert sorted(entries) == list(range(1, len(entries) + 1))
    assert len(entries) > 40
    cited = [int(n) for n in MARKER.findall(unescape_md(body))]
    first = list(dict.fromkeys(cited))
    assert first == sorted(first), "numbers do not run in reading order"
    assert set(cited) == set(entries), "a source listed but never cited in the text"
    check_markers(unescape_md(body), entries, verifier)


def test_no_sentence_is_quoted_twice(md: str, bot):
    body = norm(unescape_md(md_sources(md)[0]))
    for chunk in bot.corpus.chunks.values():
        for i in range(len(chunk.sentences)):
            sentence = norm(Quote(chunk, i).text)
            if len(sentence.split()) >= 4:
                assert body.count(f"“{sentence}”") <= 1, f"quoted twice: {sentence!r}"


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


def test_every_fact_sentence_carries_a_marker(md: str, bot):
    body, _, _ = md_sources(md)
    rest = re.sub(r"“(?:[^“”]|“[^“”]*”)*” \[\d+\]", " ", unescape_md(body))
    rest = re.sub(r"\]\([^)]*\)", "]", rest)  # link targets
    for chunk in bot.corpus.chunks.values():
        for i in range(len(chunk.sentences)):
            sentence = norm(Quote(chunk, i).text)
            if len(sentence.split()) >= 5:
                assert sentence not in norm(rest), f"uncited source sentence: {sentence!r}"
    allowed = _vocabulary(bot)
    stray = {w for w in re.findall(r"[A-Za-z][A-Za-z’'-]*", rest) if w.lower() not in allowed}
    assert not stray, f"words from neither a template nor the pack's data: {sorted(stray)}"


def test_what_is_missing_is_named_once_at_the_end(md: str, brief: Brief):
    _, _, closing = md_sources(md)
    missing = [r for r in brief.reading_list if r.state == "missing"]
    assert missing, "with only the post indexed, most of the reading list is missing"
    assert text("status_missing") not in md
    prefix = text("missing_line", count=len(missing))
    assert closing.startswith(unescape_md(prefix)) or unescape_md(closing).startswith(prefix)
    for r in missing:
        assert r.name in unescape_md(closing)


# --- how long it reads --------------------------------------------------------------------
class _Visible(HTMLParser):
    """The text a browser shows (no style, no title)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self._skip += tag in ("style", "title", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "title", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.mark.parametrize(
    "words_of",
    [
        lambda md, html, pdf: visible_words(md),
        lambda md, html, pdf: words(" ".join(_page_text(html))),
        lambda md, html, pdf: words(_pdf_text(pdf)),
    ],
    ids=["md", "html", "pdf"],
)
def test_the_pack_reads_in_twenty_minutes(md: str, html: str, pdf: Path, words_of):
    count = words_of(md, html, pdf)
    assert MIN_WORDS <= count <= MAX_WORDS, count


def _page_text(html: str) -> list[str]:
    page = _Visible()
    page.feed(html)
    return page.parts


def test_the_argument_follows_every_section_of_the_post(brief: Brief, bot):
    post = load_debate(bot.settings).event.post_source
    headings = {h.text for h in bot.corpus.headings(post)}
    shown = {s.heading.text for s in brief.sections if s.heading}
    assert shown <= headings and len(shown) >= len(headings) - 1  # a section of mere links goes
    assert 0 < brief.quoted_sentences < brief.post_sentences
    for s in brief.sections:
        lines = [ln for p in s.paras for ln in p.lines]
        starts = [bot.corpus.chunks[c.chunk_id].start for c in brief.citations
                  if c.n in {ln.n for ln in lines}]  # fmt: skip
        assert starts == sorted(starts), "chosen sentences keep the post's order"


@pytest.mark.parametrize(
    ("vectors", "budget", "expected"),
    [
        # Three alike and one apart: the middle one of the three first (the most central),
        # then the one apart, which covers what the first leaves out.
        ([[1, 0, 0], [0.99, 0.14, 0], [0.98, 0.2, 0], [0, 0, 1]], 2, [1, 3]),
        # The first pick is the most central sentence, whatever the budget.
        ([[1, 0], [0.8, 0.6], [0.6, 0.8]], 1, [1]),
        ([], 5, []),
    ],
)
def test_sentences_are_chosen_for_coverage(vectors, budget, expected):
    vecs = np.array(vectors or np.zeros((0, 3)), dtype=np.float32)
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True) if len(vectors) else vecs
    assert choose(["one"] * len(vectors), vecs, budget) == expected


# --- the HTML pack ------------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self.scripts = 0
        self.cites: list[int] = []
        self.targets: dict[int, str] = {}  # n -> the passage it opens
        self.images: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.images.append(a.get("alt"))
        for key in ("src", "data", "poster", "srcset"):
            if a.get(key) and not a[key].startswith("data:"):
                self.remote.append(f"{tag} {key}={a[key]}")
        if tag == "link" and a.get("href"):
            self.remote.append(f"link href={a['href']}")
        if tag == "a" and a.get("class") == "cite":
            self.cites.append(int(a["href"].removeprefix("#src-")))
        elif tag == "a" and (a.get("id") or "").startswith("src-"):
            self.targets[int(a["id"][4:])] = a.get("href") or ""


def test_html_is_offline_and_every_citation_resolves(html: str, md: str, verifier: Verifier):
    page = _Page()
    page.feed(html)
    assert page.scripts == 0
    assert not page.remote, f"remote resources: {page.remote}"
    assert not re.search(r"url\(\s*['\"]?https?:|@import", html), "remote CSS"
    assert html.count('src="data:image/png;base64,') == 2, "both pictures inline"
    assert set(page.cites) == set(page.targets), "a marker without target or an unused target"
    _, entries, _ = md_sources(md)
    assert {n: link for n, (_, link) in entries.items()} == page.targets
    for link in page.targets.values():
        verifier.sentence(link)


def test_every_picture_has_alt_text(md: str, html: str, pdf: Path):
    alts = re.findall(r"!\[([^\]]*)\]\(data:image", md) or [
        text("picture_timeline_alt"),
        text("picture_clusters_alt"),
    ]
    page = _Page()
    page.feed(html)
    assert len(page.images) == 2 and all(a and a.strip() for a in page.images)
    # The PDF cannot carry alt text, so each picture has it as a caption under it.
    pdf_text = norm(_pdf_text(pdf))
    for alt in page.images:
        assert norm(alt) in pdf_text or norm(alt)[:60] in pdf_text.replace("- ", "")
    assert all(a.strip() for a in alts)


def test_the_post_s_picture_is_said_to_be_missing(bot, md: str):
    post = bot.sources[load_debate(bot.settings).event.post_source]
    pictures = figures(bot, post)
    assert pictures, "the post shows its table of proposals as a picture"
    assert md.count(text("picture_not_in_snapshot")) == len({f.heading for f in pictures})


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


def test_pdf_is_made_and_its_first_page_renders(pdf: Path, artifacts: Path):
    assert pdf.read_bytes().startswith(b"%PDF") and b"ReportLab" in pdf.read_bytes()[:2000]
    png = artifacts / "briefing-page1.png"
    png.unlink(missing_ok=True)
    _first_page_png(pdf, png)
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
    line = next(ln for ln in md.splitlines() if ln.startswith(text("timeline_undated")))
    for src in undated:
        assert src.linked_as[0].strip("“”") in line or src.title in line


def test_timeline_title_is_whole(bot, artifacts: Path):
    """The title sits inside the picture: its top rows and right edge are background, and
    the title's ink is there at the top left."""
    from PIL import Image

    png = timeline_png(bot.registry, load_debate(bot.settings))
    (artifacts / "timeline.png").write_bytes(png)
    with Image.open(io.BytesIO(png)) as img:
        gray = np.array(img.convert("L"))
    assert gray[:2].min() > 200 and gray[:, -2:].min() > 200, "something runs off the edge"
    top = gray[: gray.shape[0] // 8, : gray.shape[1] // 2]
    assert (top < 128).sum() > 200, "no title at the top left"


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


@pytest.mark.parametrize(
    ("sentence", "dimension", "expected"),
    [
        ("A lab with shared compute.", "compute", "A lab with shared compute"),
        ("First, second, third, fourth, fifth: all run on public compute infrastructure, "
         "says the plan.", "compute", "…all run on public compute infrastructure…"),
        ("Nothing to see.", "compute", ""),
    ],
)  # fmt: skip
def test_a_cell_quotes_the_words_that_speak_to_it(sentence, dimension, expected):
    assert fragment(sentence, dimension) == expected


def test_comparison_cells_come_from_the_text_or_stay_blank(brief: Brief, verifier, bot):
    from bot.brief.compare import to_csv

    rows = list(csv.DictReader(io.StringIO(to_csv(brief.comparison))))
    expected = {s.id for s in bot.registry if s.kind in (Kind.proposal, Kind.existing_project)}
    assert {r["source_id"] for r in rows} == expected
    debate = load_debate(bot.settings)
    visions = set()
    for cl in debate.clusters:  # each cluster's own "Vision:" sentence
        head = bot.corpus.heading(debate.event.post_source, cl.heading)
        visions |= {q.text for c in bot.corpus.section(head) for q in bot.corpus.quotes(c)
                    if q.text.startswith("Vision")}  # fmt: skip
    filled = {c: 0 for c in COLUMNS}
    for row in rows:
        assert row["vision_sentence"] not in visions, "a vision cell repeats its cluster's"
        assert row["vision_link"], f"the post links to {row['source_id']}, so it says something"
        source = verifier.sentence(row["vision_link"])
        assert row["source_id"] in bot.corpus.links_in(source)
        for col in COLUMNS:
            if not row[f"{col}_link"]:
                assert row[col] == "" and row[f"{col}_sentence"] == ""
                continue
            filled[col] += 1
            verifier.check(row[col], row[f"{col}_link"])
            assert row[f"{col}_sentence"] == verifier.sentence(row[f"{col}_link"]).text
            if col != "vision":
                assert KEYWORDS[col].search(row[col]), f"{row[col]!r} says nothing on {col}"
    assert all(filled[c] for c in COLUMNS[1:]), filled
    assert "—" not in "".join(r[c] for r in rows for c in COLUMNS if not r[f"{c}_link"])


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
