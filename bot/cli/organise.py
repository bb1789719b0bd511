"""Commands for organisers building a pack: `add` (a source from a file or URL) and `init`
(a new pack from a WordPress post)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import app, fail, settings
from bot.registry import Kind


@app.command("add")
def add_cmd(
    target: Annotated[str, typer.Argument(help="A local PDF, HTML or text file, or a URL.")],
    source_id: Annotated[
        str | None, typer.Option("--id", help="Registry id (default: from the name).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the document's own).")] = None,
    kind: Annotated[Kind, typer.Option(help="What the source is to the debate.")] = Kind.background,
    author: Annotated[str, typer.Option(help="Author or institution.")] = "",
    date: Annotated[
        str, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD; leave out if unknown.")
    ] = "",
    cluster: Annotated[
        str | None, typer.Option(help="A cluster id of the pack's debate.yaml.")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="For a local file: where readers can open it.")
    ] = None,
    attach: Annotated[
        bool,
        typer.Option("--attach", help="Make the file the snapshot of the existing entry --id."),
    ] = False,
) -> None:
    """Add a source to the reading list with its snapshot, then say how to index it."""
    from bot.ingest.add import AddError, add_source

    cfg = settings()
    try:
        added = add_source(
            cfg,
            target,
            source_id=source_id,
            title=title,
            kind=kind,
            author=author,
            date=date,
            cluster=cluster,
            url=url,
            attach=attach,
        )
    except AddError as exc:
        raise fail(str(exc)) from exc
    what = "stored a snapshot for" if added.attached else "added"
    typer.echo(
        f"{what} '{added.source.id}' ({added.source.title}): {added.snapshot} "
        f"sha256 {added.sha256[:12]}"
    )
    typer.echo(f"next: debatebot --pack {cfg.pack} ingest  (indexes it; the rest is skipped)")


@app.command("init")
def init_cmd(
    folder: Annotated[Path, typer.Argument(help="The new pack's folder (must not hold a pack).")],
    from_post: Annotated[
        str,
        typer.Option(
            "--from-post", help="WordPress post JSON: a file or its /wp-json/wp/v2/posts/ID URL."
        ),
    ],
) -> None:
    """Make a new debate pack from a WordPress post: reading list, snapshot, debate.yaml."""
    from bot.ingest.add import AddError
    from bot.ingest.newpack import init_pack

    try:
        made = init_pack(settings(), folder, from_post)
    except AddError as exc:
        raise fail(str(exc)) from exc
    typer.echo(
        f"made the pack {made.folder}: the post '{made.post.id}' and "
        f"{len(made.links)} linked sources ({len(made.headings)} headings listed as "
        "candidates in debate.yaml)"
    )
    typer.echo(
        f"next: fill what is marked TO FILL in {made.folder / 'debate.yaml'} and "
        f"{made.folder / 'sources.yaml'}; then debatebot --pack {made.folder} fetch "
        f"(online) and debatebot --pack {made.folder} ingest"
    )
