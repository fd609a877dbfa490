"""Time, injectable: the bot asks a clock, so tests and the demo can move through days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("the fake clock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment
