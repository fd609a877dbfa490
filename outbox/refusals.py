"""Short answers to a press that changes nothing: the ticket moved on, or it is not yours."""

from __future__ import annotations

from desk.i18n import N_, Translator
from desk.lifecycle import Reason
from desk.models import Ticket

REFUSALS = {
    Reason.STALE: N_("This card is out of date: the ticket has moved on."),
    Reason.TAKEN: N_("Already taken by {name}."),
    Reason.NOT_OFFERED_TO_YOU: N_("This ticket is offered to {name}; they accept or pass it."),
    Reason.NOT_YOURS: N_("Only the assignee ({name}) or a manager can do this."),
    Reason.MANAGERS_ONLY: N_("Only the store's managers can do this."),
    Reason.NOT_ON_ROSTER: N_("This technician is not on the store's roster."),
    Reason.ABOUT_YOU: N_("This complaint is about you, so another technician or a manager "
                         "takes it."),
    Reason.ABOUT_THEM: N_("This complaint is about that technician; please choose someone "
                          "else."),
    Reason.UNREACHABLE: N_("The customer cannot be reached through me (they blocked the bot "
                           "or deleted their data); please call them."),
}


# A command only managers may use, asked by someone else.
ONLY_MANAGERS = N_("Sorry, only the store's managers can do this.")


def refusal(t: Translator, reason: Reason, ticket: Ticket | None = None) -> str:
    text = t.gettext(REFUSALS[reason])
    return text.format(name=(ticket.assignee_name if ticket else None) or "—")


def invalid_button(t: Translator) -> str:
    return t.gettext("This button is no longer valid.")
