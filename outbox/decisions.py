"""A manager's decisions on a ticket, the same from the chat's buttons and from the desk (the
Mini App): promise the customer a reply time, hand the ticket to a technician.

Each changes the ticket through desk.lifecycle (which refuses a stale decision) and queues who
must be told in the same transaction; the caller saves the ticket and redraws its card.
"""

from __future__ import annotations

from datetime import datetime

from desk import lifecycle
from desk.config import StoreConfig, Technician
from desk.lifecycle import Reason, Refused
from desk.models import Ticket
from desk.promises import escalated_at, reply_options
from desk.storage import Transaction
from outbox.notices import tell_assigned, tell_technician
from outbox.post import Outbox


def reply_choices(store: StoreConfig, ticket: Ticket) -> list[datetime]:
    """The latest reply times the policy lets a manager promise on an escalated ticket."""
    return reply_options(store, escalated_at(ticket))


def promise_reply(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
                  manager_id: int, choice: int, now: datetime) -> datetime:
    """Promise the customer an answer by the ``choice``-th allowed time; returns the time."""
    options = reply_choices(store, ticket)
    if not 0 <= choice < len(options):
        raise Refused(Reason.STALE)
    when = options[choice]
    lifecycle.promise_reply(ticket, manager_id, when, now)
    outbox.to_customer(tx, ticket, lambda tc: tc.gettext(
        "Your ticket #{number} needs the support of the store's manager, and we contacted them "
        "at once. You will get an answer by {time} at the latest.").format(
            number=ticket.number, time=tc.when(when, store.timezone, now)), kind="reply_promised")
    return when


def hand_to(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
            manager_id: int, technician_id: int, now: datetime) -> Technician:
    """Hand the ticket to a technician of the store's roster, who owns it at once."""
    tech = store.technician(technician_id)
    if tech is None:
        raise Refused(Reason.NOT_ON_ROSTER)
    lifecycle.reassign(ticket, manager_id, tech, now)
    tell_assigned(outbox, tx, ticket)
    tell_technician(outbox, tx, ticket, store)
    return tech
