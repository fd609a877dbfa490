"""The satisfaction callback (电话跟踪) after every service, and its one reminder.

"Service done" sets the callback time (by default the next opening day at 10:00, always inside
opening hours). The sweep asks the customer then; with no answer after 24 h it reminds them
once, and after another 48 h marks the callback unanswered, sends the feedback record to the
managers and archives the ticket.
"""

from __future__ import annotations

from telegram.ext import Application

from desk.deadlines import CALLBACK_STEPS
from outbox.context import DeskContext
from schedules.sweep import every, run_due

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "callback-sweep"


async def sweep_callbacks(context: DeskContext) -> None:
    """Ask, remind, or give up on the satisfaction callbacks that are due (actions.sweeps)."""
    await run_due(context, CALLBACK_STEPS)


def register(application: Application) -> None:
    """At start-up (catching up on what fell due while down), then every minute."""
    every(application, sweep_callbacks, SWEEP_EVERY_SECONDS, JOB_NAME)
