"""`debatebot`: the command line. Each sub-module registers the commands of one concern."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.settings import Settings, get_settings

app = typer.Typer(
    help="debatebot: a debate facilitation chatbot that answers from its reading list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class State:
    """Options that apply to every command."""

    pack: Path | None = None


@app.callback()
def _root(
    pack: Annotated[
        Path | None,
        typer.Option("--pack", help="Debate pack folder (default: the setting `pack`)."),
    ] = None,
) -> None:
    State.pack = pack


def settings() -> Settings:
    """The settings, with --pack applied."""
    base = get_settings()
    if State.pack is not None:
        return base.model_copy(update={"pack": State.pack.resolve()})
    return base


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error for the user and return the exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _register() -> None:
    from bot.cli import brief, corpus, export, organise, query, serve  # noqa: F401  (they register)


def main() -> None:
    _register()
    app()
