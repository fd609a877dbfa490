"""Building and delivering digests in a worker process.

A digest reads and parses months of archived tickets and draws a chart. In a thread that work
would still hold the GIL (one json.load of a large archive holds it for the whole parse) and
customers' acknowledgements would wait; a separate process shares nothing with the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from telegram import InputFile
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from desk.chart import chart_job
from desk.config import StoreConfig
from desk.digest import RECURRENCE_DAYS, Digest, digest_job
from desk.i18n import Translator
from desk.storage import months_between
from handlers import reports
from handlers.common import desk_of, person_translator, send

log = logging.getLogger(__name__)


POOL_KEY = "digest-pool"


def worker_pool(application: Application) -> ProcessPoolExecutor:
    """One worker process, started on first use and kept for the next digest."""
    pool = application.bot_data.get(POOL_KEY)
    if pool is None:
        # spawn, not fork: forking a process that runs an event loop copies its state.
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        application.bot_data[POOL_KEY] = pool
    return pool


async def close_pool(application: Application) -> None:
    pool = application.bot_data.pop(POOL_KEY, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


async def build(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig, day: date) -> Digest:
    """The digest of ``store`` for ``day``, computed in the worker process."""
    desk = desk_of(context)
    # Taken here, on the loop's thread: the worker reads files, never the store's TinyDB.
    hot = desk.store.hot_snapshot()
    served = desk.store.served(store.id)
    fed_back = desk.store.fed_back(store.id)
    months = months_between(day - timedelta(days=RECURRENCE_DAYS), day)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        worker_pool(context.application), digest_job, desk.store.data_dir, hot, months, store,
        day, desk.clock(), served, fed_back)


async def deliver(context: ContextTypes.DEFAULT_TYPE, manager: int, store: StoreConfig,
                  digest: Digest) -> bool:
    """Send the digest and its chart to one manager, in their language."""
    desk = desk_of(context)
    t = person_translator(desk, manager, store.language)
    sent = await send(context, manager, reports.digest_text(t, store, digest),
                      reply_markup=reports.digest_keyboard(t, store, digest))
    if sent is None:
        return False
    await send_chart(context, manager, t, store, digest)
    return True


async def send_chart(context: ContextTypes.DEFAULT_TYPE, chat_id: int, t: Translator,
                     store: StoreConfig, digest: Digest) -> bytes:
    title = t.gettext("{store} · tickets per day, last 14 days").format(store=store.name)
    loop = asyncio.get_running_loop()
    png = await loop.run_in_executor(worker_pool(context.application), chart_job, t.language,
                                     title, digest.chart)
    try:
        name = f"digest-{store.id}-{digest.day.isoformat()}.png"
        await context.bot.send_photo(chat_id, InputFile(png, filename=name), caption=title)
    except TelegramError as exc:
        log.warning("sending the digest chart to %s failed: %s", chat_id, exc)
    return png

