"""Moved to `bot.pack` (the pack's data is read below the answer layer); kept while work in
flight still imports it from here."""

from bot.pack import (  # noqa: F401
    AgendaItem,
    ClusterInfo,
    DebatePack,
    DebatePackError,
    Event,
    OpenQuestion,
    load_debate,
)
