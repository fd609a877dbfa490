"""Managers, in their private chat with the bot: escalations, reassignment, and records.

Usage, as a manager sees it: when staff press "can't solve here" every manager of the store is
alerted at once (当即向专职经理取得联系). The alert offers the latest reply times the policy
allows (最迟答复时间; never typed freely) and "hand to a technician". The customer is told the
promised time. Only the store's configured managers may press these buttons.

    /digest [store] [YYYY-MM-DD]       the digest of any past day
    /served COUNT [store] [YYYY-MM-DD] customers served, for the complaint rate
    /export [from] [to]                the managed stores' tickets as CSV
    /desk                              the managers' desk, a Mini App (webapp_url)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from desk import lifecycle, policy
from desk.buttons import Action, Press, decode
from desk.calendar import local_day, parse_day
from desk.config import StoreConfig
from desk.export import EXPORT_DAYS, export_csv, export_filename
from desk.i18n import N_, Translator
from desk.lifecycle import Reason, Refused
from desk.models import Ticket
from desk.outgoing import Method, Priority
from desk.storage import Transaction
from handlers.common import (
    display_name,
    managers_only,
    remember_user,
    reply,
    user_translator,
)
from outbox import decisions, views
from outbox.context import DESK_KEY, DeskContext
from outbox.digests import build, charts, queue_digest, reader_languages
from outbox.post import new_id
from outbox.refusals import ONLY_MANAGERS, invalid_button, refusal

log = logging.getLogger(__name__)

class Invalid(Exception):
    """Data we never drew, or a press outside a manager's private chat."""


@dataclass
class ManagerPress:
    context: DeskContext
    tx: Transaction
    press: Press
    ticket: Ticket
    store: StoreConfig
    user_id: int
    user_name: str
    chat_id: int
    message_id: int
    now: datetime
    t: Translator
    card: bool = True  # whether the ticket's card shows a change

    @property
    def outbox(self):
        return self.context.outbox


def _pick(p: ManagerPress) -> None:
    if not p.ticket.is_active:
        raise Refused(Reason.STALE)
    if not policy.may_handle(p.ticket, p.user_id):
        raise Refused(Reason.ABOUT_YOU)
    p.outbox.keyboard(p.tx, p.chat_id, p.message_id, views.technician_keyboard(p.ticket, p.store),
                      kind="technician_choice")
    p.card = False


def _reply_by(p: ManagerPress) -> None:
    when = decisions.promise_reply(p.outbox, p.tx, p.ticket, p.store, p.user_id,
                                   p.press.args[1], p.now)
    p.outbox.edit(p.tx, p.chat_id, p.message_id, p.t.gettext(
        "Done: the customer was promised an answer by {time}.").format(
            time=p.t.when(when, p.store.timezone, p.now)), kind="reply_promised",
        markup=views.answered_keyboard(p.t, p.ticket))


def _answered(p: ManagerPress) -> None:
    lifecycle.manager_answered(p.ticket, p.user_id, p.user_name, p.now)
    p.outbox.edit(p.tx, p.chat_id, p.message_id, p.t.gettext(
        "Noted: you have answered the customer of ticket #{number}.").format(
            number=p.ticket.number), kind="manager_answered")


def _assign(p: ManagerPress) -> None:
    tech = decisions.hand_to(p.outbox, p.tx, p.ticket, p.store, p.user_id, p.press.args[1],
                             p.now)
    p.outbox.edit(p.tx, p.chat_id, p.message_id, p.t.gettext(
        "Done: ticket #{number} is now with {name}.").format(
            number=p.ticket.number, name=escape(tech.name)), kind="reassigned")


MANAGER_STEPS: dict[Action, Callable[[ManagerPress], None]] = {
    Action.PICK_TECHNICIAN: _pick,
    Action.REPLY_BY: _reply_by,
    Action.ANSWERED: _answered,
    Action.ASSIGN: _assign,
}


async def on_manager_button(update: Update, context: DeskContext) -> None:
    """A manager's press: re-check that they manage the ticket's store and its state."""
    desk = context.desk
    query = update.callback_query
    user = update.effective_user
    t = user_translator(desk, user)
    press = decode(query.data)
    step = MANAGER_STEPS.get(press.action) if press else None
    private = query.message is not None and query.message.chat.type == "private"
    ticket = None
    try:
        if step is None or not private:
            raise Invalid
        with context.outbox.transaction() as tx:
            ticket = tx.ticket_by_number(press.number)
            store = desk.store(ticket.store_id) if ticket else None
            if ticket is None or store is None:
                raise Invalid
            if not store.is_manager(user.id):
                raise Refused(Reason.MANAGERS_ONLY)
            done = ManagerPress(context, tx, press, ticket, store, user.id, display_name(user),
                                query.message.chat.id, query.message.message_id, desk.clock(),
                                t)
            step(done)
            tx.save(ticket)
            if done.card:
                context.outbox.card(tx, ticket)
    except Refused as refused:
        shown = ticket if refused.reason is not Reason.MANAGERS_ONLY else None
        context.outbox.answer(query, refusal(t, refused.reason, shown), alert=True)
        return
    except Invalid:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    context.outbox.answer(query)


