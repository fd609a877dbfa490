"""A store's opening days and hours, in its own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from desk.config import StoreConfig

# How far ahead to look for an opening day; a store closed for longer than this is misconfigured.
SEARCH_DAYS = 60


def is_open_on(store: StoreConfig, day: date) -> bool:
    return store.hours[day.weekday()] is not None


def closing_on(store: StoreConfig, day: date) -> datetime | None:
    hours = store.hours[day.weekday()]
    if hours is None:
        return None
    return datetime.combine(day, hours[1], tzinfo=store.timezone)


def opening_days_from(store: StoreConfig, day: date) -> list[date]:
    """Opening days from ``day`` on (``day`` included when open), in order."""
    return [
        d for d in (day + timedelta(days=i) for i in range(SEARCH_DAYS)) if is_open_on(store, d)
    ]


def local_day(store: StoreConfig, moment: datetime) -> date:
    return moment.astimezone(store.timezone).date()
