"""Managers, in their private chat with the bot: escalations and reassignment.

Usage, as a manager sees it: when staff press "can't solve here" every manager of the store is
alerted at once (当即向专职经理取得联系). The alert offers the latest reply times the policy
allows (最迟答复时间; never typed freely) and "hand to a technician". The customer is told the
promised time. Only the store's configured managers may press these buttons.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from desk import lifecycle
from desk.calendar import local_day
from desk.config import StoreConfig
from desk.export import to_csv
from desk.i18n import N_, translator
from desk.lifecycle import Reason, Refused
from desk.models import State, Ticket
from desk.promises import reply_options
from desk.storage import load_tickets, months_between
from handlers import views
from handlers.cards import refresh_card
from handlers.common import (
    answer,
    as_int,
    desk_of,
    edit,
    managers_only,
    person_translator,
    reply,
    send,
    split_data,
    user_translator,
)
from handlers.digests import build, deliver
from handlers.notices import tell_assigned, tell_customer
from handlers.refusals import ONLY_MANAGERS, invalid_button, refusal

log = logging.getLogger(__name__)



def escalated_at(ticket: Ticket) -> datetime:
    """When the ticket was last escalated: the reply options are computed from then."""
    moment = next((e.at for e in reversed(ticket.events) if e.action == "escalated"), None)
    return datetime.fromisoformat(moment or ticket.created_at)


async def alert_managers(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket,
                         store: StoreConfig) -> None:
    """Alert every manager of the store in private; say in the group if one cannot be reached."""
    desk = desk_of(context)
    customer = desk.store.customer(ticket.customer_id)
    phone = customer.phone if customer else None
    options = reply_options(store, escalated_at(ticket))
    unreachable = []
    for manager in store.managers:
        t = person_translator(desk, manager, store.language)
        sent = await send(context, manager, views.escalation_alert(t, ticket, store, phone),
                          reply_markup=views.reply_time_keyboard(t, ticket, store, options))
        if sent is None:
            unreachable.append(manager)
    if unreachable:
        t = translator(store.language)
        await send(context, store.staff_chat_id, t.gettext(
            "⚠️ I could not reach manager {ids} in private about ticket #{number}: a manager "
            "must first open a private chat with me and press Start.").format(
                ids=", ".join(str(m) for m in unreachable), number=ticket.number))


async def tell_technician(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket,
                          store: StoreConfig) -> None:
    """A privately sent nudge: an edited card does not notify the person it now mentions."""
    if ticket.assignee_id is None:
        return
    t = person_translator(desk_of(context), ticket.assignee_id, store.language)
    await send(context, ticket.assignee_id, t.gettext(
        "Ticket #{number} of {store} is now yours; please see its card in the staff group.")
        .format(number=ticket.number, store=store.name))


async def on_manager_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A manager's press: re-check that they manage the ticket's store and its state."""
    desk = desk_of(context)
    query = update.callback_query
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    fields = split_data(query.data, "m", 2) or split_data(query.data, "m", 3)
    number = as_int(fields[1]) if fields else None
    ticket = desk.store.by_number(number) if number else None
    store = desk.settings.store(ticket.store_id) if ticket else None
    private = query.message is not None and query.message.chat.type == "private"
    if ticket is None or store is None or not private:
        await answer(query, invalid_button(t), alert=True)
        return
    if not store.is_manager(user.id):
        await answer(query, refusal(t, Reason.MANAGERS_ONLY), alert=True)
        return
    action, extra = fields[0], (fields[2] if len(fields) == 3 else None)
    now = desk.clock()
    keyboard = None
    if action == "pick" and extra is None and ticket.is_active:
        await answer(query)
        await context.bot.edit_message_reply_markup(
            chat_id=query.message.chat.id, message_id=query.message.message_id,
            reply_markup=views.technician_keyboard(ticket, store))
        return
    try:
        if action == "reply" and extra is not None and extra.isdigit():
            options = reply_options(store, escalated_at(ticket))
            index = int(extra)
            if index >= len(options):
                raise Refused(Reason.STALE)
            lifecycle.promise_reply(ticket, user.id, options[index], now)
            done_text = t.gettext("Done: the customer was promised an answer by {time}.").format(
                time=t.datetime(options[index], store.timezone))
            keyboard = views.answered_keyboard(t, ticket)
        elif action == "answered" and extra is None:
            lifecycle.manager_answered(ticket, user.id, user.full_name, now)
            done_text = t.gettext("Noted: you have answered the customer of ticket #{number}."
                                  ).format(number=ticket.number)
        elif action == "assign" and extra is not None and extra.isdigit():
            tech = store.technician(int(extra))
            if tech is None:
                raise Refused(Reason.NOT_ON_ROSTER)
            lifecycle.reassign(ticket, user.id, tech, now)
            keyboard = None
            done_text = t.gettext("Done: ticket #{number} is now with {name}.").format(
                number=ticket.number, name=tech.name)
        else:
            await answer(query, invalid_button(t), alert=True)
            return
    except Refused as refused:
        await answer(query, refusal(t, refused.reason, ticket), alert=True)
        return
    desk.store.save(ticket)
    await answer(query)
    await edit(context, query.message.chat.id, query.message.message_id, done_text,
               reply_markup=keyboard)
    await refresh_card(context, ticket)
    if action == "answered":
        return
    if ticket.state is State.ESCALATED:
        reply_by = datetime.fromisoformat(ticket.reply_by)
        await tell_customer(context, ticket, lambda tc: tc.gettext(
            "Your ticket #{number} needs the support of the store's manager, and we contacted "
            "them at once. You will get an answer by {time} at the latest.").format(
                number=ticket.number, time=tc.datetime(reply_by, store.timezone)))
    else:
        await tell_assigned(context, ticket)
        await tell_technician(context, ticket, store)




