"""The satisfaction callback (电话跟踪) after every service, and its one reminder.

"Service done" sets the callback time (by default the next opening day at 10:00, always inside
opening hours). The sweep asks the customer then; with no answer after 24 h it reminds them
once, and after another 48 h marks the callback unanswered, sends the feedback record to the
managers and archives the ticket.
"""

from __future__ import annotations

from telegram.ext import Application, ContextTypes

from desk.deadlines import CALLBACK_STEPS, Due, Step
from desk.i18n import translator
from desk.models import Ticket
from handlers import views
from handlers.common import desk_of, send
from handlers.survey import settle
from schedules.sweep import run_due

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "callback-sweep"


async def sweep_callbacks(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask, remind, or give up on the satisfaction callbacks that are due."""
    await run_due(context, CALLBACK_STEPS, perform)


async def perform(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket, item: Due) -> None:
    desk = desk_of(context)
    store = desk.store_config(ticket.store_id)
    customer = desk.store.customer(ticket.customer_id)
    t = translator(desk.language_of(customer, fallback=ticket.language))
    if item.step is Step.CALLBACK_UNANSWERED:
        await settle(context, ticket)
        return
    if customer is not None and customer.blocked:
        return  # the reminder and the give-up follow on schedule
    stage = ticket.survey["stage"]
    question = views.survey_overall(t, ticket, store) if stage == "overall" \
        else views.survey_solved(t)
    if item.step is Step.CALLBACK_REMINDER:
        question = views.survey_reminder(t, ticket, store) + "\n\n" + question
    await send(context, ticket.customer_id, question,
               reply_markup=views.survey_keyboard(t, ticket, stage))


def register(application: Application) -> None:
    """One sweep a minute; the first at start-up catches up on what fell due while down."""
    application.job_queue.run_repeating(
        sweep_callbacks, interval=SWEEP_EVERY_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
