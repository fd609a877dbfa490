"""Holiday greeting campaigns: one paced sender per campaign, resumable and idempotent.

On a greeted day, at the store's greeting time (09:00), the sweep plans the campaign (who gets
it, who is skipped and why), stores it, tells the managers whom to call instead, and starts a
sender. The sender goes through the recipients in order at ``rate_per_second`` (under
Telegram's ~30/s; AIORateLimiter guards the bot as a whole in run mode), honours RetryAfter,
marks customers who blocked the bot inactive, and records every step in the campaign's
append-only log, so a restart resumes where it stopped with no duplicate. Never one job per
recipient: APScheduler skipped 3,287 of 10,000 such jobs here after one 0.6 s stall.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from desk.calendar import local_day
from desk.config import StoreConfig
from desk.greetings import (
    LOW_SCORE_WINDOW,
    TO_CALL,
    Occasion,
    Plan,
    SendLog,
    occasion_on,
    plan,
    unhappy_customers,
)
from desk.i18n import translator
from desk.storage import load_tickets, months_between
from handlers.common import desk_of, person_translator, send
from handlers.greetings import TASKS_KEY, greeting_text, progress_text, report_text, to_call_text

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "greeting-sweep"
SEND_ATTEMPTS = 3


def campaign_id(store: StoreConfig, occasion: Occasion) -> str:
    return f"{store.id}-{occasion.day.isoformat()}-{occasion.key}"


async def make_plan(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig) -> Plan:
    """Who would be greeted now; the history scan runs off the event loop."""
    desk = desk_of(context)
    now = desk.clock()
    hot = desk.store.hot_snapshot()
    today = local_day(store, now)
    months = months_between(today - LOW_SCORE_WINDOW, today)
    tickets = await asyncio.to_thread(load_tickets, desk.store.data_dir, hot, months)
    open_complaints, low = unhappy_customers([t for t in tickets if t.store_id == store.id], now)
    return plan(store, list(desk.store.all_customers()), open_complaints, low)


async def sweep_greetings(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start today's campaigns when their time comes; resume any a restart interrupted."""
    desk = desk_of(context)
    now = desk.clock()
    tasks = context.application.bot_data.setdefault(TASKS_KEY, {})
    for store in desk.settings.stores:
        if not store.greetings.enabled:
            continue
        local = now.astimezone(store.timezone)
        occasion = occasion_on(store, local.date())
        if occasion is None or local.time() < store.greetings.time:
            continue
        cid = campaign_id(store, occasion)
        if desk.store.campaign(cid) is not None:
            continue
        await _start(context, store, occasion, cid, now)
    for campaign in desk.store.campaigns("running"):
        task = tasks.get(campaign["id"])
        if task is None or task.done():
            # A plain task, not application.create_task: stop() awaits those, and a campaign
            # may run for many minutes; it is cancelled at shutdown and resumed at start-up.
            tasks[campaign["id"]] = asyncio.create_task(
                run_campaign(context.application, campaign["id"]),
                name=f"greetings:{campaign['id']}")


async def stop_campaigns(application: Application) -> None:
    """Cancel running senders at shutdown; their logs let the next start resume them."""
    tasks = application.bot_data.get(TASKS_KEY, {})
    for task in tasks.values():
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    tasks.clear()


async def _start(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig, occasion: Occasion,
                 cid: str, now: datetime) -> None:
    desk = desk_of(context)
    planned = await make_plan(context, store)
    desk.store.save_campaign({
        "id": cid, "store_id": store.id, "day": occasion.day.isoformat(),
        "key": occasion.key, "name": occasion.name, "custom": occasion.custom,
        "state": "running", "created_at": now.isoformat(), "recipients": planned.recipients,
        "skipped": planned.skipped, "reported": 0,
    })
    names = {reason: [(c.name if (c := desk.store.customer(uid)) else str(uid))
                      for uid in planned.skipped[reason]] for reason in TO_CALL}
    if any(names.values()):
        for manager in store.managers:
            t = person_translator(desk, manager, store.language)
            await send(context, manager, to_call_text(t, store, occasion, names))


