"""The heartbeat file (desk/health.py), rewritten every half minute while the bot runs."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, TypeHandler

from desk import health
from outbox.context import DeskContext, outbox_of
from schedules.sweep import every

JOB_NAME = "heartbeat"
LAST_UPDATE_KEY = "last-update-at"
LAST_SWEEP_KEY = "last-sweep-at"


async def beat(context: DeskContext) -> None:
    """Write what an operator needs to know the bot is alive and keeping up."""
    desk = context.desk
    sender = outbox_of(context.application).sender
    oldest = sender.oldest_pending() if sender is not None else None
    data = context.application.bot_data
    health.write(desk.db.data_dir, health.Heartbeat(
        at=desk.clock().isoformat(), pid=os.getpid(),
        backlog=sender.backlog() if sender is not None else 0,
        oldest_pending=oldest.isoformat() if oldest else None,
        last_update=data.get(LAST_UPDATE_KEY), last_sweep=data.get(LAST_SWEEP_KEY)))


async def _seen(update: Update, context: DeskContext) -> None:
    context.application.bot_data[LAST_UPDATE_KEY] = context.desk.clock().isoformat()


def register(application: Application) -> None:
    """Every update is noted (group -1: before, and besides, every other handler)."""
    application.add_handler(TypeHandler(Update, _seen), group=-1)
    every(application, beat, health.BEAT_EVERY.total_seconds(), JOB_NAME)
