"""Building and delivering digests. The work runs off the event loop, so customers' messages
keep being answered while a digest over a long history is computed and drawn."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from telegram import InputFile
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from desk import chart
from desk.config import StoreConfig
from desk.digest import RECURRENCE_DAYS, Digest, compute
from desk.i18n import Translator
from desk.storage import load_tickets, months_between
from handlers import reports
from handlers.common import desk_of, person_translator, send

log = logging.getLogger(__name__)


async def build(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig, day: date) -> Digest:
    """The digest of ``store`` for ``day``; the heavy part runs in a worker thread."""
    desk = desk_of(context)
    # Taken here, on the loop's thread: the worker must not touch the store's TinyDB files.
    hot = desk.store.hot_snapshot()
    served = desk.store.served(store.id)
    fed_back = desk.store.fed_back(store.id)
    now = desk.clock()
    months = months_between(day - timedelta(days=RECURRENCE_DAYS), day)

    def work() -> Digest:
        tickets = load_tickets(desk.store.data_dir, hot, months)
        return compute(store, tickets, day, now, served, fed_back)

    return await asyncio.to_thread(work)


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
    png = await asyncio.to_thread(chart.render, t, title, digest.chart)
    try:
        name = f"digest-{store.id}-{digest.day.isoformat()}.png"
        await context.bot.send_photo(chat_id, InputFile(png, filename=name), caption=title)
    except TelegramError as exc:
        log.warning("sending the digest chart to %s failed: %s", chat_id, exc)
    return png