def occasion_of(campaign: dict) -> Occasion:
    """The occasion a stored campaign greets."""
    return Occasion(datetime.fromisoformat(campaign["day"]).date(), campaign["key"],
                    campaign["name"], campaign["custom"])


async def run_campaign(application: Application, cid: str) -> None:
    """Send one campaign's greetings, paced, from wherever it stopped."""
    context = _Context(application)
    desk = desk_of(context)
    campaign = desk.store.campaign(cid)
    store = desk.settings.store(campaign["store_id"]) if campaign else None
    if campaign is None or store is None or campaign["state"] != "running":
        return
    occasion = occasion_of(campaign)
    sends = SendLog(desk.store.campaign_log_path(cid))
    total = len(campaign["recipients"])
    interval = 1 / store.greetings.rate_per_second
    next_at = time.monotonic()
    try:
        for user_id in campaign["recipients"]:
            if user_id in sends.outcomes:
                continue
            next_at = max(next_at + interval, time.monotonic())
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            sends.record(user_id, await _greet(context, store, occasion, user_id, sends))
            await _progress(context, store, occasion, cid, len(sends.outcomes), total)
        campaign = desk.store.campaign(cid)
        campaign["state"] = "done"
        campaign["finished_at"] = desk.clock().isoformat()
        desk.store.save_campaign(campaign)
        if total or any(campaign["skipped"].values()):  # nothing to say about no one
            await _report(context, store, occasion, campaign, sends.counts())
    finally:
        sends.close()


async def _greet(context, store: StoreConfig, occasion: Occasion, user_id: int,
                 sends: SendLog) -> str:
    """One greeting; returns the outcome to record."""
    desk = desk_of(context)
    customer = desk.store.customer(user_id)
    if customer is None:
        return "skipped:forgotten"
    if not customer.greetings:
        return "skipped:opted_out"
    if customer.blocked:
        return "skipped:inactive"
    t = translator(desk.language_of(customer, fallback=store.language))
    text = greeting_text(t, customer.name, store, occasion)
    sends.record(user_id, "pending")  # from here on, never a second attempt after a crash
    for attempt in range(SEND_ATTEMPTS):
        try:
            await context.bot.send_message(user_id, text, parse_mode="HTML")
            return "sent"
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc))
        except Forbidden:
            customer.blocked = True  # inactive from now on
            desk.store.save_customer(customer)
            return "failed:blocked"
        except NetworkError:
            await asyncio.sleep(1 + attempt)
        except TelegramError as exc:
            log.warning("greeting %s failed: %s", user_id, exc)
            return "failed:error"
    return "failed:retries"


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def _progress(context, store: StoreConfig, occasion: Occasion, cid: str, done: int,
                    total: int) -> None:
    """Managers hear of every 10%: the step is stored first, so it is said once."""
    desk = desk_of(context)
    step = done * 10 // total if total else 10
    campaign = desk.store.campaign(cid)
    if step <= campaign["reported"] or step >= 10:
        return
    campaign["reported"] = step
    desk.store.save_campaign(campaign)
    for manager in store.managers:
        t = person_translator(desk, manager, store.language)
        await send(context, manager, progress_text(t, store, occasion, done, total))


async def _report(context, store: StoreConfig, occasion: Occasion, campaign: dict,
                  outcomes: dict[str, int]) -> None:
    desk = desk_of(context)
    for manager in store.managers:
        t = person_translator(desk, manager, store.language)
        await send(context, manager, report_text(t, store, occasion, campaign, outcomes))


class _Context:
    """What the helpers need of a CallbackContext, for a task outside any update or job."""

    def __init__(self, application: Application):
        self.application = application
        self.bot = application.bot


def register(application: Application) -> None:
    """Checked every minute; the first check at start-up resumes interrupted campaigns."""
    application.job_queue.run_repeating(
        sweep_greetings, interval=SWEEP_EVERY_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
