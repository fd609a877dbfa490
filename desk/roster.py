"""Who gets a new ticket: the on-duty technician with the fewest open tickets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from desk.config import StoreConfig, Technician
from desk.models import Ticket


def on_duty(store: StoreConfig, now: datetime) -> list[Technician]:
    weekday = now.astimezone(store.timezone).weekday()
    return [t for t in store.technicians if t.on_duty_on(weekday)]


def pick_technician(
    store: StoreConfig,
    open_tickets: Iterable[Ticket],
    now: datetime,
    exclude: Iterable[int] = (),
) -> Technician | None:
    """The least-loaded technician on duty today; ties go to the roster's order."""
    excluded = set(exclude)
    candidates = [t for t in on_duty(store, now) if t.user_id not in excluded]
    if not candidates:
        return None
    load = {t.user_id: 0 for t in candidates}
    for ticket in open_tickets:
        if ticket.store_id == store.id and ticket.assignee_id in load and ticket.is_active:
            load[ticket.assignee_id] += 1
    return min(candidates, key=lambda t: load[t.user_id])
