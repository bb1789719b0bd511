"""`brief`: the briefing pack for attendees, as Markdown, self-contained HTML or PDF."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import app, fail, settings


class BriefFormat(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


@app.command("brief")
def brief_cmd(
    fmt: Annotated[
        BriefFormat, typer.Option("--format", "-f", help="md, html (works offline) or pdf.")
    ] = BriefFormat.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (md/html: default stdout).")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write the comparison table as CSV here.")
    ] = None,
) -> None:
    """A briefing from the reading list, every sentence of a source quoted and cited."""
    from bot.brief.compare import to_csv
    from bot.brief.pack import build_brief
    from bot.brief.render import FORMATS
    from bot.index.store import IndexMismatchError, StoreUnavailableError
    from bot.pack import DebatePackError
    from bot.registry import RegistryError
    from bot.service import IndexNotReadyError, get_bot

    if fmt is BriefFormat.pdf and output is None:
        raise fail("a PDF needs a file: add -o FILE")
    try:
        bot = get_bot(settings())
        bot.ready()
        brief = build_brief(bot)
    except (
        IndexNotReadyError,
        IndexMismatchError,
        StoreUnavailableError,
        RegistryError,
        DebatePackError,
    ) as exc:
        raise fail(str(exc)) from exc
    body = FORMATS[fmt.value](brief)
    if output is None:
        sys.stdout.write(body if isinstance(body, str) else body.decode("utf-8"))
    elif isinstance(body, bytes):
        output.write_bytes(body)
    else:
        output.write_text(body, encoding="utf-8")
    if csv is not None:
        csv.write_text(to_csv(brief.comparison), encoding="utf-8")
    if output is not None:
        typer.echo(f"wrote {output} ({len(brief.citations)} citations)", err=True)
