"""A store's calendar: opening days and hours, public holidays, sunset, and the promised times.

The contact deadline is Walmart's sunset rule (seed 001, 日落原则) as the SOP states it: the
earlier of the store's closing time and local sunset on the day the complaint arrives; one that
arrives after that rolls to the next opening day, skipping closed weekdays, the store's extra
closed dates and, only where the store is configured closed on them (``closed_on_holidays``),
public holidays (``holidays``, per store country): retail is open on holidays by default.

Every time promised to a person is a quarter hour, rounded down ("16:45 前", never "16:52 前"):
what the customer is told is what is stored and watched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from desk.config import StoreConfig

if TYPE_CHECKING:
    import holidays

# holidays and astral are imported where they are used: `import bot` (--help, status, the
# health check) need neither.

# How far ahead to look for an opening day; a store closed for longer than this is misconfigured.
SEARCH_DAYS = 60


@cache
def public_holidays(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision, years=year)


def is_holiday(store: StoreConfig, day: date) -> bool:
    return day in public_holidays(store.holidays_country, store.holidays_subdivision, day.year)


def is_open_on(store: StoreConfig, day: date) -> bool:
    if store.hours[day.weekday()] is None or day in store.closed_dates:
        return False
    return not (store.closed_on_holidays and is_holiday(store, day))


def _hours_on(store: StoreConfig, day: date) -> tuple[datetime, datetime] | None:
    """Opening and closing time on ``day``; None when the store is closed that day."""
    hours = store.hours[day.weekday()]
    if hours is None or not is_open_on(store, day):
        return None
    return (datetime.combine(day, hours[0], tzinfo=store.timezone),
            datetime.combine(day, hours[1], tzinfo=store.timezone))


def opening_on(store: StoreConfig, day: date) -> datetime | None:
    hours = _hours_on(store, day)
    return None if hours is None else hours[0]


def closing_on(store: StoreConfig, day: date) -> datetime | None:
    hours = _hours_on(store, day)
    return None if hours is None else hours[1]


def opening_days_from(store: StoreConfig, day: date) -> list[date]:
    """Opening days from ``day`` on (``day`` included when open), in order."""
    return [
        d for d in (day + timedelta(days=i) for i in range(SEARCH_DAYS)) if is_open_on(store, d)
    ]


# Dates a manager may ask about: anything else is a typo (and 0001-01-01 overflows).
EARLIEST_DAY = date(2000, 1, 1)


def parse_day(value: str, latest: date) -> date | None:
    """A date a manager typed, from 2000 up to ``latest``; None for anything else."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= latest else None


def local_day(store: StoreConfig, moment: datetime) -> date:
    return moment.astimezone(store.timezone).date()


def sunset_on(store: StoreConfig, day: date) -> datetime | None:
    """Local sunset at the store; None where the sun does not set (or rise) that day."""
    from astral import Observer
    from astral.sun import sunset

    try:
        return sunset(Observer(store.latitude, store.longitude), date=day,
                      tzinfo=store.timezone)
    except ValueError:
        return None


PROMISE_STEP_MINUTES = 15


def quarter_before(moment: datetime) -> datetime:
    """The quarter hour at or before ``moment``: a promise as people write it (16:52 → 16:45)."""
    return moment.replace(minute=moment.minute - moment.minute % PROMISE_STEP_MINUTES,
                          second=0, microsecond=0)


def day_deadline(store: StoreConfig, day: date) -> datetime | None:
    """The latest contact time on an opening day: closing time, or sunset if earlier."""
    hours = _hours_on(store, day)
    if hours is None:
        return None
    opening, closing = hours
    if store.promises.use_sunset:
        sun_down = sunset_on(store, day)
        # A sunset before opening (far north in winter) would leave no time at all.
        if sun_down is not None and opening < sun_down < closing:
            return max(quarter_before(sun_down), opening)
    return quarter_before(closing)


def contact_deadline(store: StoreConfig, received: datetime) -> datetime:
    """When a technician must have contacted the customer (当天技术人员必须与客户取得联系)."""
    local = received.astimezone(store.timezone)
    for day in opening_days_from(store, local.date()):
        deadline = day_deadline(store, day)
        if deadline is not None and deadline > local:
            return deadline
    raise ValueError(f"store {store.id} has no opening day in the next {SEARCH_DAYS} days")


def urgent_contact_deadline(store: StoreConfig, received: datetime) -> datetime:
    """The contact deadline of an urgent ticket (safety or a threat): within the store's
    ``urgent_contact_minutes`` of receipt, counted from opening when it comes in while the store
    is closed, and never later than the day's own deadline."""
    deadline = contact_deadline(store, received)
    opening = opening_on(store, deadline.astimezone(store.timezone).date())
    start = max(received.astimezone(store.timezone), opening or deadline)
    within = start + store.promises.urgent_contact_within
    rounded = quarter_before(within)
    # A window shorter than a quarter hour is kept to the minute rather than made to vanish.
    return min(deadline, rounded if rounded > start else within.replace(second=0, microsecond=0))


def ticket_contact_deadline(store: StoreConfig, received: datetime, *, vip: bool = False,
                            urgent: bool = False) -> datetime:
    """The contact deadline a new ticket is promised: the sunset rule, shortened for a VIP
    (``vip_contact_within_minutes``) and for an urgent ticket; always a quarter hour."""
    deadline = contact_deadline(store, received)
    if vip and store.promises.vip_contact_within is not None:
        vip_by = received + store.promises.vip_contact_within
        rounded = quarter_before(vip_by.astimezone(store.timezone))
        deadline = min(deadline, rounded if rounded > received else vip_by)
    if urgent:
        deadline = min(deadline, urgent_contact_deadline(store, received))
    return deadline


def callback_time(store: StoreConfig, done_at: datetime) -> datetime:
    """When to call back after a service: the n-th opening day after it, at the set time,
    always inside opening hours."""
    local = done_at.astimezone(store.timezone)
    after = store.promises.callback_after_days
    days = opening_days_from(store, local.date() + timedelta(days=1 if after else 0))
    for day in days[max(after - 1, 0):]:
        hours = _hours_on(store, day)
        if hours is None:  # not an opening day: opening_days_from gives none
            continue
        opening, closing = hours
        moment = datetime.combine(day, store.promises.callback_time, tzinfo=store.timezone)
        # Half an hour before closing at the latest, but never before opening: hours shorter
        # than that half hour get their call at opening.
        latest = max(opening, closing - timedelta(minutes=30))
        moment = min(max(moment, opening), latest)
        if moment > local:
            return moment
    raise ValueError(f"store {store.id} has no opening day in the next {SEARCH_DAYS} days")
