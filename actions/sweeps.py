"""The verbs time does on a ticket: what each due step (desk.deadlines) does and whom it tells.

Contact deadlines (the sunset rule) and escalation reply times:

- ``reminder_before`` (60 min) before the contact deadline the assignee is reminded in the
  group (or the group, while nobody has claimed the ticket);
- an unclaimed ticket nudges the group every ``nudge_every`` (30 min) while the store is open;
- at the deadline the store's managers are alerted in private, the miss (遗漏) is recorded, and
  the customer is told a new time, which is stored and watched like the first;
- a complaint whose deadline lies past more than one closed day (a store closed on public
  holidays) is brought to the managers once, at once (``long_wait``);
- "called, no answer" brings a retry reminder ``retry_after`` (60 min) later;
- an escalated ticket reminds its managers before the promised reply time, and alerts them
  again if it passes (and a new time is promised and watched).

The satisfaction callback (电话跟踪): asked at its time; with no answer after 24 h the customer
is reminded once, and after another 48 h it is marked unanswered, the feedback record goes to
the managers and the ticket is archived.

:func:`run_step` is the skeleton, like actions.core.run for the verbs people ask for: the
ticket read fresh in a transaction, still due, marked done, saved, the step's messages queued
in the same write; a finished ticket is archived after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from html import escape

from desk import policy
from desk.config import StoreConfig
from desk.deadlines import Due, Step, closed_days_waited, due, mark
from desk.i18n import Translator, translator
from desk.models import Kind, Ticket
from desk.storage import Transaction
from outbox import views
from outbox.notices import file_feedback, survey_question
from outbox.post import Outbox

log = logging.getLogger(__name__)

# Queues the step's messages in the transaction; returns True when the ticket is finished and
# is to be archived after the write.
Perform = Callable[[Outbox, Transaction, Ticket, StoreConfig, Due], bool]


def callback_step(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
                  item: Due) -> bool:
    """Ask the customer, remind them once, or give up and file the feedback record."""
    if item.step is Step.CALLBACK_UNANSWERED:
        return file_feedback(outbox, tx, ticket)
    survey_question(outbox, tx, ticket, reminder=item.step is Step.CALLBACK_REMINDER)
    return False


def deadline_step(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
                  item: Due) -> bool:
    """Reminders, nudges, breaches: the assignee or the group, the managers, the customer."""
    t = translator(store.language)
    now = outbox.desk.clock()
    name = escape(store.name)
    if item.step in (Step.CONTACT_REMINDER, Step.BREACH, Step.LONG_WAIT):
        deadline = _time(ticket.contact_by)
    if item.step in (Step.REPLY_REMINDER, Step.REPLY_BREACH):
        reply_by = _time(ticket.reply_by)
    if item.step is Step.CONTACT_REMINDER:
        outbox.in_thread(tx, ticket, _contact_reminder(t, ticket, store, deadline),
                         kind="contact_reminder")
    elif item.step is Step.NUDGE:
        outbox.in_thread(tx, ticket, t.gettext(
            "🔔 Ticket #{number} is still waiting for someone to claim it.").format(
                number=ticket.number), kind="nudge")
    elif item.step is Step.RETRY:
        outbox.in_thread(tx, ticket, t.gettext(
            "📞 {name}, please call the customer of ticket #{number} again.").format(
                name=_owner(ticket), number=ticket.number), kind="retry_reminder")
    elif item.step is Step.BREACH:
        _renew_contact_promise(outbox, tx, ticket, store, deadline)
        outbox.card(tx, ticket)
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "⚠️ {store}: ticket #{number} was not contacted by its deadline {time}. "
            "It is recorded as missed.").format(
                store=name, number=ticket.number, time=tm.when(deadline, store.timezone, now)),
            kind="breach", ticket=ticket)
    elif item.step is Step.LONG_WAIT:
        days = closed_days_waited(store, _time(ticket.confirmed_at), deadline)
        # Always more than one day: no singular needed.
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "📅 {store}: ticket #{number} came in while the store is closed for {days} days; "
            "the customer was promised contact by {time}. Perhaps someone can call sooner."
        ).format(store=name, number=ticket.number, days=days,
                 time=tm.when(deadline, store.timezone, now)),
            kind="long_wait", ticket=ticket)
    elif item.step is Step.REPLY_REMINDER:
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "⏰ {store}: the customer of ticket #{number} was promised an answer by {time}."
        ).format(store=name, number=ticket.number,
                 time=tm.when(reply_by, store.timezone, now)), kind="reply_reminder",
            ticket=ticket)
    elif item.step is Step.REPLY_BREACH:
        _renew_reply_promise(outbox, tx, ticket, store, reply_by)
        outbox.card(tx, ticket)
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "⚠️ {store}: the latest reply time {time} promised to the customer of ticket "
            "#{number} has passed.").format(store=name, number=ticket.number,
                                            time=tm.when(reply_by, store.timezone, now)),
            kind="reply_breach", ticket=ticket)
    return False


def _renew_contact_promise(outbox: Outbox, tx: Transaction, ticket: Ticket,
                           store: StoreConfig, deadline: datetime) -> None:
    """The customer was promised a call and nobody called: say so, with an apology, and give
    the next time the policy allows (today's if it is still ahead, else the next opening day).
    The new promise is kept like the first: stored as the contact deadline, reminded before,
    and a breach again when it passes."""
    now = outbox.desk.clock()
    renewed = policy.contact_deadline(store, ticket, now)
    ticket.record(now, 0, "promise_renewed", promise="contact", was=deadline.isoformat(),
                  now=renewed.isoformat(), contact_by=renewed.isoformat())
    ticket.contact_by = renewed.isoformat()
    ticket.contact_reminded = False  # ``missed`` stands: the miss is on record
    tx.save(ticket)
    outbox.to_customer(tx, ticket, lambda tc: tc.gettext(
        "We are sorry: we promised that a technician would contact you by {was}, and we have "
        "not kept that promise. A technician of {store} will contact you {promise}. Your "
        "ticket #{number} stays open.").format(
            was=tc.when(deadline, store.timezone, now), store=escape(store.name),
            promise=tc.promise(renewed, store.timezone, now), number=ticket.number),
        kind="promise_renewed")


def _renew_reply_promise(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
                         reply_by: datetime) -> None:
    """The promised latest reply time passed: apologise and give the next one the policy
    computes (never a time typed freely: seed 003)."""
    now = outbox.desk.clock()
    options = policy.reply_options(store, now)
    if not options:
        return
    renewed = options[0].at
    ticket.record(now, 0, "promise_renewed", promise="reply", was=reply_by.isoformat(),
                  now=renewed.isoformat())
    # The new promise is kept like the first: reminded before, alerted when it passes.
    ticket.reply_by = renewed.isoformat()
    ticket.reply_reminded = ticket.reply_missed = False
    tx.save(ticket)
    question = ticket.kind is Kind.INQUIRY
    outbox.to_customer(tx, ticket, lambda tc: (tc.gettext(
        "We are sorry: we promised you an answer to your question #{number} by {was}, and we "
        "have not kept that promise. The store's manager has been alerted; you will get an "
        "answer {promise}.") if question else tc.gettext(
        "We are sorry: we promised you an answer about ticket #{number} by {was}, and we have "
        "not kept that promise. The store's manager has been alerted; you will get an answer "
        "{promise}.")).format(number=ticket.number, was=tc.when(reply_by, store.timezone, now),
                              promise=tc.promise(renewed, store.timezone, now)),
        kind="promise_renewed")


def _time(iso: str | None) -> datetime:
    """A promised time the step is due for: set, or the step would not be due."""
    if iso is None:
        raise ValueError("a step is due for a time that is not set")
    return datetime.fromisoformat(iso)


def _owner(ticket: Ticket) -> str:
    if ticket.assignee_id is None:
        return ""
    return views.mention(ticket.assignee_id, ticket.assignee_name or "")


def _contact_reminder(t: Translator, ticket: Ticket, store: StoreConfig,
                      deadline: datetime) -> str:
    time = t.time(deadline, store.timezone)
    if ticket.assignee_id is None:
        return t.gettext("⏰ Ticket #{number} has no one yet; the customer must be contacted by "
                         "{time}.").format(number=ticket.number, time=time)
    return t.gettext("⏰ {name}, the customer of ticket #{number} must be contacted by {time}."
                     ).format(name=_owner(ticket), number=ticket.number, time=time)


# Every step time does, and the one function that does it.
STEPS: dict[Step, Perform] = {
    Step.CONTACT_REMINDER: deadline_step,
    Step.NUDGE: deadline_step,
    Step.BREACH: deadline_step,
    Step.LONG_WAIT: deadline_step,
    Step.RETRY: deadline_step,
    Step.REPLY_REMINDER: deadline_step,
    Step.REPLY_BREACH: deadline_step,
    Step.CALLBACK: callback_step,
    Step.CALLBACK_REMINDER: callback_step,
    Step.CALLBACK_UNANSWERED: callback_step,
}


def run_step(outbox: Outbox, key: str, item: Due, now: datetime) -> bool:
    """Do ``item`` on the ticket ``key`` if it is still due; True when it was done."""
    desk = outbox.desk
    finished = False
    with outbox.transaction() as tx:
        ticket = tx.ticket(key)  # fresh: an earlier step may have moved it on
        store = desk.store(ticket.store_id) if ticket else None
        if ticket is None or store is None or item not in due(ticket, store, now):
            return False
        mark(ticket, item, now)
        tx.save(ticket)
        finished = STEPS[item.step](outbox, tx, ticket, store, item)
    if finished:
        desk.db.archive(key)
    return True
