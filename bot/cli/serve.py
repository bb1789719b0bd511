"""`serve`: start the Gradio app."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import app, settings


@app.command("serve")
def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Interface (default: setting app.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: setting app.port).")] = None,
) -> None:
    """Start the app (bound to 127.0.0.1 unless told otherwise)."""
    from bot.ui.launch import launch

    cfg = settings()
    update = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    if update:
        cfg = cfg.model_copy(update={"app": cfg.app.model_copy(update=update)})
    launch(cfg)
