"""Contact deadlines (the sunset rule) and escalation reply times: reminders, nudges, breaches.

- ``reminder_before`` (60 min) before the contact deadline the assignee is reminded in the
  group (or the group, while nobody has claimed the ticket);
- an unclaimed ticket nudges the group every ``nudge_every`` (30 min) while the store is open;
- at the deadline the store's managers are alerted in private and the miss (遗漏) is recorded;
- a complaint whose deadline lies past more than one closed day (a store closed on public
  holidays) is brought to the managers once, at once;
- "called, no answer" brings a retry reminder ``retry_after`` (60 min) later;
- an escalated ticket reminds its managers before the promised reply time, and alerts them
  again if it passes.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram.ext import Application

from desk.calendar import contact_deadline
from desk.config import StoreConfig
from desk.deadlines import Due, Step, closed_days_waited
from desk.i18n import Translator, translator
from desk.models import Kind, Ticket
from desk.promises import reply_options
from desk.storage import Transaction
from outbox import views
from outbox.context import DeskContext
from outbox.notices import report_unreadable
from outbox.post import Outbox
from schedules.heartbeat import LAST_SWEEP_KEY
from schedules.sweep import every, run_due

SWEEP_EVERY_SECONDS = 30
JOB_NAME = "deadline-sweep"
STEPS = (Step.CONTACT_REMINDER, Step.NUDGE, Step.BREACH, Step.LONG_WAIT, Step.RETRY,
         Step.REPLY_REMINDER, Step.REPLY_BREACH)


async def sweep_deadlines(context: DeskContext) -> None:
    """Send every reminder, nudge and breach alert that is due."""
    await run_due(context, STEPS, perform)
    context.application.bot_data[LAST_SWEEP_KEY] = context.desk.clock().isoformat()
    db = context.desk.db
    if db.unreadable:
        with context.outbox.transaction() as tx:
            for key, info in list(db.unreadable.items()):
                report_unreadable(context.outbox, tx, key, info)


def perform(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
            item: Due) -> bool:
    t = translator(store.language)
    now = outbox.desk.clock()
    name = escape(store.name)
    deadline = datetime.fromisoformat(ticket.contact_by) if ticket.contact_by else None
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
        received = datetime.fromisoformat(ticket.confirmed_at)
        days = closed_days_waited(store, received, deadline)
        # Always more than one day: no singular needed.
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "📅 {store}: ticket #{number} came in while the store is closed for {days} days; "
            "the customer was promised contact by {time}. Perhaps someone can call sooner."
        ).format(store=name, number=ticket.number, days=days,
                         time=tm.when(deadline, store.timezone, now)),
            kind="long_wait", ticket=ticket)
    elif item.step is Step.REPLY_REMINDER:
        reply_by = datetime.fromisoformat(ticket.reply_by)
        outbox.to_managers(tx, store, lambda tm: tm.gettext(
            "⏰ {store}: the customer of ticket #{number} was promised an answer by {time}."
        ).format(store=name, number=ticket.number,
                 time=tm.when(reply_by, store.timezone, now)), kind="reply_reminder",
            ticket=ticket)
    elif item.step is Step.REPLY_BREACH:
        reply_by = datetime.fromisoformat(ticket.reply_by)
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
    the next time the policy allows (today's if it is still ahead, else the next opening day)."""
    now = outbox.desk.clock()
    renewed = contact_deadline(store, now)
    ticket.record(now, 0, "promise_renewed", promise="contact", was=deadline.isoformat(),
                  now=renewed.isoformat())
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
    options = reply_options(store, now)
    if not options:
        return
    renewed = options[0]
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


def _owner(ticket: Ticket) -> str:
    return views.mention(ticket.assignee_id, ticket.assignee_name or "")


def _contact_reminder(t: Translator, ticket: Ticket, store: StoreConfig,
                      deadline: datetime) -> str:
    time = t.time(deadline, store.timezone)
    if ticket.assignee_id is None:
        return t.gettext("⏰ Ticket #{number} has no one yet; the customer must be contacted by "
                         "{time}.").format(number=ticket.number, time=time)
    return t.gettext("⏰ {name}, the customer of ticket #{number} must be contacted by {time}."
                     ).format(name=_owner(ticket), number=ticket.number, time=time)


def register(application: Application) -> None:
    """At start-up (whatever fell due while down runs at once), then every 30 s."""
    every(application, sweep_deadlines, SWEEP_EVERY_SECONDS, JOB_NAME)
