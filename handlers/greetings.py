"""Managers' /greetings preview and /greetings cancel.

    /greetings preview   the next greeted day, the text in every language, who would get it
    /greetings cancel    stop the store's running campaign; what was sent stays sent
"""

from __future__ import annotations

from html import escape

from telegram import Update

from desk.calendar import local_day
from desk.greetings import next_occasion
from desk.i18n import LANGUAGE_NAMES, translator
from handlers.common import managers_only, reply
from outbox import campaigns
from outbox.context import DeskContext
from outbox.greetings import SAMPLE_NAME, greeting_text, occasion_name, report_text
from outbox.refusals import ONLY_MANAGERS


async def preview(update: Update, context: DeskContext) -> None:
    """/greetings preview: the next greeted day, the text in each language, who would get it."""
    asker = managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    t, stores = asker
    desk = context.desk
    for store in stores:
        occasion = next_occasion(store, local_day(store, desk.clock()))
        if occasion is None or not store.greetings.enabled:
            reply(update, context, t.gettext("{store}: no greetings planned.").format(
                store=escape(store.name)), kind="greetings_preview")
            continue
        plan = await campaigns.make_plan(context.application, store)
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
        reply(update, context, "\n".join(lines), kind="greetings_preview")


async def cancel(update: Update, context: DeskContext) -> None:
    """/greetings cancel: stop the store's running campaign; what was sent stays sent."""
    asker = managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    t, stores = asker
    desk = context.desk
    managed = {s.id for s in stores}
    running = [c for c in desk.db.campaigns("running") if c["store_id"] in managed]
    if not running:
        reply(update, context, t.gettext("No greetings are being sent right now."),
              kind="greetings_cancel")
        return
    for campaign in running:
        outcomes = await campaigns.cancel(context.application, campaign)
        store = desk.display_store(campaign["store_id"])
        reply(update, context, report_text(t, store, campaigns.occasion_of(campaign), campaign,
                                           outcomes), kind="greetings_cancel")
