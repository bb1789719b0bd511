"""Commands on the reading list: `sources`, `fetch`, `ingest`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bot import pack
from bot.cli import app, fail, settings
from bot.ingest.snapshots import snapshot_status
from bot.registry import RegistryError

console = Console()


def _sources_or_exit():
    try:
        return pack.sources(settings())
    except RegistryError as exc:
        raise fail(str(exc)) from exc


@app.command("sources")
def sources_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the reading list and which sources have a local snapshot."""
    cfg = settings()
    rows = []
    for s in _sources_or_exit():
        status, meta = snapshot_status(cfg.snapshots_dir, s)
        rows.append(
            {
                **s.model_dump(mode="json"),
                "snapshot": status,
                "fetched_at": meta.fetched_at if meta else None,
                "sha256": meta.sha256 if meta else None,
            }
        )
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=f"Reading list ({len(rows)} sources)")
    for col in ("id", "kind", "cluster", "date", "snapshot", "url"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = "" if r["snapshot"] == "present" else "yellow"
        table.add_row(
            r["id"], r["kind"], r["cluster"] or "", r["date"], r["snapshot"], r["url"], style=style
        )
    console.print(table)
    missing = sum(1 for r in rows if r["snapshot"] == "missing")
    if missing:
        console.print(f"{missing} missing: run `debatebot fetch` on a machine that is online.")


@app.command("fetch")
def fetch_cmd(
    all_sources: Annotated[
        bool, typer.Option("--all", help="Re-download sources that have a snapshot too.")
    ] = False,
) -> None:
    """Download the sources that have no snapshot yet (needs a network)."""
    from bot.ingest.fetch import fetch_sources

    cfg = settings()
    srcs = _sources_or_exit()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("fetching", total=len(srcs))
        results = fetch_sources(
            srcs,
            cfg.snapshots_dir,
            cfg.fetch,
            only_missing=not all_sources,
            progress=lambda r: bar.advance(task),
        )
    table = Table(title="Fetch")
    for col in ("id", "status", "detail"):
        table.add_column(col, overflow="fold")
    colours = {"fetched": "green", "unchanged": "", "failed": "red", "skipped": "dim"}
    for r in results:
        detail = r.reason or (f"{r.bytes} bytes" if r.bytes else "")
        table.add_row(r.source_id, r.status, detail, style=colours.get(r.status, ""))
    console.print(table)
    counts = {s: sum(1 for r in results if r.status == s) for s in colours}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()))


@app.command("ingest")
def ingest_cmd(
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Build a new index beside the live one and swap when it is complete "
            "(moves a damaged store aside first).",
        ),
    ] = False,
) -> None:
    """Build or update the index from the snapshots (unchanged sources are skipped)."""
    from bot.index.build import ingest
    from bot.index.lock import IngestBusyError
    from bot.index.namespace import PackIdError
    from bot.index.store import IndexMismatchError, StoreUnavailableError
    from bot.retrieve.tables import prepare_tables

    cfg = settings()
    srcs = _sources_or_exit()
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("indexing", total=len(srcs))
            report = ingest(
                cfg,
                srcs,
                rebuild=rebuild,
                progress=lambda r: bar.advance(task),
                prepare=prepare_tables,
            )
    except (IndexMismatchError, StoreUnavailableError, IngestBusyError, PackIdError) as exc:
        raise fail(str(exc)) from exc
    for note in report.notices:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    for r in report.sources:
        if r.status == "failed":
            console.print(f"[red]failed[/red] {r.source_id}: {r.reason}", highlight=False)
        elif r.status == "missing" and r.chunks:
            console.print(f"[yellow]missing[/yellow] {r.source_id}: {r.reason}", highlight=False)
        elif r.status == "indexed":
            console.print(f"[green]indexed[/green] {r.source_id}: {r.chunks} chunks")
        elif r.status == "removed":
            console.print(f"removed {r.source_id}")
    console.print(
        f"{report.count('indexed')} indexed, {report.count('unchanged')} unchanged, "
        f"{report.count('missing')} missing, {report.count('failed')} failed, "
        f"{report.count('removed')} removed in {report.seconds:.1f}s"
    )
    if report.count("failed"):
        raise typer.Exit(2)
