"""The store's staff group: ticket cards and their buttons.

Usage, as staff see it: each confirmed ticket appears as a card. The on-duty technician with
the fewest open tickets is offered it (accept / pass); with nobody on duty anyone may claim it.
The assignee records "customer contacted", then "service done" with an outcome and a one-line
service report (asked for in a reply prompt), or "can't solve here" to escalate to a manager.

Every press is checked again on the server: the press must come from the ticket's own store
group, the ticket must still be in the state the button was drawn for, and the presser must
have the right (assignee or manager) where it matters. Callback data can be forged.
"""

from __future__ import annotations

import logging

from telegram import ForceReply, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from desk import lifecycle
from desk.calendar import callback_time
from desk.config import StoreConfig
from desk.i18n import translator
from desk.lifecycle import Reason, Refused
from desk.models import (
    OUTCOME_LABELS,
    TIER_LABELS,
    TIER_REGULAR,
    TIER_VIP,
    Outcome,
    State,
    Ticket,
)
from desk.roster import pick_technician
from handlers import views
from handlers.cards import refresh_card
from handlers.common import (
    answer,
    as_int,
    desk_of,
    person_translator,
    reply,
    send,
    split_data,
)
from handlers.manager import alert_managers, tell_technician
from handlers.notices import tell_assigned, tell_customer
from handlers.refusals import invalid_button, refusal

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS
MAX_REPORT = 500

async def on_card_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a ticket card: re-check chat, ticket state and the presser's role."""
    desk = desk_of(context)
    query = update.callback_query
    user = update.effective_user
    chat_id = query.message.chat.id if query.message else 0
    store = desk.settings.store_for_group(chat_id)
    t = translator(store.language if store else desk.settings.default_language)
    fields = split_data(query.data, "t", 2) or split_data(query.data, "t", 3)
    number = as_int(fields[1]) if fields else None
    ticket = desk.store.by_number(number) if number else None
    if store is None or ticket is None or ticket.store_id != store.id:
        await answer(query, invalid_button(t), alert=True)
        return
    action, extra = fields[0], (fields[2] if len(fields) == 3 else None)
    if action in ("tier", "note"):
        await _profile_button(update, context, store, ticket, action, extra)
        return
    is_manager = store.is_manager(user.id)
    tech = store.technician(user.id)
    name = tech.name if tech else user.full_name
    now = desk.clock()
    try:
        if action == "claim" and extra is None:
            lifecycle.claim(ticket, user.id, name, now)
        elif action == "accept" and extra is None:
            lifecycle.accept(ticket, user.id, now)
        elif action == "pass" and extra is None:
            next_tech = pick_technician(store, desk.store.open_load(store.id), now,
                                        exclude=[*ticket.passed_by, user.id])
            lifecycle.pass_on(ticket, user.id, now, next_tech)
        elif action == "contact" and extra is None:
            lifecycle.mark_contacted(ticket, user.id, is_manager, now)
        elif action == "noans" and extra is None:
            lifecycle.no_answer(ticket, user.id, is_manager, now,
                                now + store.promises.retry_after)
        elif action in ("done", "back") and extra is None:
            _require_service_owner(ticket, user.id, is_manager)
            await answer(query)
            keyboard = (views.outcome_keyboard(t, ticket) if action == "done"
                        else views.card_keyboard(t, ticket))
            await _set_keyboard(context, store, ticket, keyboard)
            return
        elif action == "out" and extra in {o.value for o in Outcome}:
            lifecycle.choose_outcome(ticket, user.id, is_manager, Outcome(extra), now)
        elif action == "esc" and extra is None:
            lifecycle.escalate(ticket, user.id, is_manager, now)
        else:
            await answer(query, invalid_button(t), alert=True)
            return
    except Refused as refused:
        await answer(query, refusal(t, refused.reason, ticket), alert=True)
        return
    desk.store.save(ticket)
    await answer(query)
    await refresh_card(context, ticket)
    await _after(context, action, ticket, store, user.id, name)


