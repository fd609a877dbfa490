"""Holiday greetings: on a greeted day, at the store's greeting time, plan and start a campaign.

On a greeted day (the first day of a configured public holiday, or the store's own date), at
``greetings.time`` (09:00), the sweep plans the campaign (who gets it, who is skipped and why),
stores it, tells the managers whom to call instead, and hands it to ``outbox.campaigns``,
which sends through the outbox's sender. The sweep at start-up resumes campaigns that a
restart interrupted.
"""

from __future__ import annotations

from telegram.ext import Application

from desk.greetings import TO_CALL, occasion_on
from outbox import campaigns
from outbox.context import DeskContext
from outbox.greetings import to_call_text
from schedules.sweep import every

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "greeting-sweep"


async def sweep_greetings(context: DeskContext) -> None:
    """Start today's campaigns when their time comes; resume any a restart interrupted."""
    desk = context.desk
    now = desk.clock()
    for store in desk.settings.stores:
        if not store.greetings.enabled:
            continue
        local = now.astimezone(store.timezone)
        occasion = occasion_on(store, local.date())
        if occasion is None or local.time() < store.greetings.time:
            continue
        cid = campaigns.campaign_id(store, occasion)
        if desk.db.campaign(cid) is not None:
            continue
        planned = await campaigns.make_plan(context.application, store)
        if desk.db.campaign(cid) is not None:
            continue  # planned twice over an await: the first one stands
        desk.db.save_campaign({
            "id": cid, "store_id": store.id, "day": occasion.day.isoformat(),
            "key": occasion.key, "name": occasion.name, "custom": occasion.custom,
            "state": "running", "created_at": now.isoformat(),
            "recipients": planned.recipients, "skipped": planned.skipped, "reported": 0,
        })
        names = {reason: [(c.name if (c := desk.db.customer(uid)) else str(uid))
                          for uid in planned.skipped[reason]] for reason in TO_CALL}
        if any(names.values()):
            with context.outbox.transaction() as tx:
                context.outbox.to_managers(
                    tx, store, lambda t, s=store, o=occasion, n=names: to_call_text(t, s, o, n),
                    kind="greetings_to_call")
    campaigns.ensure_running(context.application)


def register(application: Application) -> None:
    """At start-up (resuming interrupted campaigns), then checked every minute."""
    every(application, sweep_greetings, SWEEP_EVERY_SECONDS, JOB_NAME)
