"""What a ticket's promises make due at a given moment, as a pure function of the stored ticket.

Nothing is scheduled per ticket: a sweep asks ``due(ticket, store, now)`` for every open ticket
and carries out what it returns, in time order, after marking each item done in the database. So
everything pending is re-derived from the database at start-up, and whatever fell due while the
bot was down runs at once (APScheduler's misfire grace drops one-job-per-item schedules when
the event loop stalls; a sweep cannot miss).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from desk.calendar import closing_on, is_open_on, local_day, opening_on
from desk.config import StoreConfig
from desk.models import State, Ticket

UNCONTACTED = (State.NEW, State.OFFERED, State.CLAIMED)
UNCLAIMED = (State.NEW, State.OFFERED)
SURVEY_REMINDER_AFTER = timedelta(hours=24)
SURVEY_GIVE_UP_AFTER = timedelta(hours=24 + 48)


class Step(StrEnum):
    CONTACT_REMINDER = "contact_reminder"  # to the assignee, or the group while unclaimed
    NUDGE = "nudge"  # nobody has claimed it yet
    BREACH = "breach"  # the contact deadline passed: managers alerted, 遗漏 recorded
    LONG_WAIT = "long_wait"  # the deadline lies past more than one closed day: managers told
    RETRY = "retry"  # "called, no answer": call again
    REPLY_REMINDER = "reply_reminder"  # an escalation's latest reply time is near
    REPLY_BREACH = "reply_breach"
    CALLBACK = "callback"  # the satisfaction callback
    CALLBACK_REMINDER = "callback_reminder"
    CALLBACK_UNANSWERED = "callback_unanswered"


CALLBACK_STEPS = (Step.CALLBACK, Step.CALLBACK_REMINDER, Step.CALLBACK_UNANSWERED)


@dataclass(frozen=True, order=True)
class Due:
    at: datetime
    number: int
    step: Step


def _time(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def is_open_at(store: StoreConfig, moment: datetime) -> bool:
    day = moment.astimezone(store.timezone).date()
    opening, closing = opening_on(store, day), closing_on(store, day)
    return opening is not None and closing is not None and opening <= moment < closing


def closed_days_waited(store: StoreConfig, received: datetime, deadline: datetime) -> int:
    """How many whole days the store is closed between the day a complaint came in and the
    day of its contact deadline."""
    first, last = local_day(store, received), local_day(store, deadline)
    return sum(1 for offset in range(1, (last - first).days)
               if not is_open_on(store, first + timedelta(days=offset)))


def due(ticket: Ticket, store: StoreConfig, now: datetime) -> list[Due]:
    """Every step of this ticket that is due at ``now`` and not done yet, oldest first."""
    items: list[Due] = []
    number = ticket.number or 0
    promises = store.promises
    contact_by = _time(ticket.contact_by)
    if ticket.state in UNCONTACTED and contact_by is not None:
        remind_at = contact_by - promises.reminder_before
        # A reminder whose deadline has already passed would only confuse; the breach says it.
        if not ticket.contact_reminded and remind_at <= now < contact_by:
            items.append(Due(remind_at, number, Step.CONTACT_REMINDER))
        # A promise renewed after a miss is a deadline of its own: breached when it passes.
        if contact_by <= now and ticket.missed_deadline() != contact_by:
            items.append(Due(contact_by, number, Step.BREACH))
        received = _time(ticket.confirmed_at)
        # Holidays the store is configured closed on shift the deadline: over more than one
        # closed day the managers hear of it once (cheap test first: this runs every sweep).
        if (not ticket.long_wait_alerted and received is not None
                and (contact_by - received).days >= 2
                and closed_days_waited(store, received, contact_by) > 1):
            items.append(Due(received, number, Step.LONG_WAIT))
    if ticket.state in UNCLAIMED:
        last = _time(ticket.nudged_at or ticket.confirmed_at)
        # Nudges only while the store is open: nobody should be paged at 3 a.m.
        if last is not None and last + promises.nudge_every <= now and is_open_at(store, now):
            items.append(Due(last + promises.nudge_every, number, Step.NUDGE))
    retry_at = _time(ticket.retry_at)
    if ticket.state is State.CLAIMED and retry_at is not None and retry_at <= now:
        items.append(Due(retry_at, number, Step.RETRY))
    reply_by = _time(ticket.reply_by)
    if ticket.state is State.ESCALATED and reply_by is not None:
        remind_at = reply_by - promises.reply_reminder_before
        if not ticket.reply_reminded and remind_at <= now < reply_by:
            items.append(Due(remind_at, number, Step.REPLY_REMINDER))
        if not ticket.reply_missed and reply_by <= now:
            items.append(Due(reply_by, number, Step.REPLY_BREACH))
    items.extend(_callback_due(ticket, now))
    return sorted(items)


def _callback_due(ticket: Ticket, now: datetime) -> list[Due]:
    number = ticket.number or 0
    callback_at = _time(ticket.callback_at)
    if callback_at is None:
        return []
    if not ticket.callback_sent:
        return [Due(callback_at, number, Step.CALLBACK)] if callback_at <= now else []
    survey = ticket.survey or {}
    asked = _time(survey.get("asked_at"))
    # Only the mandatory questions (overall score, solved?) are chased; the rest is optional.
    if asked is None or survey.get("stage") not in ("overall", "solved"):
        return []
    if not ticket.callback_reminded and asked + SURVEY_REMINDER_AFTER <= now:
        return [Due(asked + SURVEY_REMINDER_AFTER, number, Step.CALLBACK_REMINDER)]
    if ticket.callback_reminded and asked + SURVEY_GIVE_UP_AFTER <= now:
        return [Due(asked + SURVEY_GIVE_UP_AFTER, number, Step.CALLBACK_UNANSWERED)]
    return []


def mark(ticket: Ticket, item: Due, now: datetime) -> None:
    """Record that ``item`` is done, before anything is sent: a restart never repeats it."""
    if item.step is Step.CONTACT_REMINDER:
        ticket.contact_reminded = True
    elif item.step is Step.NUDGE:
        ticket.nudged_at = now.isoformat()
    elif item.step is Step.LONG_WAIT:
        ticket.long_wait_alerted = True
        ticket.record(now, 0, "long_wait", deadline=ticket.contact_by)
    elif item.step is Step.BREACH:
        ticket.missed = True
        ticket.record(item.at, 0, "missed", deadline=ticket.contact_by)
    elif item.step is Step.RETRY:
        ticket.retry_at = None
    elif item.step is Step.REPLY_REMINDER:
        ticket.reply_reminded = True
    elif item.step is Step.REPLY_BREACH:
        ticket.reply_missed = True
        ticket.record(item.at, 0, "reply_missed", reply_by=ticket.reply_by)
    elif item.step is Step.CALLBACK:
        ticket.callback_sent = True
        ticket.survey = {"stage": "overall", "asked_at": now.isoformat(), "drivers": {}}
        ticket.record(now, 0, "callback_sent")
    elif item.step is Step.CALLBACK_REMINDER:
        ticket.callback_reminded = True
        ticket.record(now, 0, "callback_reminded")
    elif item.step is Step.CALLBACK_UNANSWERED:
        ticket.survey = {**(ticket.survey or {}), "stage": "unanswered"}
        ticket.record(now, 0, "callback_unanswered")
