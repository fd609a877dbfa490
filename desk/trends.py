"""Trends for the manager's desk: the three controls and first-contact times over the last 7,
30 or 90 days, for a store and for each of its technicians, with the products that keep
coming back ("who is behind this week?", "which kettles keep coming back?").

The figures are the daily digest's (desk.digest.figures) over a longer period, so the desk and
the digest never disagree. A technician's figures are those of the tickets they own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from desk.config import StoreConfig
from desk.digest import Figures, Recurring, day_bounds, figures, recurring
from desk.models import Ticket
from desk.storage import load_tickets, months_between

PERIODS = (7, 30, 90)


@dataclass
class Controls:
    """One period's three controls and first-contact times, for a store or a technician."""

    complaints: int
    complaint_rate: float | None  # None without served counts for every day of the period
    deadlines_due: int
    missed: int
    miss_rate: float | None
    answered: int
    low: int
    dissatisfaction_rate: float | None
    contact_median: float | None  # minutes from confirmation to first contact
    contact_p90: float | None

    @classmethod
    def of(cls, f: Figures) -> Controls:
        return cls(complaints=f.complaints, complaint_rate=f.complaint_rate,
                   deadlines_due=f.deadlines_due, missed=f.missed, miss_rate=f.miss_rate,
                   answered=f.answered, low=f.low, dissatisfaction_rate=f.dissatisfaction_rate,
                   contact_median=f.contact_median, contact_p90=f.contact_p90)


@dataclass
class Trends:
    store_id: str
    days: int
    first: date
    last: date
    store: Controls
    technicians: dict[int, Controls]
    daily: list[tuple[date, int, int]] = field(default_factory=list)  # day, new, missed
    recurring: list[Recurring] = field(default_factory=list)  # fed back or not
    fed_back: set[str] = field(default_factory=set)  # keys of those marked as fed back


def period(store: StoreConfig, today: date, days: int) -> tuple[datetime, datetime]:
    """The ``days`` days ending with ``today``, in the store's time zone."""
    start, _ = day_bounds(store, today - timedelta(days=days - 1))
    _, end = day_bounds(store, today)
    return start, end


def compute(store: StoreConfig, tickets: list[Ticket], today: date, days: int,
            served: dict[date, int], fed_back: set[str], now: datetime | None = None) -> Trends:
    """The trends of the ``days`` days ending ``today``, as of ``now``: a deadline still ahead
    counts in no miss rate."""
    tickets = [t for t in tickets if t.store_id == store.id and t.number is not None]
    start, end = period(store, today, days)
    technicians = {
        tech.user_id: Controls.of(figures(store, [t for t in tickets
                                                  if t.assignee_id == tech.user_id],
                                          start, end, {}, now))
        for tech in store.technicians}
    first = today - timedelta(days=days - 1)
    new = {first + timedelta(days=i): 0 for i in range(days)}
    missed = dict.fromkeys(new, 0)
    for ticket in tickets:
        if ticket.confirmed_at:  # always, for a numbered ticket
            confirmed = datetime.fromisoformat(ticket.confirmed_at).astimezone(store.timezone)
            if confirmed.date() in new:
                new[confirmed.date()] += 1
        for event in ticket.events:
            if event.action == "missed" and event.detail.get("deadline"):
                day = datetime.fromisoformat(event.detail["deadline"]).astimezone(
                    store.timezone).date()
                if day in missed:
                    missed[day] += 1
    return Trends(store_id=store.id, days=days, first=first, last=today,
                  store=Controls.of(figures(store, tickets, start, end, served, now)),
                  technicians=technicians,
                  daily=[(d, new[d], missed[d]) for d in new],
                  recurring=recurring(tickets, start, end, set()), fed_back=fed_back)


def trends_job(data_dir: Path, hot_snapshot: str, store: StoreConfig, today: date, days: int,
               served: dict[date, int], fed_back: set[str],
               now: datetime | None = None) -> Trends:
    """The whole computation, for a worker thread: reads the files itself."""
    first = today - timedelta(days=days - 1)
    tickets = load_tickets(data_dir, hot_snapshot, months_between(first, today))
    return compute(store, tickets, today, days, served, fed_back, now)
