"""Managers, in their private chat with the bot: escalations and reassignment.

Usage, as a manager sees it: when staff press "can't solve here" every manager of the store is
alerted at once (当即向专职经理取得联系). The alert offers the latest reply times the policy
allows (最迟答复时间; never typed freely) and "hand to a technician". The customer is told the
promised time. Only the store's configured managers may press these buttons.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from desk import lifecycle
from desk.config import StoreConfig
from desk.i18n import translator
from desk.lifecycle import Reason, Refused
from desk.models import State, Ticket
from desk.promises import reply_options
from handlers import views
from handlers.cards import refresh_card
from handlers.common import (
    answer,
    as_int,
    desk_of,
    edit,
    person_translator,
    send,
    split_data,
    user_translator,
)
from handlers.notices import tell_assigned, tell_customer
from handlers.refusals import invalid_button, refusal

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


def register(application: Application) -> None:
    """Manager handlers: escalation and reassignment buttons."""
    application.add_handler(CallbackQueryHandler(on_manager_button, pattern=r"^m:"))
