"""Drafts nobody confirmed: dropped after seven days, so the hot file holds only live work.

A draft is a restatement waiting for the customer's "yes". A week later the customer has moved
on; if they write again, a new draft starts from their new words.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.ext import Application

from desk.models import State
from outbox.context import DeskContext
from schedules.sweep import every

log = logging.getLogger(__name__)

JOB_NAME = "draft-sweep"
DRAFT_LIFETIME = timedelta(days=7)
SWEEP_EVERY_SECONDS = 3600


async def sweep_drafts(context: DeskContext) -> None:
    """Drop every draft older than seven days, in one write."""
    now = context.desk.clock()
    with context.desk.db.transaction() as tx:
        stale = [t.key for t in tx.tickets() if t.state is State.DRAFT
                 and now - datetime.fromisoformat(t.created_at) > DRAFT_LIFETIME]
        for key in stale:
            tx.remove(key)
    if stale:
        log.info("dropped %d drafts nobody confirmed in %d days", len(stale),
                 DRAFT_LIFETIME.days)


def register(application: Application) -> None:
    """At start-up, then every hour."""
    every(application, sweep_drafts, SWEEP_EVERY_SECONDS, JOB_NAME)
