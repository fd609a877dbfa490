"""The heartbeat file (desk/health.py), rewritten every half minute while the bot runs."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, TypeHandler
from telegram.request import BaseRequest, RequestData

from desk import health
from outbox.context import DeskContext, outbox_of
from schedules.sweep import every

log = logging.getLogger(__name__)

JOB_NAME = "heartbeat"
LAST_UPDATE_KEY = "last-update-at"
LAST_SWEEP_KEY = "last-sweep-at"
POLL_WATCH_KEY = "poll-watch"
WEBHOOK_KEY = "webhook-mode"  # set by `sundown run --webhook-url`


class PollWatch(BaseRequest):
    """The long poll's connection, noting when getUpdates last came back well: a bot whose
    polls all fail (the proxy is down, say) still writes its heartbeat, and this tells.

    It hands every call to ``inner`` unchanged. In webhook mode nothing polls, and nothing is
    noted.
    """

    def __init__(self, inner: BaseRequest, clock: Callable[[], datetime] | None = None):
        self.inner = inner
        self.clock = clock
        self.since: datetime | None = None  # the first poll, answered or not
        self.last_ok: datetime | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: Any) -> tuple[int, bytes]:
        polling = url.endswith("/getUpdates") and self.clock is not None
        if polling and self.since is None:
            self.since = self.clock()
        code, payload = await self.inner.do_request(url, method, request_data, **timeouts)
        if polling and code == 200:
            self.last_ok = self.clock()
        return code, payload

    def last_poll(self) -> str | None:
        """When a poll last came back well (the first poll's time until one has): None when
        nothing polls."""
        if self.since is None:
            return None
        return (self.last_ok or self.since).isoformat()


async def beat(context: DeskContext) -> None:
    """Write what an operator needs to know the bot is alive and keeping up."""
    desk = context.desk
    sender = outbox_of(context.application).sender
    oldest = sender.oldest_pending() if sender is not None else None
    data = context.application.bot_data
    watch = data.get(POLL_WATCH_KEY)
    pushes = await _webhook_pushes(context) if data.get(WEBHOOK_KEY) else {}
    health.write(desk.db.data_dir, health.Heartbeat(**pushes,
        at=desk.clock().isoformat(), pid=os.getpid(),
        backlog=sender.backlog() if sender is not None else 0,
        oldest_pending=oldest.isoformat() if oldest else None,
        last_update=data.get(LAST_UPDATE_KEY), last_sweep=data.get(LAST_SWEEP_KEY),
        last_poll=watch.last_poll() if watch is not None else None))


async def _webhook_pushes(context: DeskContext) -> dict[str, Any]:
    """In webhook mode nothing polls: Telegram says whether its pushes reach the bot (a proxy
    down, a wrong secret: updates pile up at Telegram, each push failing)."""
    try:
        info = await context.bot.get_webhook_info(read_timeout=10)
    except TelegramError as exc:
        log.warning("getWebhookInfo failed: %s", exc)
        return {}
    failed = info.last_error_date
    return {"webhook_pending": info.pending_update_count,
            "webhook_error_at": failed.isoformat() if failed else None,
            "webhook_error": info.last_error_message}


async def _seen(update: Update, context: DeskContext) -> None:
    context.application.bot_data[LAST_UPDATE_KEY] = context.desk.clock().isoformat()


def register(application: Application) -> None:
    """Every update is noted (group -1: before, and besides, every other handler)."""
    application.add_handler(TypeHandler(Update, _seen), group=-1)
    every(application, beat, health.BEAT_EVERY.total_seconds(), JOB_NAME)
