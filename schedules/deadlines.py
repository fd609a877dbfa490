"""Contact deadlines (the sunset rule) and escalation reply times: reminders, nudges, breaches,
swept every 30 s. What each step does and whom it tells is actions.sweeps."""

from __future__ import annotations

from telegram.ext import Application

from desk.deadlines import Step
from outbox.context import DeskContext
from outbox.notices import report_unreadable
from schedules.heartbeat import LAST_SWEEP_KEY
from schedules.sweep import every, run_due

SWEEP_EVERY_SECONDS = 30
JOB_NAME = "deadline-sweep"
STEPS = (Step.CONTACT_REMINDER, Step.NUDGE, Step.BREACH, Step.LONG_WAIT, Step.RETRY,
         Step.REPLY_REMINDER, Step.REPLY_BREACH)


async def sweep_deadlines(context: DeskContext) -> None:
    """Send every reminder, nudge and breach alert that is due."""
    await run_due(context, STEPS)
    context.application.bot_data[LAST_SWEEP_KEY] = context.desk.clock().isoformat()
    db = context.desk.db
    if db.unreadable:
        with context.outbox.transaction() as tx:
            for key, info in list(db.unreadable.items()):
                report_unreadable(context.outbox, tx, key, info)


def register(application: Application) -> None:
    """At start-up (whatever fell due while down runs at once), then every 30 s."""
    every(application, sweep_deadlines, SWEEP_EVERY_SECONDS, JOB_NAME)