# -- records: digest on demand, served counts, exports, fed-back marks ---------------------------


def _managed_store(desk, user_id: int, args: list[str]) -> tuple[StoreConfig | None, list[str]]:
    """The store named first in ``args`` (if the user manages it), else their only store."""
    managed = desk.settings.stores_managed_by(user_id)
    if args and (named := desk.settings.store(args[0])) is not None:
        return (named if named in managed else None), args[1:]
    return (managed[0] if len(managed) == 1 else None), args


async def digest_command(update: Update, context: DeskContext) -> None:
    """/digest [store] [YYYY-MM-DD]: the digest of any past day, for managers only."""
    asker = managers_only(update, context, N_("Sorry, digests are for the store's managers."))
    if asker is None:
        return
    t, _stores = asker
    desk = context.desk
    user = update.effective_user
    store, rest = _managed_store(desk, user.id, list(context.args or []))
    if store is None:
        ids = ", ".join(s.id for s in desk.settings.stores_managed_by(user.id))
        reply(update, context, t.gettext(
            "Which store? Usage: /digest STORE [YYYY-MM-DD]; your stores: {stores}").format(
                stores=escape(ids)), kind="usage")
        return
    today = local_day(store, desk.clock())
    day = parse_day(rest[0], today) if rest else today
    if day is None or len(rest) > 1:
        reply(update, context, t.gettext(
            "Please give a past date as YYYY-MM-DD, e.g. /digest {store} {date}.").format(
                store=store.id, date=today.isoformat()), kind="usage")
        return
    digest = await build(context.application, store, day)
    pngs = await charts(context.application, store, digest,
                        reader_languages(context.outbox, store, [user.id]))
    with context.outbox.transaction() as tx:
        queue_digest(context.outbox, tx, user.id, store, digest, pngs)


async def served_command(update: Update, context: DeskContext) -> None:
    """/served COUNT [store] [YYYY-MM-DD]: customers served, for the complaint rate."""
    asker = managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    t, _stores = asker
    desk = context.desk
    user = update.effective_user
    args = list(context.args or [])
    count = int(args[0]) if args and args[0].isdigit() and len(args[0]) < 7 else None
    store, rest = _managed_store(desk, user.id, args[1:])
    today = local_day(store, desk.clock()) if store else None
    day = (parse_day(rest[0], today) if rest else today) if today else None
    if count is None or store is None or day is None or len(rest) > 1:
        reply(update, context, t.gettext(
            "Usage: /served COUNT [STORE] [YYYY-MM-DD], e.g. /served 180"), kind="usage")
        return
    desk.db.set_served(store.id, day, count, user.id, desk.clock())
    reply(update, context, t.gettext("Noted: {store} served {count} customers on {date}.").format(
        store=escape(store.name), count=count, date=t.date(day)), kind="served")


async def export_command(update: Update, context: DeskContext) -> None:
    """/export [from] [to]: the managed stores' tickets with audit trail, as CSV."""
    asker = managers_only(update, context, N_("Sorry, exports are for the store's managers."))
    if asker is None:
        return
    t, stores = asker
    desk = context.desk
    user = update.effective_user
    args = list(context.args or [])
    today = local_day(stores[0], desk.clock())
    days = [parse_day(a, today + timedelta(days=366)) for a in args]
    if len(args) > 2 or None in days:
        reply(update, context, t.gettext(
            "Usage: /export [YYYY-MM-DD] [YYYY-MM-DD]; without dates, the last 30 days."),
            kind="usage")
        return
    first = days[0] if days else today - timedelta(days=EXPORT_DAYS - 1)
    last = days[1] if len(days) == 2 else today
    if first > last:
        first, last = last, first
    tickets, data = await export_csv(desk, {s.id for s in stores}, first, last)
    name = export_filename(first, last)
    entry_id = new_id()
    path = desk.db.outbox_file(f"{entry_id}-{name}", data)
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, user.id, t.gettext("{count} tickets, {first} to {last}").format(
            count=len(tickets), first=t.date(first), last=t.date(last)), kind="export",
            priority=Priority.BULK, method=Method.DOCUMENT, file=path, filename=name)


