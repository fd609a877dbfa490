"""The one way promises are kept: sweep the open tickets, do what is due, oldest first.

Each step is marked done in the same write as the messages it sends (actions.sweeps.run_step),
so a crash or restart never does it twice and never loses it; what fell due while the bot was
down is found by the sweep that runs at start-up and done at once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram.ext import Application, ContextTypes

from actions.sweeps import run_step
from desk.deadlines import Due, Step, due
from outbox.context import DeskContext

log = logging.getLogger(__name__)

JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def every(application: Application, callback, seconds: float, name: str) -> None:
    """Run ``callback`` at start-up and then every ``seconds``.

    A repeating job's first run is computed when it is registered, before the application
    starts; APScheduler then skips the moments that passed, so "first=0" ran 30-60 s late. A
    one-shot job whose time has passed runs as soon as the scheduler starts.
    """
    queue = application.job_queue
    queue.run_once(callback, when=0, name=f"{name}:startup", job_kwargs=JOB_KWARGS)
    queue.run_repeating(callback, interval=seconds, first=seconds, name=name,
                        job_kwargs=JOB_KWARGS)


async def run_due(context: DeskContext | ContextTypes.DEFAULT_TYPE,
                  steps: Collection[Step]) -> int:
    """Do every due step of ``steps`` across the open tickets; return how many were done."""
    desk = context.desk
    now = desk.clock()
    pending: list[tuple[Due, str]] = []
    for ticket in desk.db.hot_tickets():
        store = desk.store(ticket.store_id)
        if ticket.number is None or store is None:
            continue
        pending.extend((item, ticket.key) for item in due(ticket, store, now)
                       if item.step in steps)
    done: list[str] = []
    for item, key in sorted(pending):
        try:
            if not run_step(context.outbox, key, item, now):
                continue
        except Exception:  # one bad ticket must not stop the sweep for the others
            log.exception("step %s of ticket #%s failed", item.step, item.number)
            continue
        done.append(f"#{item.number} {item.step.value}")
    if done:  # one line per sweep that did something: ticket numbers and steps, nothing else
        log.info("sweep: %d done (%s)", len(done), ", ".join(done))
    return len(done)
