"""The agenda as a small state machine: which item is on, since when, and what comes next.

The state lives in SQLite (not in memory) so that restarting the app mid-debate puts the
moderator back on the same item with the same clock. The clock is injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.debate.db import Database, console_path
from bot.pack import AgendaItem, DebatePack, load_debate
from bot.settings import Settings

Clock = Callable[[], float]

SCHEMA = """
CREATE TABLE IF NOT EXISTS agenda_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL,
    item_id TEXT,
    item_started REAL,
    event_started REAL
);
CREATE TABLE IF NOT EXISTS agenda_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL
);
"""


@dataclass(frozen=True)
class AgendaStatus:
    """What the console shows about the agenda at one moment."""

    position: int  # index into the agenda; == len(items) once the debate has ended
    items: list[AgendaItem]
    started: bool
    elapsed_s: float  # on the current item
    event_elapsed_s: float
    covered_questions: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.items)

    @property
    def item(self) -> AgendaItem | None:
        return None if self.finished else self.items[self.position]

    @property
    def next_item(self) -> AgendaItem | None:
        nxt = self.position + 1
        return self.items[nxt] if nxt < len(self.items) else None

    @property
    def remaining_s(self) -> float:
        """Time left on the current item; negative when it runs over."""
        return 0.0 if self.item is None else self.item.minutes * 60 - self.elapsed_s

    @property
    def event_remaining_s(self) -> float:
        """Planned time left in the whole debate: this item's remainder plus the items after."""
        later = sum(i.minutes for i in self.items[self.position + 1 :]) * 60
        return max(self.remaining_s, 0.0) + later

    @property
    def current_question(self) -> str | None:
        item = self.item
        return item.question if item and item.kind == "open_question" else None


class Agenda:
    """Moves through debate.yaml's agenda; every move is committed before it returns."""

    def __init__(
        self, settings: Settings, pack: DebatePack | None = None, clock: Clock = time.time
    ) -> None:
        self.pack = pack or load_debate(settings)
        self.items = list(self.pack.agenda)
        self.clock = clock
        self.db = Database(console_path(settings), SCHEMA)
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO agenda_state (id, position, item_id) VALUES (1, 0, ?)",
                (self.items[0].id,),
            )

    # --- reading ------------------------------------------------------------------------
    def _position(self, row: dict) -> int:
        """The stored item, found by id first so an edited debate.yaml keeps its place."""
        ids = [i.id for i in self.items]
        if row["item_id"] in ids:
            return ids.index(row["item_id"])
        return min(int(row["position"]), len(self.items))

    def status(self) -> AgendaStatus:
        row = dict(self.db.one("SELECT * FROM agenda_state WHERE id = 1"))
        now = self.clock()
        position = self._position(row)
        started = row["event_started"] is not None
        elapsed = now - row["item_started"] if started and row["item_started"] else 0.0
        covered = [
            i.question
            for i in self.items[: min(position, len(self.items))]
            if i.kind == "open_question" and i.question
        ]
        return AgendaStatus(
            position=position,
            items=self.items,
            started=started,
            elapsed_s=max(elapsed, 0.0) if position < len(self.items) else 0.0,
            event_elapsed_s=now - row["event_started"] if started else 0.0,
            covered_questions=covered,
        )

    def history(self) -> list[dict]:
        """Each time an item was on: item id, start, end (None while it runs)."""
        return [dict(r) for r in self.db.rows("SELECT * FROM agenda_log ORDER BY seq")]

    # --- moving -------------------------------------------------------------------------
    def start(self) -> AgendaStatus:
        """Start the clock on the current item (no-op once started)."""
        if not self.status().started:
            self._go(self.status().position)
        return self.status()

    def advance(self) -> AgendaStatus:
        """Move to the next item (past the last one the debate is over)."""
        return self._go(min(self.status().position + 1, len(self.items)))

    def back(self) -> AgendaStatus:
        """Return to the previous item; its clock starts again."""
        return self._go(max(self.status().position - 1, 0))

    def goto(self, item_id: str) -> AgendaStatus:
        ids = [i.id for i in self.items]
        if item_id not in ids:
            raise KeyError(f"no agenda item '{item_id}'")
        return self._go(ids.index(item_id))

    def reset(self) -> AgendaStatus:
        """Back to the first item, clock stopped (before the debate starts)."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE agenda_state SET position = 0, item_id = ?, item_started = NULL, "
                "event_started = NULL WHERE id = 1",
                (self.items[0].id,),
            )
            conn.execute("DELETE FROM agenda_log")
        return self.status()

    def _go(self, position: int) -> AgendaStatus:
        now = self.clock()
        item_id = self.items[position].id if position < len(self.items) else None
        with self.db.write() as conn:
            conn.execute("UPDATE agenda_log SET ended = ? WHERE ended IS NULL", (now,))
            conn.execute(
                "UPDATE agenda_state SET position = ?, item_id = ?, item_started = ?, "
                "event_started = COALESCE(event_started, ?) WHERE id = 1",
                (position, item_id, now, now),
            )
            if item_id is not None:
                conn.execute(
                    "INSERT INTO agenda_log (item_id, started) VALUES (?, ?)", (item_id, now)
                )
        return self.status()


def clock_text(seconds: float) -> str:
    """'12:05', or '-0:30' when over time."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    return f"{sign}{s // 60}:{s % 60:02d}"