# -- records: digest on demand, served counts, exports, fed-back marks ---------------------------


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _managed_store(desk, user_id: int, args: list[str]) -> tuple[StoreConfig | None, list[str]]:
    """The store named first in ``args`` (if the user manages it), else their only store."""
    managed = desk.settings.stores_managed_by(user_id)
    if args and (named := desk.settings.store(args[0])) is not None:
        return (named if named in managed else None), args[1:]
    return (managed[0] if len(managed) == 1 else None), args


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest [store] [YYYY-MM-DD]: the digest of any past day, for managers only."""
    asker = await managers_only(update, context, N_("Sorry, digests are for the store's managers."))
    if asker is None:
        return
    desk, t, _stores = asker
    user = update.effective_user
    store, rest = _managed_store(desk, user.id, list(context.args or []))
    if store is None:
        ids = ", ".join(s.id for s in desk.settings.stores_managed_by(user.id))
        await reply(update, context, t.gettext(
            "Which store? Usage: /digest STORE [YYYY-MM-DD]; your stores: {stores}").format(
                stores=ids))
        return
    today = local_day(store, desk.clock())
    day = _parse_day(rest[0]) if rest else today
    if day is None or day > today or len(rest) > 1:
        await reply(update, context, t.gettext(
            "Please give a past date as YYYY-MM-DD, e.g. /digest {store} {date}.").format(
                store=store.id, date=today.isoformat()))
        return
    digest = await build(context, store, day)
    await deliver(context, user.id, store, digest)


async def served_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/served <count> [store] [YYYY-MM-DD]: customers served, for the complaint rate."""
    asker = await managers_only(update, context, ONLY_MANAGERS)
    if asker is None:
        return
    desk, t, _stores = asker
    user = update.effective_user
    args = list(context.args or [])
    count = int(args[0]) if args and args[0].isdigit() and len(args[0]) < 7 else None
    store, rest = _managed_store(desk, user.id, args[1:])
    day = _parse_day(rest[0]) if rest else (local_day(store, desk.clock()) if store else None)
    if count is None or store is None or day is None or len(rest) > 1:
        await reply(update, context, t.gettext(
            "Usage: /served COUNT [STORE] [YYYY-MM-DD], e.g. /served 180"))
        return
    desk.store.set_served(store.id, day, count, user.id, desk.clock())
    await reply(update, context, t.gettext("Noted: {store} served {count} customers on {date}."
                                           ).format(store=store.name, count=count,
                                                    date=t.date(day)))


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [from] [to]: the managed stores' tickets with audit trail, as CSV."""
    asker = await managers_only(update, context, N_("Sorry, exports are for the store's managers."))
    if asker is None:
        return
    desk, t, stores = asker
    user = update.effective_user
    args = list(context.args or [])
    today = local_day(stores[0], desk.clock())
    days = [_parse_day(a) for a in args]
    if len(args) > 2 or None in days:
        await reply(update, context, t.gettext(
            "Usage: /export [YYYY-MM-DD] [YYYY-MM-DD]; without dates, the last 30 days."))
        return
    first = days[0] if days else today - timedelta(days=29)
    last = days[1] if len(days) == 2 else today
    if first > last:
        first, last = last, first
    hot = desk.store.hot_snapshot()
    store_ids = {s.id for s in stores}

    def select() -> list:
        return [tk for tk in load_tickets(desk.store.data_dir, hot, months_between(first, last))
                if tk.store_id in store_ids and tk.confirmed_at
                and first <= local_day(desk.store_config(tk.store_id),
                                       datetime.fromisoformat(tk.confirmed_at)) <= last]

    tickets = await asyncio.to_thread(select)
    # Phones come from the customer profiles, read here on the loop's thread.
    phones = {}
    for ticket in tickets:
        if ticket.customer_id not in phones:
            profile = desk.store.customer(ticket.customer_id)
            phones[ticket.customer_id] = profile.phone if profile else None
    data = await asyncio.to_thread(to_csv, tickets, phones)
    count = len(tickets)
    name = f"sundown-{first.isoformat()}-{last.isoformat()}.csv"
    try:
        await context.bot.send_document(
            user.id, InputFile(data, filename=name),
            caption=t.gettext("{count} tickets, {first} to {last}").format(
                count=count, first=t.date(first), last=t.date(last)))
    except TelegramError as exc:
        log.warning("sending an export to %s failed: %s", user.id, exc)


