"""The open tickets a manager looks at: which promise each one waits on, which are overdue,
and the filters of the desk's list (store, state, kind, technician, overdue only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.models import State, Ticket

UNASSIGNED = 0  # the technician filter's value for "nobody has it yet"
# Where each state's next promise lives: the same-day contact, or the manager's reply time.
CONTACT_STATES = frozenset({State.NEW, State.OFFERED, State.CLAIMED})


def deadline(ticket: Ticket) -> datetime | None:
    """The time the ticket's next promise falls due, if it waits on one."""
    if ticket.state in CONTACT_STATES and ticket.contact_by:
        return datetime.fromisoformat(ticket.contact_by)
    if ticket.state is State.ESCALATED and ticket.reply_by:
        return datetime.fromisoformat(ticket.reply_by)
    return None


def overdue(ticket: Ticket, now: datetime) -> bool:
    """A promise was broken and is still not kept."""
    if ticket.state in CONTACT_STATES and ticket.missed:
        return True
    if ticket.state is State.ESCALATED and ticket.reply_missed:
        return True
    due = deadline(ticket)
    return due is not None and due <= now


@dataclass(frozen=True)
class Filters:
    store_ids: frozenset[str]
    state: State | None = None
    kind: str | None = None
    technician: int | None = None  # a user id, or UNASSIGNED
    overdue_only: bool = False

    def keep(self, ticket: Ticket, now: datetime) -> bool:
        if ticket.store_id not in self.store_ids or not ticket.is_active:
            return False
        if self.state is not None and ticket.state is not self.state:
            return False
        if self.kind is not None and ticket.kind.value != self.kind:
            return False
        if self.technician is not None and (ticket.assignee_id or UNASSIGNED) != self.technician:
            return False
        return not self.overdue_only or overdue(ticket, now)


def open_tickets(tickets: list[Ticket], filters: Filters, now: datetime) -> list[Ticket]:
    """The tickets the filters keep, the most pressing first: urgent (safety or a threat), then
    overdue, then by deadline; those waiting on no deadline last, oldest first."""
    kept = [t for t in tickets if filters.keep(t, now)]

    def pressing(ticket: Ticket) -> tuple[bool, bool, bool, float, str, int]:
        due = deadline(ticket)
        return (not ticket.urgency, not overdue(ticket, now), due is None,
                due.timestamp() if due else 0.0, ticket.confirmed_at or "", ticket.number or 0)

    return sorted(kept, key=pressing)
