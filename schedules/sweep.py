"""The one way promises are kept: sweep the open tickets, do what is due, oldest first.

Each step is marked done in the store *before* its message goes out, so a crash or restart
never sends it twice; what fell due while the bot was down is found by the first sweep at
start-up and done at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection

from telegram.ext import ContextTypes

from desk.deadlines import Due, Step, due, mark
from desk.models import Ticket
from handlers.common import desk_of

log = logging.getLogger(__name__)

Perform = Callable[[ContextTypes.DEFAULT_TYPE, Ticket, Due], Awaitable[None]]


async def run_due(context: ContextTypes.DEFAULT_TYPE, steps: Collection[Step],
                  perform: Perform) -> int:
    """Do every due step of ``steps`` across the open tickets; return how many were done."""
    desk = desk_of(context)
    now = desk.clock()
    pending: list[tuple[Due, str]] = []
    for ticket in desk.store.hot_tickets():
        store = desk.settings.store(ticket.store_id)
        if ticket.number is None or store is None:
            continue
        pending.extend((item, ticket.key) for item in due(ticket, store, now)
                       if item.step in steps)
    done = 0
    for item, key in sorted(pending):
        ticket = desk.store.by_key(key)  # fresh: an earlier step may have moved it on
        store = desk.settings.store(ticket.store_id) if ticket else None
        if ticket is None or store is None or item not in due(ticket, store, now):
            continue
        mark(ticket, item, now)
        desk.store.save(ticket)
        try:
            await perform(context, ticket, item)
        except Exception:  # the step is marked done; one failure must not stop the sweep
            log.exception("step %s of ticket #%s failed", item.step, ticket.number)
        done += 1
    return done
