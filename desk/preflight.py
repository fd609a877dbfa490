"""What ``sundown check`` judges without Telegram: each store's calendar and sunset resolve."""

from __future__ import annotations

from datetime import datetime

from desk.calendar import contact_deadline, is_holiday, sunset_on
from desk.config import StoreConfig


def calendar_problem(store: StoreConfig, now: datetime) -> str | None:
    """None when the store's holidays and contact deadline can be computed, else why not."""
    import holidays

    try:
        holidays.country_holidays(store.holidays_country, subdiv=store.holidays_subdivision)
    except (NotImplementedError, KeyError) as exc:
        return f"holidays for {store.holidays_country}/{store.holidays_subdivision}: {exc}"
    try:
        contact_deadline(store, now)
    except Exception as exc:  # astral: no sunset at this latitude today, or bad hours
        return f"contact deadline (sunset, opening hours): {exc}"
    return None


def store_today(store: StoreConfig, now: datetime) -> str:
    """The store's clock and day as the bot sees them, for the operator to compare with the
    wall clock: a valid but wrong time zone (Etc/GMT+8, or New York with Shanghai's
    coordinates) shows at once."""
    local = now.astimezone(store.timezone)
    offset = local.strftime("%z")
    parts = [f"now {local:%a %Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"]
    today = local.date()
    hours = store.hours[today.weekday()]
    if hours is None:
        parts.append("closed today (weekday)")
    elif today in store.closed_dates:
        parts.append("closed today (closed_dates)")
    elif store.closed_on_holidays and is_holiday(store, today):
        parts.append("closed today (public holiday)")
    else:
        parts.append(f"open today {hours[0]:%H:%M}-{hours[1]:%H:%M}")
    sun_down = sunset_on(store, today)
    parts.append(f"sunset {sun_down:%H:%M}" if sun_down else "no sunset today")
    return ", ".join(parts)
