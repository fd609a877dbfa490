"""The General topic's daily overview, for each store in topics mode (outbox/topics.py).

In topics mode the cards live in their tickets' topics, so General, where they used to
scroll by, gets one message a day instead: at the store's opening time on an opening day,
the open tickets, those due today and those overdue, each a link to its topic. Marked done in
the hot file before it is sent, so a restart never posts it twice.
"""

from __future__ import annotations

from telegram.ext import Application

from desk.calendar import local_day, opening_on
from outbox import topics
from outbox.context import DeskContext
from schedules.sweep import every

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "topics-overview"


async def sweep_overview(context: DeskContext) -> None:
    desk = context.desk
    now = desk.clock()
    for store in desk.settings.stores:
        opens = opening_on(store, local_day(store, now))
        if opens is not None and opens <= now:
            topics.post_overview(context.outbox, store, now)


def register(application: Application) -> None:
    """At start-up, then every minute."""
    every(application, sweep_overview, SWEEP_EVERY_SECONDS, JOB_NAME)
