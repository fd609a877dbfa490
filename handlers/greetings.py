"""Greetings as people read them, and the managers' /greetings preview and cancel.

The greeting is personal (by name), in the customer's language, and signed by their store.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from desk.calendar import local_day
from desk.config import StoreConfig
from desk.greetings import TO_CALL, Occasion, next_occasion
from desk.i18n import LANGUAGE_NAMES, N_, Translator, translator
from handlers.common import managers_only, reply
from handlers.refusals import ONLY_MANAGERS

TASKS_KEY = "greeting-campaigns"
SAMPLE_NAME = N_("Ms Zhang")  # whose name the preview greets


def occasion_name(t: Translator, occasion: Occasion) -> str:
    return occasion.name if occasion.custom else t.gettext(occasion.name)


def greeting_text(t: Translator, name: str, store: StoreConfig, occasion: Occasion) -> str:
    return t.gettext(
        "{name}, happy {occasion}! Thank you for your trust in {store} all along; we wish you "
        "and your family all the best.\n— {store}").format(
            name=escape(name), occasion=escape(occasion_name(t, occasion)),
            store=escape(store.name))


def to_call_text(t: Translator, store: StoreConfig, occasion: Occasion,
                 names: dict[str, list[str]]) -> str:
    _ = t.gettext
    lines = [_("📞 {store}, {occasion}: these regulars get no greeting today because of an "
               "open complaint or a recent low score. Please call them instead:").format(
                   store=escape(store.name), occasion=escape(occasion_name(t, occasion)))]
    labels = {"open_complaint": _("open complaint"), "low_score": _("low score in 30 days")}
    for reason in TO_CALL:
        for name in names.get(reason, []):
            lines.append(f"  · {escape(name)} ({labels[reason]})")
    return "\n".join(lines)


def progress_text(t: Translator, store: StoreConfig, occasion: Occasion, done: int,
                  total: int) -> str:
    percent = done * 100 // total if total else 100
    return t.gettext("✉️ {store}, {occasion} greetings: {percent}% ({done}/{total})").format(
        store=escape(store.name), occasion=escape(occasion_name(t, occasion)),
        percent=percent, done=done, total=total)


def report_text(t: Translator, store: StoreConfig, occasion: Occasion, campaign: dict,
                outcomes: dict[str, int]) -> str:
    _ = t.gettext
    skipped = campaign["skipped"]
    failed = sum(n for o, n in outcomes.items() if o.startswith("failed"))
    lines = [
        (_("✅ {store}, {occasion} greetings finished.") if campaign["state"] == "done"
         else _("⏹ {store}, {occasion} greetings cancelled.")).format(
            store=escape(store.name), occasion=escape(occasion_name(t, occasion))),
        _("Sent: {count}").format(count=outcomes.get("sent", 0)),
        _("Skipped: opted out {opted_out} · inactive {inactive} · open complaint {open} · low "
          "score {low} · gone since planning {gone}").format(
            opted_out=len(skipped["opted_out"]), inactive=len(skipped["inactive"]),
            open=len(skipped["open_complaint"]), low=len(skipped["low_score"]),
            gone=sum(n for o, n in outcomes.items() if o.startswith("skipped"))),
        _("Failed: {count} (blocked the bot: {blocked})").format(
            count=failed, blocked=outcomes.get("failed:blocked", 0)),
    ]
    if outcomes.get("pending"):
        lines.append(_("Unconfirmed (a restart interrupted the send): {count}").format(
            count=outcomes["pending"]))
    return "\n".join(lines)


async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/greetings preview: the next greeted day, the text in each language, who would get it."""
    from schedules.greetings import make_plan  # the schedule owns planning

    asker = await managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    desk, t, stores = asker
    for store in stores:
        occasion = next_occasion(store, local_day(store, desk.clock()))
        if occasion is None or not store.greetings.enabled:
            await reply(update, context, t.gettext("{store}: no greetings planned.").format(
                store=store.name))
            continue
        plan = await make_plan(context, store)

        lines = [t.gettext("{store}: next greeting {date}, {occasion}.").format(
            store=escape(store.name), date=t.date(occasion.day),
            occasion=escape(occasion_name(t, occasion))),
            t.gettext("Recipients: {count} · skipped: {skipped}").format(
                count=len(plan.recipients),
                skipped=sum(len(v) for v in plan.skipped.values()))]
        for code, language in LANGUAGE_NAMES.items():
            tl = translator(code)
            lines += ["", f"<b>{language}</b>",
                      greeting_text(tl, tl.gettext(SAMPLE_NAME), store, occasion)]
        await reply(update, context, "\n".join(lines))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/greetings cancel: stop the store's running campaign; what was sent stays sent."""
    asker = await managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    desk, t, stores = asker
    managed = {s.id for s in stores}
    running = [c for c in desk.store.campaigns("running") if c["store_id"] in managed]
    if not running:
        await reply(update, context, t.gettext("No greetings are being sent right now."))
        return
    from desk.greetings import SendLog
    from schedules.greetings import occasion_of

    tasks = context.application.bot_data.setdefault(TASKS_KEY, {})
    for campaign in running:
        campaign["state"] = "cancelled"
        desk.store.save_campaign(campaign)  # durable first: a restart must not resume it
        task = tasks.pop(campaign["id"], None)
        if task is not None:
            task.cancel()
        sends = SendLog(desk.store.campaign_log_path(campaign["id"]))
        sends.close()
        store = desk.store_config(campaign["store_id"])
        await reply(update, context, report_text(t, store, occasion_of(campaign), campaign,
                                                 sends.counts()))