async def _profile_button(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          store: StoreConfig, ticket: Ticket, action: str,
                          extra: str | None) -> None:
    """Grade the customer or start a note: any member of the store's staff group may."""
    desk = desk_of(context)
    query = update.callback_query
    user = update.effective_user
    t = translator(store.language)
    customer = desk.store.customer(ticket.customer_id)
    valid = (action == "tier" and extra in (TIER_REGULAR, TIER_VIP)) or (
        action == "note" and extra is None)
    if customer is None or not valid or not ticket.is_active:
        await answer(query, invalid_button(t), alert=True)
        return
    if action == "tier":
        customer.tier = None if customer.tier == extra else extra
        desk.store.save_customer(customer)
        label = t.gettext(TIER_LABELS[extra])
        await answer(query, (t.gettext("Now marked: {tier}") if customer.tier else
                             t.gettext("No longer marked: {tier}")).format(tier=label))
        await refresh_card(context, ticket)
        return
    await answer(query)
    tech = store.technician(user.id)
    prompt = await send(context, store.staff_chat_id, views.note_prompt(
        t, ticket, user.id, tech.name if tech else user.full_name),
        reply_markup=ForceReply(selective=True))
    if prompt is not None:
        ticket.note_prompt_id = prompt.message_id
        desk.store.save(ticket)


def _require_service_owner(ticket: Ticket, actor: int, is_manager: bool) -> None:
    if ticket.state is not State.CONTACTED or ticket.pending_outcome is not None:
        raise Refused(Reason.STALE)
    if not (is_manager or ticket.assignee_id == actor):
        raise Refused(Reason.NOT_YOURS)


async def _set_keyboard(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig, ticket: Ticket,
                        keyboard) -> None:
    try:
        await context.bot.edit_message_reply_markup(
            chat_id=store.staff_chat_id, message_id=ticket.card_message_id,
            reply_markup=keyboard)
    except Exception as exc:
        log.info("could not change the keyboard of card #%s: %s", ticket.number, exc)


