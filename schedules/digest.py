"""The daily digest: each store's managers get it at the store's ``digest_time`` (20:00).

A manager of several stores gets one digest per store and then a chain summary, once all their
stores' digests for the day are out. The digest is marked sent in the same write that queues
it, so a restart neither repeats nor loses it; one missed while the bot was down goes out at
the sweep that runs at start-up. Messages the outbox gave up on are listed once, then dropped.
"""

from __future__ import annotations

from datetime import datetime

from telegram.ext import Application

from desk.calendar import local_day
from desk.config import StoreConfig
from desk.i18n import translator
from desk.outgoing import Priority
from desk.storage import digest_mark
from outbox import reports
from outbox.context import DeskContext
from outbox.digests import build, charts, queue_digest, reader_languages
from schedules.sweep import every

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "digest-sweep"


def _due(store: StoreConfig, now: datetime) -> bool:
    local = now.astimezone(store.timezone)
    return local.time() >= store.digest_time


async def sweep_digests(context: DeskContext) -> None:
    """Send each store's digest once its time has come today, then chain summaries."""
    desk = context.desk
    outbox = context.outbox
    app = context.application
    now = desk.clock()
    for store in desk.settings.stores:
        day = local_day(store, now)
        if not _due(store, now) or desk.db.digest_sent(store.id, day):
            continue
        digest = await build(app, store, day)
        pngs = await charts(app, store, digest, reader_languages(outbox, store, store.managers))
        with outbox.transaction() as tx:
            if tx.marked(digest_mark(store.id, day)):
                continue  # another sweep got there while this one was building
            tx.mark(digest_mark(store.id, day), now)
            for manager in store.managers:
                queue_digest(outbox, tx, manager, store, digest, pngs)
            for entry in digest.undelivered:
                tx.drop(entry)  # listed once: the log keeps the rest
    managers = {m for s in desk.settings.stores for m in s.managers}
    for manager in sorted(managers):
        stores = desk.settings.stores_managed_by(manager)
        if len(stores) < 2:
            continue
        day = local_day(stores[0], now)
        key = f"chain:{manager}"
        if desk.db.digest_sent(key, day) or not all(
                desk.db.digest_sent(s.id, day) for s in stores):
            continue
        digests = [(s, await build(app, s, day)) for s in stores]
        t = translator(desk.person_language(manager, stores[0].language))
        with outbox.transaction() as tx:
            if tx.marked(digest_mark(key, day)):
                continue
            tx.mark(digest_mark(key, day), now)
            outbox.send(tx, manager, reports.chain_summary(t, digests), kind="chain_summary",
                        priority=Priority.BULK)


def register(application: Application) -> None:
    """At start-up (a digest missed while down goes out), then checked every minute."""
    every(application, sweep_digests, SWEEP_EVERY_SECONDS, JOB_NAME)
