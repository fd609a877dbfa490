"""Who may handle a ticket: own it, be offered it, be handed it, decide on it, be alerted about
it. One rule, asked by every path (claim and accept, the offer at confirmation and on a pass,
a manager's hand-over from the chat or the desk, the hand-over keyboard, managers' alerts):

    a service complaint is never handled by the person it names, technician or manager.
"""

from __future__ import annotations

from desk.models import Ticket


def barred(ticket: Ticket) -> frozenset[int]:
    """The people who must not handle ``ticket``: whoever the complaint is about."""
    return frozenset({ticket.complained_about}) if ticket.complained_about else frozenset()


def may_handle(ticket: Ticket, user_id: int) -> bool:
    """Whether ``user_id`` may own, be offered, be handed, decide on or be alerted about it."""
    return user_id not in barred(ticket)
