"""Staff and managers write to a ticket's customer by replying to the bot's messages about it.

Usage, as staff see it: reply (Telegram's reply) to a ticket's card, or to anything the bot
posted under it, with text, a photo, a voice message, a video or a file. The bot checks it
against the store's forbidden phrases (SOP section 4), passes it to the customer signed with the
store's name (and yours, from the roster), and confirms under your message. A manager does the
same in private, replying to the alert about a ticket.

The ticket is found only from the record the sender wrote when it delivered the replied-to
message (``Database.routed``: chat and message id -> ticket), never from the message's words:
names shown in it (a customer's, a store's, a staff member's) may hold anything, ``#1`` too.
It is then checked again as it is now: its store, its state, the writer's role, whether its
customer can be reached. A reply to a message of ours with no record is refused politely.
"""

from __future__ import annotations

from html import escape

from telegram import Message, Update
from telegram.ext import Application, MessageHandler, filters

from desk import guard
from desk.config import StoreConfig
from desk.i18n import Translator, translator
from desk.models import Ticket
from desk.text import visible
from handlers import customer
from handlers.common import display_name, media_of
from outbox.context import DESK_KEY, DeskContext
from outbox.relay import RELAYED, say_to_customer

MAX_TEXT = 4096


def _is_ours(context: DeskContext, message: Message | None) -> bool:
    return (message is not None and message.from_user is not None
            and message.from_user.id == context.bot.id)


def from_group(update: Update, context: DeskContext, store: StoreConfig) -> None:
    """A reply in a store's group that is no answer to a prompt: to the customer, if it
    replies to a message of ours about a ticket; staff talking among themselves otherwise."""
    message = update.effective_message
    replied = message.reply_to_message
    if not _is_ours(context, replied):
        return
    t = translator(store.language)
    ticket = context.desk.db.routed(message.chat.id, replied.message_id)
    if ticket is None:
        _tell(context, message, _unrouted(t))
        return
    _relay(update, context, store, ticket, "staff", t)


async def from_manager(update: Update, context: DeskContext) -> None:
    """A manager's reply, in private, to an alert about a ticket: to that ticket's customer."""
    desk = context.desk
    message = update.effective_message
    user = update.effective_user
    replied = message.reply_to_message
    ours = _is_ours(context, replied)
    ticket = desk.db.routed(message.chat.id, replied.message_id) if ours else None
    if ticket is None and (not ours or desk.db.active_for(user.id) is not None
                           or desk.db.draft_for(user.id) is not None):
        # A manager may be a customer too: their own complaint's conversation goes on.
        await customer.on_message(update, context)
        return
    t = translator(desk.person_language(user.id, desk.settings.default_language))
    if ticket is None:
        _tell(context, message, _unrouted(t))
        return
    store = desk.store(ticket.store_id)
    if store is None or not store.is_manager(user.id):
        _tell(context, message, _closed(t, ticket.number))
        return
    _relay(update, context, store, ticket, "manager", t)


def _unrouted(t: Translator) -> str:
    return t.gettext("This message of mine is not about an open ticket, so nothing was sent to "
                     "a customer. To write to a customer, reply to the ticket's card or to one "
                     "of my messages about it.")


def _closed(t: Translator, number: int) -> str:
    return t.gettext("Ticket #{number} is closed or not one of your store's; nothing was sent "
                     "to the customer.").format(number=number)


def _tell(context: DeskContext, message: Message, text: str) -> None:
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, message.chat.id, text, kind="relay_refusal",
                            reply_to=message.message_id)


def _relay(update: Update, context: DeskContext, store: StoreConfig, routed: Ticket,
           role: str, t: Translator) -> None:
    desk = context.desk
    message = update.effective_message
    user = update.effective_user
    text = visible(message.text or message.caption or "")
    media = media_of(message)
    if (media is None and not text) or (media is not None and media not in RELAYED):
        _tell(context, message, t.gettext(
            "I can pass on text, photos, voice messages, videos and files."))
        return
    if len(text) > MAX_TEXT:
        _tell(context, message, t.gettext("This message is too long for one message; please "
                                          "split it."))
        return
    technician = store.technician(user.id)
    if role == "staff" and store.technicians and technician is None \
            and not store.is_manager(user.id):
        _tell(context, message, t.gettext(
            "Only the store's technicians and managers can write to customers."))
        return
    name = technician.name if technician else display_name(user)
    hit = guard.check(text, store.guard_phrases) if text else None
    outbox = context.outbox
    number = routed.number
    with outbox.transaction() as tx:
        ticket = tx.ticket(routed.key)
        if ticket is None or ticket.store_id != store.id or not ticket.is_active:
            outbox.send(tx, message.chat.id, _closed(t, number), kind="relay_refusal",
                        reply_to=message.message_id)
            return
        if hit is not None:
            ticket.record(desk.clock(), user.id, "guard_blocked", phrase=hit.phrase,
                          name=name, role=role)
            tx.save(ticket)
            outbox.send(tx, message.chat.id, _blocked(t, hit), kind="guard_blocked",
                        reply_to=message.message_id, ticket=ticket)
            return
        sent = say_to_customer(outbox, tx, ticket, store, by=user.id, name=name, role=role,
                               text=text, source=(message.chat.id, message.message_id)
                               if media else None, media=media)
        if not sent:
            outbox.send(tx, message.chat.id, _unreachable(t, ticket), kind="relay_refusal",
                        reply_to=message.message_id)
            return
        tx.save(ticket)
        outbox.send(tx, message.chat.id, t.gettext(
            "✓ Passed on to the customer of ticket #{number}.").format(number=number),
            kind="relayed", reply_to=message.message_id, ticket=ticket)


def _blocked(t: Translator, hit: guard.Hit) -> str:
    phrase = guard.shown_as(hit.phrase, t.language)
    return t.gettext(
        "⛔ Not sent: “{phrase}” is one of the phrases we never say to a customer (SOP section "
        "4).\nBetter: {suggestion}").format(phrase=escape(phrase),
                                            suggestion=escape(t.gettext(hit.suggestion)))


def _unreachable(t: Translator, ticket: Ticket) -> str:
    return t.gettext("The customer of ticket #{number} cannot be reached through me (they "
                     "blocked the bot or deleted their data); please call them.").format(
                         number=ticket.number)


def register(application: Application) -> None:
    """Managers' replies in private; before the customer handlers, which take private text."""
    managers = {m for store in application.bot_data[DESK_KEY].settings.stores
                for m in store.managers}
    if managers:
        application.add_handler(MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.REPLY
            & ~filters.COMMAND & filters.User(user_id=managers), from_manager))
