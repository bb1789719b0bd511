"""The agenda state machine: clock, moves, and state that survives a restart (real SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.debate.agenda import Agenda, clock_text
from bot.pack import load_debate
from bot.settings import Settings


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_before_the_start_the_clock_stands_still(settings: Settings, clock: FakeClock):
    agenda = Agenda(settings, clock=clock)
    clock.tick(300)
    status = agenda.status()
    assert status.position == 0 and not status.started
    assert status.item.id == "opening" and status.next_item.id == "q-a"
    assert status.elapsed_s == 0 and status.remaining_s == 8 * 60
    assert status.event_remaining_s == load_debate(settings).total_minutes * 60


def test_elapsed_remaining_and_next(settings: Settings, clock: FakeClock):
    agenda = Agenda(settings, clock=clock)
    agenda.start()
    clock.tick(90)
    status = agenda.status()
    assert status.elapsed_s == 90 and status.remaining_s == 8 * 60 - 90
    assert status.event_elapsed_s == 90
    status = agenda.advance()
    assert status.item.id == "q-a" and status.current_question == "a"
    assert status.elapsed_s == 0 and status.remaining_s == 12 * 60
    clock.tick(13 * 60)
    status = agenda.status()
    assert status.remaining_s == -60, "over time shows as negative"
    assert clock_text(status.remaining_s) == "-1:00"
    assert agenda.advance().covered_questions == ["a"]


def test_back_and_goto(settings: Settings, clock: FakeClock):
    agenda = Agenda(settings, clock=clock)
    agenda.advance()
    agenda.advance()
    assert agenda.status().item.id == "q-b"
    clock.tick(30)
    status = agenda.back()
    assert status.item.id == "q-a" and status.elapsed_s == 0
    assert agenda.goto("audience").item.kind == "audience_qa"
    with pytest.raises(KeyError):
        agenda.goto("nope")
    assert agenda.back().position == 5
    assert agenda.reset().position == 0 and not agenda.status().started


def test_past_the_last_item_the_debate_is_over(settings: Settings, clock: FakeClock):
    agenda = Agenda(settings, clock=clock)
    for _ in range(len(agenda.items) + 2):
        status = agenda.advance()
    assert status.finished and status.item is None and status.next_item is None
    assert status.remaining_s == 0 and status.event_remaining_s == 0
    assert len(status.covered_questions) == 5
    assert agenda.back().item.id == "closing"


def test_state_survives_a_restart(settings: Settings, clock: FakeClock):
    first = Agenda(settings, clock=clock)
    first.start()
    first.advance()
    clock.tick(200)
    first.db.close()  # the process is gone; only the file is left
    clock.tick(100)
    again = Agenda(settings, clock=clock).status()
    assert again.item.id == "q-a" and again.started
    assert again.elapsed_s == 300, "the item's clock kept running across the restart"
    history = Agenda(settings, clock=clock).history()
    assert [h["item_id"] for h in history] == ["opening", "q-a"]
    assert history[0]["ended"] is not None and history[1]["ended"] is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (59.9, "0:59"),
        (60, "1:00"),
        (12 * 60, "12:00"),
        (-30, "-0:30"),
        (3725, "62:05"),
    ],
)
def test_clock_text(seconds: float, text: str):
    assert clock_text(seconds) == text