async def _after(context: ContextTypes.DEFAULT_TYPE, action: str, ticket: Ticket,
                 store: StoreConfig, actor: int, actor_name: str) -> None:
    """Tell whoever a step concerns: the customer, the next technician, the managers."""
    desk = desk_of(context)
    number = ticket.number
    if action in ("claim", "accept"):
        await tell_assigned(context, ticket)
    elif action == "pass" and ticket.state is State.OFFERED:
        await tell_technician(context, ticket, store)
    elif action == "noans":
        await tell_customer(context, ticket, lambda t: t.gettext(
            "Our technician just tried to call you about ticket #{number} but could not get "
            "through, and will call again later.").format(number=number))
    elif action == "contact":
        await tell_customer(context, ticket, lambda t: t.gettext(
            "Our technician has been in touch with you about ticket #{number}. Anything to add? "
            "Just write it here.").format(number=number))
    elif action == "out":
        t = person_translator(desk, actor, store.language)
        prompt = await send(context, store.staff_chat_id,
                            views.report_prompt(t, ticket, actor, actor_name),
                            reply_markup=ForceReply(selective=True))
        current = desk.store.by_key(ticket.key)
        if prompt is not None and current is not None:
            current.report_prompt_id = prompt.message_id
            desk.store.save(current)
    elif action == "esc":
        await alert_managers(context, ticket, store)


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to a report prompt: the one-line service report that finishes the service."""
    desk = desk_of(context)
    message = update.effective_message
    store = desk.settings.store_for_group(message.chat.id)
    if store is None or message.reply_to_message is None:
        return
    prompt_id = message.reply_to_message.message_id
    open_tickets = desk.store.open_tickets(store.id)
    noted = next((tk for tk in open_tickets if tk.note_prompt_id == prompt_id), None)
    if noted is not None:
        await _record_note(update, context, store, noted)
        return
    ticket = next((tk for tk in open_tickets if tk.report_prompt_id == prompt_id), None)
    if ticket is None:
        return  # an ordinary conversation among staff
    t = translator(store.language)
    user = update.effective_user
    report = " ".join((message.text or "").split())
    if not report or len(report) > MAX_REPORT:
        await reply(update, context, t.gettext(
            "Please reply with a single line of at most {limit} characters.").format(
                limit=MAX_REPORT))
        return
    now = desk.clock()
    try:
        lifecycle.finish(ticket, user.id, store.is_manager(user.id), report, now,
                         callback_time(store, now))
    except Refused as refused:
        await reply(update, context, refusal(t, refused.reason, ticket))
        return
    desk.store.save(ticket)
    customer = desk.store.customer(ticket.customer_id)
    if customer is not None:  # counts towards becoming a regular
        customer.completed += 1
        desk.store.save_customer(customer)
    await refresh_card(context, ticket)
    outcome = ticket.outcome
    await tell_customer(context, ticket, lambda tc: tc.gettext(
        "The service for your ticket #{number} is done. Outcome: {outcome}. Thank you for "
        "your patience!").format(number=ticket.number,
                                 outcome=tc.gettext(OUTCOME_LABELS[outcome])))


async def _record_note(update: Update, context: ContextTypes.DEFAULT_TYPE, store: StoreConfig,
                       ticket: Ticket) -> None:
    """A staff note on the customer (seed 004: preferences the hotel remembered)."""
    desk = desk_of(context)
    t = translator(store.language)
    text = " ".join((update.effective_message.text or "").split())
    customer = desk.store.customer(ticket.customer_id)
    if not text or len(text) > MAX_REPORT or customer is None:
        await reply(update, context, t.gettext(
            "Please reply with a single line of at most {limit} characters.").format(
                limit=MAX_REPORT))
        return
    user = update.effective_user
    customer.notes.append({"at": desk.clock().isoformat(), "by": user.id,
                           "by_name": user.full_name, "text": text})
    desk.store.save_customer(customer)
    ticket.note_prompt_id = None
    desk.store.save(ticket)
    await refresh_card(context, ticket)
    await reply(update, context, t.gettext("Noted on the customer's profile."))


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot joined or left a group: greet a store's group, explain an unknown one."""
    desk = desk_of(context)
    change = update.my_chat_member
    chat = change.chat
    if chat.type not in ("group", "supergroup"):
        return
    store = desk.settings.store_for_group(chat.id)
    status = change.new_chat_member.status
    t = translator(store.language if store else desk.settings.default_language)
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        if store is not None:
            log.error("the bot was removed from the staff group of store %s", store.id)
            for manager in store.managers:
                tm = person_translator(desk, manager, store.language)
                await send(context, manager, tm.gettext(
                    "⚠️ I was removed from the staff group of {store}. New tickets cannot reach "
                    "the staff until I am added back.").format(store=store.name))
        return
    if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        if store is not None:
            await send(context, chat.id, t.gettext(
                "Hello! New tickets of {store} will appear here as cards.").format(
                    store=store.name))
        else:
            await send(context, chat.id, t.gettext(
                "This group is not the staff group of any store yet. Its chat id is {chat_id}: "
                "put it in the config as staff_chat_id.").format(chat_id=chat.id))


async def on_group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Customer commands belong in a private chat; say so in a store's group."""
    desk = desk_of(context)
    store = desk.settings.store_for_group(update.effective_chat.id)
    if store is None:
        return
    t = translator(store.language)
    await reply(update, context, t.gettext(
        "This is the staff group of {store}: tickets appear here as cards. Customers write to "
        "me in a private chat.").format(store=store.name))


def register(application: Application) -> None:
    """Staff handlers: card buttons, report replies, group membership, stray commands."""
    application.add_handler(CallbackQueryHandler(on_card_button, pattern=r"^t:"))
    application.add_handler(MessageHandler(
        GROUPS & filters.UpdateType.MESSAGE & filters.REPLY & filters.TEXT & ~filters.COMMAND,
        on_report))
    application.add_handler(CommandHandler(
        ["start", "help", "mytickets", "cancel", "language"], on_group_command, filters=GROUPS))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
