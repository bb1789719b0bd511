"""`export`: after the event, the audience queue, answers, prompts used and feedback as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import app, settings


@app.command("export")
def export_cmd(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write (default: <data_dir>/export)."),
    ] = None,
) -> None:
    """Write the queue, the suggested answers and the feedback as CSV and Markdown."""
    from bot.debate.export import export_all

    cfg = settings()
    folder = (out or cfg.data_dir / "export").resolve()
    for path in export_all(cfg, folder):
        typer.echo(str(path))
