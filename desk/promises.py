"""The latest reply times a manager may promise on an escalated ticket.

Seed 003 forbids promising what cannot be done (忌做出一些不可能实现的承诺), so the choices are
computed from the store's opening hours, never typed freely: close of business today (when at
least an hour is left), on the next opening day, or on the third opening day; each a quarter
hour, as every promised time is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from desk.calendar import closing_on, opening_days_from, quarter_before
from desk.config import StoreConfig
from desk.models import Ticket

MIN_TIME_LEFT_TODAY = timedelta(hours=1)


def reply_options(store: StoreConfig, since: datetime) -> list[datetime]:
    local = since.astimezone(store.timezone)
    options: list[datetime] = []
    today_close = closing_on(store, local.date())
    if today_close is not None and today_close - local >= MIN_TIME_LEFT_TODAY:
        options.append(quarter_before(today_close))
    later = [d for d in opening_days_from(store, local.date()) if d > local.date()]
    for index in (0, 2):
        if index < len(later):
            closing = closing_on(store, later[index])
            if closing is not None:
                options.append(quarter_before(closing))
    return options


TODAY_CLOSE, NEXT_DAY, THIRD_DAY = "today", "next_day", "third_day"


def option_kind(store: StoreConfig, since: datetime, option: datetime) -> str:
    """What a reply option is, for its label: today's closing, the next or the third opening
    day (``since`` is the moment the options were computed from)."""
    if option.astimezone(store.timezone).date() == since.astimezone(store.timezone).date():
        return TODAY_CLOSE
    later = [d for d in opening_days_from(store, since.astimezone(store.timezone).date())
             if d > since.astimezone(store.timezone).date()]
    first = later[0] if later else None
    return NEXT_DAY if option.astimezone(store.timezone).date() == first else THIRD_DAY


def escalated_at(ticket: Ticket) -> datetime:
    """When the ticket was last escalated: the reply options are computed from then."""
    moment = next((e.at for e in reversed(ticket.events) if e.action == "escalated"), None)
    return datetime.fromisoformat(moment or ticket.created_at)