async def on_fed_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark a recurring issue as fed back to design, production and operations."""
    desk = desk_of(context)
    query = update.callback_query
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    fields = (query.data or "").split(":")
    store = desk.settings.store(fields[2]) if len(fields) == 4 else None
    if store is None:
        await answer(query, invalid_button(t), alert=True)
        return
    if not store.is_manager(user.id):
        await answer(query, refusal(t, Reason.MANAGERS_ONLY), alert=True)
        return
    digest = await build(context, store, local_day(store, desk.clock()))
    item = next((r for r in digest.recurring if r.token == fields[3]), None)
    if item is None:
        await answer(query, invalid_button(t), alert=True)
        return
    desk.store.mark_fed_back(store.id, item.key, item.label, user.id, desk.clock())
    await answer(query, t.gettext("Marked as fed back: {label}").format(label=item.label))
    markup = query.message.reply_markup if query.message else None
    if markup is not None:
        rows = [row for row in markup.inline_keyboard
                if all(b.callback_data != query.data for b in row)]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError as exc:
            log.info("could not update the digest's buttons: %s", exc)


def register(application: Application) -> None:
    """Manager handlers: escalation buttons, digest on demand, served counts, exports."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CallbackQueryHandler(on_manager_button, pattern=r"^m:"))
    application.add_handler(CallbackQueryHandler(on_fed_back, pattern=r"^d:fed:"))
    application.add_handler(CommandHandler("digest", digest_command, filters=private))
    application.add_handler(CommandHandler("served", served_command, filters=private))
    application.add_handler(CommandHandler("export", export_command, filters=private))
