"""Contact deadlines (the sunset rule) and escalation reply times: reminders, nudges, breaches.

- ``reminder_before`` (60 min) before the contact deadline the assignee is reminded in the
  group (or the group, while nobody has claimed the ticket);
- an unclaimed ticket nudges the group every ``nudge_every`` (30 min) while the store is open;
- at the deadline the store's managers are alerted in private and the miss (遗漏) is recorded;
- "called, no answer" brings a retry reminder ``retry_after`` (60 min) later;
- an escalated ticket reminds its managers before the promised reply time, and alerts them
  again if it passes.
"""

from __future__ import annotations

from datetime import datetime

from telegram.ext import Application, ContextTypes

from desk.deadlines import Due, Step
from desk.i18n import Translator, translator
from desk.models import Ticket
from handlers import views
from handlers.cards import post_in_thread, refresh_card
from handlers.common import desk_of
from handlers.notices import tell_managers
from schedules.sweep import run_due

SWEEP_EVERY_SECONDS = 30
JOB_NAME = "deadline-sweep"
STEPS = (Step.CONTACT_REMINDER, Step.NUDGE, Step.BREACH, Step.RETRY, Step.REPLY_REMINDER,
         Step.REPLY_BREACH)


async def sweep_deadlines(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send every reminder, nudge and breach alert that is due."""
    await run_due(context, STEPS, perform)


async def perform(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket, item: Due) -> None:
    store = desk_of(context).store_config(ticket.store_id)
    t = translator(store.language)
    deadline = datetime.fromisoformat(ticket.contact_by) if ticket.contact_by else None
    if item.step is Step.CONTACT_REMINDER:
        await post_in_thread(context, ticket, _contact_reminder(t, ticket, store, deadline))
    elif item.step is Step.NUDGE:
        await post_in_thread(context, ticket, t.gettext(
            "🔔 Ticket #{number} is still waiting for someone to claim it.").format(
                number=ticket.number))
    elif item.step is Step.RETRY:
        await post_in_thread(context, ticket, t.gettext(
            "📞 {name}, please call the customer of ticket #{number} again.").format(
                name=_owner(ticket), number=ticket.number))
    elif item.step is Step.BREACH:
        await refresh_card(context, ticket)
        await tell_managers(context, store, lambda tm: tm.gettext(
            "⚠️ {store}: ticket #{number} was not contacted by its deadline {time}. "
            "It is recorded as missed.").format(
                store=store.name, number=ticket.number,
                time=tm.datetime(deadline, store.timezone)))
    elif item.step is Step.REPLY_REMINDER:
        reply_by = datetime.fromisoformat(ticket.reply_by)
        await tell_managers(context, store, lambda tm: tm.gettext(
            "⏰ {store}: the customer of ticket #{number} was promised an answer by {time}."
        ).format(store=store.name, number=ticket.number,
                 time=tm.datetime(reply_by, store.timezone)))
    elif item.step is Step.REPLY_BREACH:
        reply_by = datetime.fromisoformat(ticket.reply_by)
        await refresh_card(context, ticket)
        await tell_managers(context, store, lambda tm: tm.gettext(
            "⚠️ {store}: the latest reply time {time} promised to the customer of ticket "
            "#{number} has passed.").format(store=store.name, number=ticket.number,
                                            time=tm.datetime(reply_by, store.timezone)))


def _owner(ticket: Ticket) -> str:
    return views.mention(ticket.assignee_id, ticket.assignee_name or "")


def _contact_reminder(t: Translator, ticket: Ticket, store, deadline: datetime) -> str:
    time = t.time(deadline, store.timezone)
    if ticket.assignee_id is None:
        return t.gettext("⏰ Ticket #{number} has no one yet; the customer must be contacted by "
                         "{time}.").format(number=ticket.number, time=time)
    return t.gettext("⏰ {name}, the customer of ticket #{number} must be contacted by {time}."
                     ).format(name=_owner(ticket), number=ticket.number, time=time)


def register(application: Application) -> None:
    """One sweep every 30 s; the first at start-up does whatever fell due while down."""
    application.job_queue.run_repeating(
        sweep_deadlines, interval=SWEEP_EVERY_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
