"""The offline engine on the development set: a regression below the floors fails the build."""

from __future__ import annotations

import pytest

from bot.evaluate import DEFAULT_SET, FLOORS, evaluate


@pytest.mark.timeout(900)
def test_offline_engine_meets_its_floors(bot) -> None:
    report = evaluate(bot, DEFAULT_SET)
    assert report.n >= 60
    assert report.metrics["citation_validity"] == 1.0, report.failures
    assert not report.below_floors(), (report.below_floors(), report.failures)
    assert set(FLOORS) <= set(report.metrics)
