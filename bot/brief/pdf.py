"""The pack's HTML body laid out with ReportLab platypus, so the PDF says what the HTML says.

Only the HTML that Python-Markdown makes from pack.md.j2 has to be understood: headings,
paragraphs, lists, block quotes, tables, images (data URIs) and inline links and emphasis.
DejaVu Sans (shipped with matplotlib) is embedded so every character of the quotes prints.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
_INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "code": "font"}


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont("DejaVu", str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Oblique", str(fonts / "DejaVuSans-Oblique.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-BoldOblique", str(fonts / "DejaVuSans-BoldOblique.ttf")))
    pdfmetrics.registerFontFamily(
        "DejaVu",
        normal="DejaVu",
        bold="DejaVu-Bold",
        italic="DejaVu-Oblique",
        boldItalic="DejaVu-BoldOblique",
    )
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", base["BodyText"], fontName="DejaVu", fontSize=9.5, leading=13)
    return {
        "h1": ParagraphStyle("h1", base["Heading1"], fontName="DejaVu-Bold", fontSize=17),
        "h2": ParagraphStyle("h2", base["Heading2"], fontName="DejaVu-Bold", fontSize=13.5),
        "h3": ParagraphStyle("h3", base["Heading3"], fontName="DejaVu-Bold", fontSize=10.5),
        "p": body,
        "li": ParagraphStyle("li", body, leftIndent=12, bulletIndent=2, spaceAfter=2),
        "blockquote": ParagraphStyle("bq", body, leftIndent=14, textColor=colors.HexColor("#333")),
        "cell": ParagraphStyle("cell", body, fontSize=6.6, leading=8.2),
    }


class _Walker(HTMLParser):
    """Collects flowables from the pack's HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Flowable] = []
        self.buf: list[str] = []
        self.block: str | None = None
        self.lists: list[list[int | None]] = []  # per open list: [counter or None]
        self.anchor: str | None = None
        self.quote = 0
        self.table: list[list[str]] | None = None
        self.header_rows = 0

    # --- blocks ----------------------------------------------------------------------
    def _flush(self) -> None:
        markup = "".join(self.buf).strip()
        self.buf = []
        if self.anchor:
            markup = f'<a name="{self.anchor}"/>' + markup
            self.anchor = None
        if self.table is not None and self.block in ("td", "th"):
            self.table[-1].append(markup)
            return
        if not markup or self.block is None:
            return
        style = _styles()["blockquote" if self.quote else self.block]
        bullet = None
        if self.block == "li" and self.lists:
            counter = self.lists[-1]
            if counter[0] is None:
                bullet = "•"
            else:
                counter[0] += 1
                bullet = f"{counter[0]}."
        self.out.append(Paragraph(markup, style, bulletText=bullet))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h1", "h2", "h3", "p", "li", "td", "th"):
            if tag == "p" and self.block in ("li", "td", "th"):
                return
            self._flush()
            self.block = tag
            self.anchor = a.get("id")
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([None if tag == "ul" else 0])
        elif tag == "blockquote":
            self._flush()
            self.quote += 1
        elif tag == "table":
            self._flush()
            self.table, self.header_rows = [], 0
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag == "th":
            pass
        elif tag == "img":
            self._flush()
            self._image(a.get("src") or "")
        elif tag == "a":
            href = a.get("href") or ""
            if a.get("id"):  # a numbered source: the target of the text's [n] links
                self.buf.append(f'<a name="{escape(a["id"] or "")}"/>')
            self.buf.append(f'<a href="{escape(href)}" color="#1a4fa0">')
        elif tag == "br":
            self.buf.append("<br/>")
        elif tag in _INLINE:
            self.buf.append("<font face='Courier'>" if tag == "code" else f"<{_INLINE[tag]}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "p", "li", "td", "th"):
            if tag == "p" and self.block in ("li", "td", "th"):
                return
            if tag == "th" and self.table is not None:
                self.header_rows = len(self.table)
            self._flush()
            self.block = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "table" and self.table is not None:
            self._table(self.table, self.header_rows)
            self.table = None
        elif tag == "a":
            self.buf.append("</a>")
        elif tag in _INLINE:
            self.buf.append("</font>" if tag == "code" else f"</{_INLINE[tag]}>")

    def handle_data(self, data: str) -> None:
        if self.block is None and not data.strip():
            return
        if self.block is None:
            self.block = "p"
        self.buf.append(escape(data, quote=False))

    # --- images and tables -----------------------------------------------------------
    def _image(self, src: str) -> None:
        if not src.startswith("data:image/png;base64,"):
            return  # the pack embeds its pictures; anything else is not fetched
        data = base64.b64decode(src.split(",", 1)[1])
        w, h = ImageReader(io.BytesIO(data)).getSize()
        scale = WIDTH / w
        self.out += [Image(io.BytesIO(data), width=WIDTH, height=h * scale), Spacer(1, 6)]

    def _table(self, rows: list[list[str]], header_rows: int) -> None:
        rows = [r for r in rows if r]
        if not rows:
            return
        ncols = max(len(r) for r in rows)
        rows = [r + [""] * (ncols - len(r)) for r in rows]
        # Columns share the width by how much they hold, within bounds, so no column starves.
        weight = [
            min(max(sum(len(r[i]) for r in rows) / len(rows), 18.0), 90.0) ** 0.6
            for i in range(ncols)
        ]
        widths = [WIDTH * w / sum(weight) for w in weight]
        style = _styles()["cell"]
        cells = [[Paragraph(c, style) for c in r] for r in rows]
        table = LongTable(cells, colWidths=widths, repeatRows=header_rows)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#f0f0f0"))
                    if header_rows
                    else ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.out += [table, Spacer(1, 6)]


def html_to_pdf(body: str, title: str) -> bytes:
    """A4 PDF of the pack's HTML body."""
    walker = _Walker()
    walker.feed(body)
    walker.close()
    walker._flush()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
    )
    doc.build(walker.out)
    return buf.getvalue()