async def on_fed_back(update: Update, context: DeskContext) -> None:
    """Mark a recurring issue as fed back to design, production and operations."""
    desk = context.desk
    query = update.callback_query
    user = update.effective_user
    t = user_translator(desk, user)
    press = decode(query.data)
    store = desk.store(str(press.args[0])) if press and press.action is Action.FED_BACK else None
    if store is None:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    if not store.is_manager(user.id):
        context.outbox.answer(query, refusal(t, Reason.MANAGERS_ONLY), alert=True)
        return
    digest = await build(context.application, store, local_day(store, desk.clock()))
    item = next((r for r in digest.recurring if r.token == press.args[1]), None)
    if item is None:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    desk.db.mark_fed_back(store.id, item.key, item.label, user.id, desk.clock())
    context.outbox.answer(query, t.gettext("Marked as fed back: {label}").format(
        label=item.label))
    markup = query.message.reply_markup if query.message else None
    if markup is not None:
        rows = [[b.to_dict() for b in row] for row in markup.inline_keyboard
                if all(b.callback_data != query.data for b in row)]
        with context.outbox.transaction() as tx:
            context.outbox.keyboard(tx, query.message.chat.id, query.message.message_id,
                                    {"inline_keyboard": rows}, kind="digest")


async def desk_command(update: Update, context: DeskContext) -> None:
    """/desk: a button that opens the managers' desk (the Mini App) inside Telegram."""
    asker = managers_only(update, context, N_("Sorry, the desk is for the store's managers."))
    if asker is None:
        return
    t, _stores = asker
    url = context.desk.settings.webapp_url
    if url is None:
        reply(update, context, t.gettext(
            "The desk is not set up yet: whoever runs the bot sets webapp_url in the config "
            "(see the README). Meanwhile /digest and /export work here."), kind="usage")
        return
    reply(update, context, t.gettext(
        "Your desk: every open ticket, a search over all of them, the trends and the export."),
        kind="desk", markup={"inline_keyboard": [[{"text": t.gettext("Open the desk"),
                                                   "web_app": {"url": url + "/"}}]]})


async def manager_start(update: Update, context: DeskContext) -> None:
    """A manager's /start and /help: what the bot does for them, not the customer greeting."""
    desk = context.desk
    user = update.effective_user
    remember_user(desk, user)
    t = user_translator(desk, user)
    stores = desk.settings.stores_managed_by(user.id)
    reply(update, context, t.gettext(
        "Hello {name}! You manage {stores}. I alert you here at once when a ticket needs you, "
        "and send the daily digest every evening.\n\n"
        "/digest [store] [YYYY-MM-DD]: the digest of any day\n"
        "/served COUNT [store] [YYYY-MM-DD]: customers served, for the complaint rate\n"
        "/export [from] [to]: every ticket as a spreadsheet (CSV)\n"
        "/greetings preview or /greetings cancel: holiday greetings\n"
        "/desk: every ticket, search, trends and export in one page\n\n"
        "To answer a customer yourself, reply to my message about their ticket.").format(
            name=escape(display_name(user)),
            stores=escape("、".join(s.name for s in stores) if t.language.startswith("zh")
                          else ", ".join(s.name for s in stores))), kind="manager_help")


def register(application: Application) -> None:
    """Manager handlers: escalation buttons, digest on demand, served counts, exports.

    The digest, the export and the fed-back mark read months of history in a worker: they run
    beside the update queue (block=False), so nobody else waits for them.
    """
    private = filters.ChatType.PRIVATE
    managers = {m for store in application.bot_data[DESK_KEY].settings.stores
                for m in store.managers}
    if managers:  # a deep link (/start s_hq) still reaches the customer's flow
        application.add_handler(CommandHandler(
            "start", manager_start, filters=private & filters.User(user_id=managers),
            has_args=False))
        application.add_handler(CommandHandler(
            "help", manager_start, filters=private & filters.User(user_id=managers)))
    application.add_handler(CallbackQueryHandler(on_manager_button, pattern=r"^m:"))
    application.add_handler(CallbackQueryHandler(on_fed_back, pattern=r"^d:fed:", block=False))
    application.add_handler(CommandHandler("digest", digest_command, filters=private,
                                           block=False))
    application.add_handler(CommandHandler("served", served_command, filters=private))
    application.add_handler(CommandHandler("desk", desk_command, filters=private))
    application.add_handler(CommandHandler("export", export_command, filters=private,
                                           block=False))
