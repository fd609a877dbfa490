"""The open tickets a manager looks at: which promise each one waits on, which are overdue,
and the filters of the desk's list (store, state, kind, technician, overdue only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from desk.calendar import contact_deadline
from desk.config import StoreConfig
from desk.models import State, Ticket
from desk.promises import escalated_at

UNASSIGNED = 0  # the technician filter's value for "nobody has it yet"
# Where each state's next promise lives: the same-day contact, or the manager's reply time.
CONTACT_STATES = frozenset({State.NEW, State.OFFERED, State.CLAIMED})


def needs_manager(ticket: Ticket) -> bool:
    """Escalated and waiting for a manager's own decision (a reply time, or a hand-over)."""
    return ticket.state is State.ESCALATED and not ticket.reply_by


def decide_by(ticket: Ticket, store: StoreConfig) -> datetime:
    """When the manager must have decided on an escalation: the same-day rule from the moment
    it was escalated (the customer hears the same day that a manager has it, with a time)."""
    return contact_deadline(store, escalated_at(ticket))


def deadline(ticket: Ticket, store: StoreConfig | None = None) -> datetime | None:
    """The time the ticket's next promise falls due, if it waits on one; for an escalation
    waiting on the manager (given the store), the time by which the manager must decide."""
    if ticket.state in CONTACT_STATES and ticket.contact_by:
        return datetime.fromisoformat(ticket.contact_by)
    if ticket.state is State.ESCALATED and ticket.reply_by:
        return datetime.fromisoformat(ticket.reply_by)
    if needs_manager(ticket) and store is not None:
        return decide_by(ticket, store)
    return None


def overdue(ticket: Ticket, now: datetime, store: StoreConfig | None = None) -> bool:
    """A promise was broken and is still not kept."""
    if ticket.state in CONTACT_STATES and ticket.missed:
        return True
    if ticket.state is State.ESCALATED and ticket.reply_missed:
        return True
    due = deadline(ticket, store)
    return due is not None and due <= now


def taken_by(ticket: Ticket) -> int | None:
    """Who has the ticket: a technician it is only offered to has not taken it yet."""
    return None if ticket.state is State.OFFERED else ticket.assignee_id


@dataclass(frozen=True)
class Filters:
    store_ids: frozenset[str]
    state: State | None = None
    kind: str | None = None
    technician: int | None = None  # a user id, or UNASSIGNED
    overdue_only: bool = False

    def keep(self, ticket: Ticket, now: datetime, store: StoreConfig | None = None) -> bool:
        if ticket.store_id not in self.store_ids or not ticket.is_active:
            return False
        if self.state is not None and ticket.state is not self.state:
            return False
        if self.kind is not None and ticket.kind.value != self.kind:
            return False
        if self.technician is not None and (taken_by(ticket) or UNASSIGNED) != self.technician:
            return False
        return not self.overdue_only or overdue(ticket, now, store)


def open_tickets(tickets: list[Ticket], filters: Filters, now: datetime,
                 stores: Mapping[str, StoreConfig] | None = None) -> list[Ticket]:
    """The tickets the filters keep, the most pressing first: urgent (safety or a threat), then
    what waits on the manager's own decision, then overdue, then by deadline; those waiting on
    no deadline last, oldest first. With ``stores``, an escalation waiting on the manager has
    its decision's clock."""
    stores = stores or {}
    kept = [t for t in tickets if filters.keep(t, now, stores.get(t.store_id))]

    def pressing(ticket: Ticket) -> tuple[bool, bool, bool, bool, float, str, int]:
        store = stores.get(ticket.store_id)
        due = deadline(ticket, store)
        return (not ticket.urgency, not needs_manager(ticket),
                not overdue(ticket, now, store), due is None,
                due.timestamp() if due else 0.0, ticket.confirmed_at or "", ticket.number or 0)

    return sorted(kept, key=pressing)
