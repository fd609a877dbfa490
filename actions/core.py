"""What every verb on a ticket shares: who acts, from where, what comes back, and the one
skeleton (:func:`apply`): open the transaction, find the ticket, check the store and the
actor's role, step, save, redraw the card, tell whoever the verb tells; then what is to happen
after the write (archive, a customer's record).

A verb is a row of :data:`actions.table.VERBS`: its step (a function of :class:`Call`, in the
module of its family), who may do it (:class:`Who`) and the surfaces that offer it
(:class:`Surface`). The step changes the ticket through desk.lifecycle, which refuses what the
ticket's state or the actor's role does not allow, and queues its messages in the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from desk.buttons import Action
from desk.config import StoreConfig
from desk.i18n import Translator
from desk.lifecycle import Reason, Refused
from desk.models import Ticket
from desk.storage import Transaction

if TYPE_CHECKING:
    from desk.context import Desk
    from outbox.post import Markup, Outbox


class Surface(StrEnum):
    """Where a verb is asked for."""

    GROUP = "group"  # a button on the card, or a reply, in the store's staff group
    PRIVATE = "private"  # a button in a manager's private chat with the bot
    CUSTOMER = "customer"  # a button or a message in the customer's private chat
    DESK = "desk"  # the managers' desk (the Mini App's API)


class Who(StrEnum):
    """Whose press counts at all (the lifecycle then checks the ticket's own rules)."""

    STAFF = "staff"  # anyone in the ticket's own store group
    MANAGERS = "managers"  # the ticket's store's managers
    CUSTOMER = "customer"  # the ticket's own customer


class Reply(StrEnum):
    """Verbs asked for by a reply to the bot's prompt, not by a button."""

    REPORT = "r:report"  # the one-line service report closes the service
    NOTE = "r:note"  # a staff note on the customer
    COMMENT = "r:comment"  # the customer's comment, the satisfaction callback's last answer


Verb = Action | Reply


class Invalid(Exception):
    """Data we never drew, or a press outside the ticket's own group."""


class Missing(Exception):
    """No open ticket by that number or key."""


@dataclass(frozen=True)
class Actor:
    """Who asks, from where, in which language they read the answer."""

    user_id: int
    name: str  # the roster's name for a technician, else Telegram's
    surface: Surface
    t: Translator
    chat_id: int = 0  # the chat pressed in (the store's group, a manager's private chat)
    message_id: int | None = None  # the message pressed or replied to


@dataclass
class Call:
    """One verb on one ticket, inside its transaction."""

    outbox: Outbox
    tx: Transaction
    ticket: Ticket
    store: StoreConfig
    actor: Actor
    args: tuple[Any, ...]
    now: datetime
    is_manager: bool
    redraw: bool = True  # whether the ticket's card shows a change
    markup: Markup | bool = True  # the card's buttons after the step (True: the state's)
    note: Callable[[Translator], str] | None = None  # a short confirmation to the actor
    after: list[Callable[[], object]] = field(default_factory=list)  # once the write is done

    @property
    def t(self) -> Translator:
        return self.actor.t

    @property
    def desk(self) -> Desk:
        return self.outbox.desk

    @property
    def message_id(self) -> int:
        """The message pressed, for the verbs that change it in place."""
        if self.actor.message_id is None:
            raise Invalid
        return self.actor.message_id


Step = Callable[[Call], None]


@dataclass(frozen=True)
class Row:
    """A verb: its step, whose press counts, where it is offered."""

    step: Step
    who: Who
    surfaces: frozenset[Surface]


@dataclass
class Answer:
    """What came of a verb: done (with a short note), refused (why), or never valid."""

    ticket: Ticket | None = None
    refused: Reason | None = None
    invalid: bool = False
    missing: bool = False
    note: Callable[[Translator], str] | None = None

    @property
    def done(self) -> bool:
        return not (self.refused or self.invalid or self.missing)


def _store(outbox: Outbox, ticket: Ticket, actor: Actor, who: Who) -> StoreConfig:
    """The ticket's store, if the actor's press counts there."""
    settings = outbox.desk.settings
    if who is Who.STAFF:
        store = settings.store_for_group(actor.chat_id)
        if store is None or ticket.store_id != store.id:
            raise Invalid
        return store
    store = outbox.desk.store(ticket.store_id)
    if store is None:
        raise Invalid
    if who is Who.CUSTOMER:
        if ticket.customer_id != actor.user_id:
            raise Invalid
        return store
    if not store.is_manager(actor.user_id):
        raise Refused(Reason.MANAGERS_ONLY)
    return store


def run(outbox: Outbox, ref: int | str, actor: Actor, row: Row, args: tuple[Any, ...],
        now: datetime) -> Answer:
    """The skeleton every verb shares (see the module's docstring)."""
    ticket: Ticket | None = None
    try:
        if actor.surface not in row.surfaces:
            raise Invalid
        with outbox.transaction() as tx:
            ticket = tx.ticket_by_number(ref) if isinstance(ref, int) else tx.ticket(ref)
            if ticket is None:
                raise Missing
            store = _store(outbox, ticket, actor, row.who)
            call = Call(outbox, tx, ticket, store, actor, args, now,
                        store.is_manager(actor.user_id))
            row.step(call)
            tx.save(ticket)
            if call.redraw:
                outbox.card(tx, ticket, call.markup)
    except Refused as refused:
        return Answer(ticket=ticket, refused=refused.reason)
    except Invalid:
        return Answer(ticket=ticket, invalid=True)
    except Missing:
        return Answer(missing=True)
    for then in call.after:
        then()
    return Answer(ticket=ticket, note=call.note)
