"""Who gets a new ticket: the on-duty technician with the fewest open tickets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from desk.config import StoreConfig, Technician


def on_duty(store: StoreConfig, now: datetime) -> list[Technician]:
    weekday = now.astimezone(store.timezone).weekday()
    return [t for t in store.technicians if t.on_duty_on(weekday)]


def pick_technician(
    store: StoreConfig,
    load: Mapping[int, int],
    now: datetime,
    exclude: Iterable[int] = (),
) -> Technician | None:
    """The least-loaded technician on duty today; ties go to the roster's order.

    ``load`` counts each technician's open tickets (``Store.open_load``).
    """
    excluded = set(exclude)
    candidates = [t for t in on_duty(store, now) if t.user_id not in excluded]
    if not candidates:
        return None
    return min(candidates, key=lambda t: load.get(t.user_id, 0))
