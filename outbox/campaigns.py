"""Holiday greeting campaigns, sent through the same sender as everything else.

A campaign keeps a small window of greetings queued in the sender at the lowest priority, so
customers' replies and manager alerts always go first and the campaign takes whatever room is
left (about 28 a second when nothing else is sent). Greetings are at-most-once (the SOP: nobody
gets two): the campaign's append-only log gets "<user> pending" when a greeting is handed to
Telegram and the outcome after; a restart resumes after the last logged recipient, and a
greeting whose answer was lost stays "pending" (reported as unconfirmed), never sent again.
Never one job per recipient: APScheduler skipped 3,287 of 10,000 such jobs after a 0.6 s stall.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from datetime import datetime

from telegram.ext import Application

from desk.calendar import local_day
from desk.config import StoreConfig
from desk.greetings import LOW_SCORE_WINDOW, Occasion, Plan, SendLog, plan, unhappy_customers
from desk.i18n import translator
from desk.names import salutation
from desk.outgoing import Outgoing, Priority
from desk.storage import load_tickets, months_between
from outbox.context import desk_of, outbox_of
from outbox.greetings import greeting_text, progress_text, report_text

log = logging.getLogger(__name__)

TASKS_KEY = "greeting-campaigns"
WINDOW = 64  # greetings handed to the sender ahead of their turn


def campaign_id(store: StoreConfig, occasion: Occasion) -> str:
    return f"{store.id}-{occasion.day.isoformat()}-{occasion.key}"


def occasion_of(campaign: dict) -> Occasion:
    """The occasion a stored campaign greets."""
    return Occasion(datetime.fromisoformat(campaign["day"]).date(), campaign["key"],
                    campaign["name"], campaign["custom"])


async def make_plan(application: Application, store: StoreConfig) -> Plan:
    """Who would be greeted now; the history scan runs off the event loop."""
    desk = desk_of(application)
    now = desk.clock()
    hot = desk.db.hot_snapshot()
    today = local_day(store, now)
    months = months_between(today - LOW_SCORE_WINDOW, today)
    tickets = await asyncio.to_thread(load_tickets, desk.db.data_dir, hot, months)
    open_complaints, low = unhappy_customers([t for t in tickets if t.store_id == store.id], now)
    return plan(store, list(desk.db.all_customers()), open_complaints, low)


def tasks(application: Application) -> dict[str, asyncio.Task]:
    return application.bot_data.setdefault(TASKS_KEY, {})


def ensure_running(application: Application) -> None:
    """A sender task for every running campaign (after a restart, or a new one)."""
    running = tasks(application)
    for campaign in desk_of(application).db.campaigns("running"):
        task = running.get(campaign["id"])
        if task is None or task.done():
            # A plain task, not application.create_task: stop() awaits those, and a campaign
            # may run for many minutes; it is cancelled at shutdown and resumed at start-up.
            running[campaign["id"]] = asyncio.create_task(
                run_campaign(application, campaign["id"]), name=f"greetings:{campaign['id']}")


async def stop_all(application: Application) -> None:
    """Cancel running senders at shutdown; their logs let the next start resume them."""
    running = tasks(application)
    for task in running.values():
        task.cancel()
    await asyncio.gather(*running.values(), return_exceptions=True)
    running.clear()


async def cancel(application: Application, campaign: dict) -> dict[str, int]:
    """Stop one campaign for good (stored first: a restart must not resume it); returns the
    outcomes so far."""
    desk = desk_of(application)
    campaign["state"] = "cancelled"
    desk.db.save_campaign(campaign)
    task = tasks(application).pop(campaign["id"], None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    sends = SendLog(desk.db.campaign_log_path(campaign["id"]))
    sends.close()
    return sends.counts()


async def run_campaign(application: Application, cid: str) -> None:
    """Send one campaign's greetings from wherever it stopped."""
    desk = desk_of(application)
    outbox = outbox_of(application)
    campaign = desk.db.campaign(cid)
    store = desk.store(campaign["store_id"]) if campaign else None
    if campaign is None or store is None or campaign["state"] != "running" \
            or outbox.sender is None:
        return
    occasion = occasion_of(campaign)
    sends = SendLog(desk.db.campaign_log_path(cid))
    total = len(campaign["recipients"])
    interval = 1 / store.greetings.rate_per_second
    queued: collections.deque[tuple[int, str, asyncio.Future[str]]] = collections.deque()
    next_at = time.monotonic()
    try:
        todo = [uid for uid in campaign["recipients"] if uid not in sends.outcomes]
        index = 0
        while index < len(todo) or queued:
            while index < len(todo) and len(queued) < WINDOW and next_at <= time.monotonic():
                user_id = todo[index]
                index += 1
                skip = _skip_reason(desk, user_id)
                if skip is not None:
                    sends.record(user_id, skip)
                    _progress(application, store, occasion, cid, sends.settled(), total)
                    continue
                # The sender paces everything at Telegram's overall limit; a store may ask
                # for a slower campaign.
                next_at = max(next_at + interval, time.monotonic())
                entry = _greeting(desk, store, occasion, cid, user_id)
                future = outbox.sender.submit(
                    entry, on_dispatch=lambda uid=user_id: sends.record(uid, "pending"))
                queued.append((user_id, entry.id, future))
            if not queued:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                continue
            user_id, _entry_id, future = queued.popleft()
            sends.record(user_id, await future)
            _progress(application, store, occasion, cid, sends.settled(), total)
        campaign = desk.db.campaign(cid)
        campaign["state"] = "done"
        campaign["finished_at"] = desk.clock().isoformat()
        desk.db.save_campaign(campaign)
        if total or any(campaign["skipped"].values()):  # nothing to say about no one
            _report(application, store, occasion, campaign, sends.counts())
    finally:
        for _user_id, entry_id, future in queued:
            outbox.sender.withdraw(entry_id)
            future.cancel()
        sends.close()


