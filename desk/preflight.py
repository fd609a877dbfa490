"""What ``sundown check`` judges without Telegram: each store's calendar and sunset resolve."""

from __future__ import annotations

from datetime import datetime

import holidays

from desk.calendar import contact_deadline
from desk.config import StoreConfig


def calendar_problem(store: StoreConfig, now: datetime) -> str | None:
    """None when the store's holidays and contact deadline can be computed, else why not."""
    try:
        holidays.country_holidays(store.holidays_country, subdiv=store.holidays_subdivision)
    except (NotImplementedError, KeyError) as exc:
        return f"holidays for {store.holidays_country}/{store.holidays_subdivision}: {exc}"
    try:
        contact_deadline(store, now)
    except Exception as exc:  # astral: no sunset at this latitude today, or bad hours
        return f"contact deadline (sunset, opening hours): {exc}"
    return None
