"""The store's policy, each rule once, asked by every path that needs it.

- Who may handle a ticket: own it, be offered it, be handed it, decide on it, be alerted about
  it (claim and accept, the offer at confirmation and on a pass, a manager's hand-over from the
  chat or the desk, the hand-over keyboard, managers' alerts):

      a service complaint is never handled by the person it names, technician or manager.

- The contact deadline (:func:`contact_deadline`): the sunset rule over the store's calendar
  (opening days, holidays), shortened for a VIP and for an urgent ticket; the same function
  gives the first promise, the one after a reopen and the renewed one after a miss.
- The latest reply times a manager may promise (:func:`reply_options`): computed here only,
  each with a key the button and the desk carry (never an index into a list computed twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk import calendar, promises
from desk.config import StoreConfig
from desk.models import Ticket


def barred(ticket: Ticket) -> frozenset[int]:
    """The people who must not handle ``ticket``: whoever the complaint is about."""
    return frozenset({ticket.complained_about}) if ticket.complained_about else frozenset()


def may_handle(ticket: Ticket, user_id: int) -> bool:
    """Whether ``user_id`` may own, be offered, be handed, decide on or be alerted about it."""
    return user_id not in barred(ticket)


def contact_deadline(store: StoreConfig, ticket: Ticket, now: datetime) -> datetime:
    """When a technician must have contacted the customer of ``ticket``, promised at ``now``
    (当天技术人员必须与客户取得联系): at confirmation, on a reopen, and renewed after a miss.

    The day's deadline (closing or sunset, skipping closed days and holidays); a VIP's within
    the store's ``vip_contact_within`` when set; an urgent ticket's (safety, a threat) within
    ``urgent_contact_within`` of ``now``. The earliest of those that apply, always a quarter
    hour rounded down (16:52 -> 16:45): what the customer is told is what is stored.
    """
    return calendar.ticket_contact_deadline(store, now, vip=ticket.vip,
                                            urgent=bool(ticket.urgency))


@dataclass(frozen=True)
class ReplyOption:
    """A latest reply time a manager may promise, and the key a button or the desk sends."""

    key: str
    at: datetime


def reply_options(store: StoreConfig, since: datetime) -> list[ReplyOption]:
    """The latest reply times the policy allows from ``since`` (seed 003: never typed freely)."""
    return [ReplyOption(key, at) for key, at in promises.reply_options(store, since)]


def reply_choices(store: StoreConfig, ticket: Ticket) -> list[ReplyOption]:
    """The reply times a manager may promise on the escalated ``ticket``: from its escalation."""
    return reply_options(store, promises.escalated_at(ticket))


def reply_option(store: StoreConfig, ticket: Ticket, key: str) -> ReplyOption | None:
    """The option ``key`` as it stands for ``ticket`` now, or None (stale or never offered)."""
    return next((o for o in reply_choices(store, ticket) if o.key == key), None)
