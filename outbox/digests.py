"""Building digests in a worker process, and handing them to the outbox.

A digest reads and parses months of archived tickets and draws a chart. In a thread that work
would still hold the GIL (one json.load of a large archive holds it for the whole parse) and
customers' acknowledgements would wait; a separate process shares nothing with the event loop.
The text goes out in as many messages as it needs (nothing is rejected for length), with the
fed-back buttons under the last one, then the chart.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from html import escape

from telegram.ext import Application

from desk.chart import chart_job
from desk.config import StoreConfig
from desk.digest import RECURRENCE_DAYS, Digest, digest_job
from desk.i18n import Translator, translator
from desk.outgoing import Method, Priority
from desk.storage import Transaction, months_between
from outbox import reports
from outbox.context import desk_of
from outbox.post import Outbox, new_id

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


async def build(application: Application, store: StoreConfig, day: date) -> Digest:
    """The digest of ``store`` for ``day``, computed in the worker process."""
    desk = desk_of(application)
    # Taken here, on the loop's thread: the worker reads files, never the database's TinyDB.
    hot = desk.db.hot_snapshot()
    served = desk.db.served(store.id)
    fed_back = desk.db.fed_back(store.id)
    months = months_between(day - timedelta(days=RECURRENCE_DAYS), day)
    loop = asyncio.get_running_loop()
    digest = await loop.run_in_executor(
        worker_pool(application), digest_job, desk.db.data_dir, hot, months, store, day,
        desk.clock(), served, fed_back)
    digest.orphaned = orphaned_tickets(desk)
    since = desk.clock() - timedelta(days=1)
    digest.downtime = sorted(
        (datetime.fromisoformat(m["since"]), datetime.fromisoformat(m["at"]))
        for m in desk.db.marks("downtime:").values()
        if "since" in m and datetime.fromisoformat(m["at"]) >= since)
    digest.undelivered = [
        {"id": e.id, "kind": e.kind, "number": e.number, "error": e.error}
        for e in desk.db.failed_outgoing() if e.store_id in (store.id, None)]
    return digest


def orphaned_tickets(desk) -> dict[str, list[int]]:
    """Open tickets whose store is no longer in the config, by store id."""
    found: dict[str, list[int]] = {}
    for ticket in desk.db.hot_tickets():
        if ticket.number is not None and desk.store(ticket.store_id) is None:
            found.setdefault(ticket.store_id, []).append(ticket.number)
    return found


def chart_title(t: Translator, store: StoreConfig) -> str:
    return t.gettext("{store} · tickets per day, last 14 days").format(store=store.name)


async def charts(application: Application, store: StoreConfig, digest: Digest,
                 languages: set[str]) -> dict[str, bytes]:
    """The digest's chart as a PNG, once per language of its readers."""
    loop = asyncio.get_running_loop()
    pool = worker_pool(application)
    result = {}
    for language in sorted(languages):
        title = chart_title(translator(language), store)
        result[language] = await loop.run_in_executor(pool, chart_job, language, title,
                                                       digest.chart)
    return result


def queue_digest(outbox: Outbox, tx: Transaction, manager: int, store: StoreConfig,
                 digest: Digest, pngs: dict[str, bytes]) -> None:
    """The digest and its chart for one manager, in their language, in this write."""
    desk = outbox.desk
    language = desk.person_language(manager, store.language)
    t = translator(language)
    outbox.send(tx, manager, reports.digest_text(t, store, digest), kind="digest",
                priority=Priority.BULK, store_id=store.id,
                markup=reports.digest_keyboard(t, store, digest))
    png = pngs.get(language)
    if png is not None:
        entry_id = new_id()
        name = f"digest-{store.id}-{digest.day.isoformat()}.png"
        path = desk.db.outbox_file(f"{entry_id}-{name}", png)
        # The title is drawn into the image as plain text; as a caption it is HTML.
        outbox.send(tx, manager, escape(chart_title(t, store)), kind="digest_chart",
                    priority=Priority.BULK, store_id=store.id, method=Method.PHOTO,
                    file=path, filename=name)


def reader_languages(outbox: Outbox, store: StoreConfig, managers) -> set[str]:
    return {outbox.desk.person_language(m, store.language) for m in managers}