def _skip_reason(desk, user_id: int) -> str | None:
    customer = desk.db.customer(user_id)
    if customer is None:
        return "skipped:forgotten"
    if not customer.greetings:
        return "skipped:opted_out"
    if customer.blocked:
        return "skipped:inactive"
    return None


def _greeting(desk, store: StoreConfig, occasion: Occasion, cid: str, user_id: int) -> Outgoing:
    customer = desk.db.customer(user_id)
    t = translator(desk.language_of(customer, fallback=store.language))
    return Outgoing(id=f"greeting:{cid}:{user_id}", chat_id=user_id, kind="greeting",
                    priority=Priority.BULK, text=greeting_text(
                        t, salutation(customer, t.language), store, occasion),
                    store_id=store.id, at_most_once=True, created_at=desk.clock().isoformat())


def _progress(application: Application, store: StoreConfig, occasion: Occasion, cid: str,
              done: int, total: int) -> None:
    """Managers hear of every 10%: the step is stored first, so it is said once."""
    desk = desk_of(application)
    step = done * 10 // total if total else 10
    campaign = desk.db.campaign(cid)
    if step <= campaign["reported"] or step >= 10:
        return
    campaign["reported"] = step
    desk.db.save_campaign(campaign)
    outbox = outbox_of(application)
    with outbox.transaction() as tx:
        outbox.to_managers(tx, store, lambda t: progress_text(t, store, occasion, done, total),
                           kind="greetings_progress", priority=Priority.NOTICE)


def _report(application: Application, store: StoreConfig, occasion: Occasion, campaign: dict,
            outcomes: dict[str, int]) -> None:
    outbox = outbox_of(application)
    with outbox.transaction() as tx:
        outbox.to_managers(tx, store, lambda t: report_text(t, store, occasion, campaign,
                                                            outcomes),
                           kind="greetings_report", priority=Priority.NOTICE)
