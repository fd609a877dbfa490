"""The satisfaction callback (电话跟踪) after every service, and its one reminder.

"Service done" sets the callback time (by default the next opening day at 10:00, always inside
opening hours). The sweep asks the customer then; with no answer after 24 h it reminds them
once, and after another 48 h marks the callback unanswered, sends the feedback record to the
managers and archives the ticket.
"""

from __future__ import annotations

from telegram.ext import Application

from desk.config import StoreConfig
from desk.deadlines import CALLBACK_STEPS, Due, Step
from desk.models import Ticket
from desk.storage import Transaction
from outbox.context import DeskContext
from outbox.notices import file_feedback, survey_question
from outbox.post import Outbox
from schedules.sweep import every, run_due

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "callback-sweep"


async def sweep_callbacks(context: DeskContext) -> None:
    """Ask, remind, or give up on the satisfaction callbacks that are due."""
    await run_due(context, CALLBACK_STEPS, perform)


def perform(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
            item: Due) -> bool:
    if item.step is Step.CALLBACK_UNANSWERED:
        return file_feedback(outbox, tx, ticket)
    survey_question(outbox, tx, ticket, reminder=item.step is Step.CALLBACK_REMINDER)
    return False


def register(application: Application) -> None:
    """At start-up (catching up on what fell due while down), then every minute."""
    every(application, sweep_callbacks, SWEEP_EVERY_SECONDS, JOB_NAME)
