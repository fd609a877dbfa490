"""The latest reply times a manager may promise on an escalated ticket.

Seed 003 forbids promising what cannot be done (忌做出一些不可能实现的承诺), so the choices are
computed from the store's opening hours, never typed freely: close of business today (when at
least an hour is left), on the next opening day, or on the third opening day; each a quarter
hour, as every promised time is. Each has a key (``today``, ``next``, ``third``) that buttons
and the desk carry, and that says what the option is in its label. desk.policy.reply_options is
the one entry point.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from desk.calendar import closing_on, opening_days_from, quarter_before
from desk.config import StoreConfig
from desk.models import Ticket

MIN_TIME_LEFT_TODAY = timedelta(hours=1)


REPLY_KEYS = ("today", "next", "third")


def reply_options(store: StoreConfig, since: datetime) -> list[tuple[str, datetime]]:
    """The keyed reply times from ``since``, earliest first."""
    local = since.astimezone(store.timezone)
    options: list[tuple[str, datetime]] = []
    today_close = closing_on(store, local.date())
    if today_close is not None and today_close - local >= MIN_TIME_LEFT_TODAY:
        options.append(("today", quarter_before(today_close)))
    later = [d for d in opening_days_from(store, local.date()) if d > local.date()]
    for key, index in (("next", 0), ("third", 2)):
        if index < len(later):
            closing = closing_on(store, later[index])
            if closing is not None:
                options.append((key, quarter_before(closing)))
    return options


def escalated_at(ticket: Ticket) -> datetime:
    """When the ticket was last escalated: the reply options are computed from then."""
    moment = next((e.at for e in reversed(ticket.events) if e.action == "escalated"), None)
    return datetime.fromisoformat(moment or ticket.created_at)
