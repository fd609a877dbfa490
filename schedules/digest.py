"""The daily digest: each store's managers get it at the store's ``digest_time`` (20:00).

A manager of several stores gets one digest per store and then a chain summary, once all their
stores' digests for the day are out. Each send is marked in the store first, so a restart
never repeats a digest, and one missed while the bot was down goes out at the next sweep.
"""

from __future__ import annotations

from datetime import datetime

from telegram.ext import Application, ContextTypes

from desk.calendar import local_day
from desk.config import StoreConfig
from handlers import reports
from handlers.common import desk_of, person_translator, send
from handlers.digests import build, deliver

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "digest-sweep"


def _due(store: StoreConfig, now: datetime) -> bool:
    local = now.astimezone(store.timezone)
    return local.time() >= store.digest_time


async def sweep_digests(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send each store's digest once its time has come today, then chain summaries."""
    desk = desk_of(context)
    now = desk.clock()
    for store in desk.settings.stores:
        day = local_day(store, now)
        if not _due(store, now) or desk.store.digest_sent(store.id, day):
            continue
        desk.store.mark_digest_sent(store.id, day, now)
        digest = await build(context, store, day)
        for manager in store.managers:
            await deliver(context, manager, store, digest)
    managers = {m for s in desk.settings.stores for m in s.managers}
    for manager in sorted(managers):
        stores = desk.settings.stores_managed_by(manager)
        if len(stores) < 2:
            continue
        day = local_day(stores[0], now)
        key = f"chain:{manager}"
        if desk.store.digest_sent(key, day) or not all(
                desk.store.digest_sent(s.id, day) for s in stores):
            continue
        desk.store.mark_digest_sent(key, day, now)
        digests = [(s, await build(context, s, day)) for s in stores]
        t = person_translator(desk, manager, stores[0].language)
        await send(context, manager, reports.chain_summary(t, digests))


def register(application: Application) -> None:
    """Checked every minute; the first check at start-up catches a digest missed while down."""
    application.job_queue.run_repeating(
        sweep_digests, interval=SWEEP_EVERY_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
