"""The store's staff group: ticket cards and their buttons.

Usage, as staff see it: each confirmed ticket appears as a card. The on-duty technician with
the fewest open tickets is offered it (accept / pass); with nobody on duty anyone may claim it.
The assignee records "customer contacted", then "service done" with an outcome and a one-line
service report (asked for in a reply prompt), or "can't solve here" to escalate to a manager.

Every press is checked again on the server: the press must come from the ticket's own store
group, the ticket must still be in the state the button was drawn for, and the presser must
have the right (assignee or manager) where it matters. Callback data can be forged. The verbs
themselves are actions.card: here a press or a reply becomes ``actions.apply``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

import actions
from actions import Actor, Reply, Surface
from actions.card import MAX_REPORT, one_line_report
from desk.buttons import decode
from desk.config import StoreConfig
from desk.i18n import Translator, translator
from handlers import relay
from handlers.common import (
    answer_press,
    button_pattern,
    display_name,
    remember_user,
    reply,
    user_translator,
)
from outbox.context import DESK_KEY, DeskContext
from outbox.refusals import invalid_button, refusal

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS


def _actor(store: StoreConfig, user, t: Translator, chat_id: int,
           message_id: int | None) -> Actor:
    tech = store.technician(user.id)
    return Actor(user.id, tech.name if tech else display_name(user), Surface.GROUP, t, chat_id,
                 message_id)


async def on_card_button(update: Update, context: DeskContext) -> None:
    """A press on a ticket card: actions.apply re-checks chat, ticket state and role."""
    desk = context.desk
    query = update.callback_query
    chat_id = query.message.chat.id if query.message else 0
    store = desk.settings.store_for_group(chat_id)
    t = translator(store.language if store else desk.settings.default_language)
    press = decode(query.data)
    if store is None or press is None or press.action not in actions.offered(Surface.GROUP):
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    actor = _actor(store, update.effective_user, t, chat_id, query.message.message_id)
    answer_press(context, query, t, actions.apply(context.outbox, press.number, actor,
                                                  press.action, press.args[1:]))


async def on_report(update: Update, context: DeskContext) -> None:
    """A reply in the group: the one-line service report or a note on the customer (replies to
    our prompts), else a message for the ticket's customer."""
    desk = context.desk
    message = update.effective_message
    store = desk.settings.store_for_group(message.chat.id)
    if store is None or message.reply_to_message is None:
        return
    prompt_id = message.reply_to_message.message_id
    open_tickets = desk.db.open_tickets(store.id)
    noted = next((tk for tk in open_tickets if tk.note_prompt_id == prompt_id), None)
    reported = next((tk for tk in open_tickets if tk.report_prompt_id == prompt_id), None)
    if noted is None and reported is None:
        relay.from_group(update, context, store)  # to the customer, or staff among themselves
        return
    t = translator(store.language)
    line = one_line_report(message.text)
    if line is None:
        _one_line_please(update, context, t)
        return
    actor = _actor(store, update.effective_user, t, message.chat.id, message.message_id)
    if noted is not None:
        if not actions.apply(context.outbox, noted.key, actor, Reply.NOTE, (line,)).done:
            _one_line_please(update, context, t)
        return
    answer = actions.apply(context.outbox, reported.key, actor, Reply.REPORT, (line,))
    if answer.refused is not None:
        with context.outbox.transaction() as tx:
            context.outbox.send(tx, message.chat.id, refusal(t, answer.refused, reported),
                                kind="refusal", reply_to=message.message_id)


def _one_line_please(update: Update, context: DeskContext, t: Translator) -> None:
    message = update.effective_message
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, message.chat.id, t.gettext(
            "Please reply with a single line of at most {limit} characters.").format(
                limit=MAX_REPORT), kind="report_prompt", reply_to=message.message_id)


async def on_membership(update: Update, context: DeskContext) -> None:
    """The bot joined or left a group: greet a store's group, explain an unknown one."""
    desk = context.desk
    change = update.my_chat_member
    chat = change.chat
    if chat.type not in ("group", "supergroup"):
        return
    store = desk.settings.store_for_group(chat.id)
    status = change.new_chat_member.status
    t = translator(store.language if store else desk.settings.default_language)
    outbox = context.outbox
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        if store is not None:
            log.error("the bot was removed from the staff group of store %s", store.id)
            with outbox.transaction() as tx:
                outbox.to_managers(tx, store, lambda tm: tm.gettext(
                    "⚠️ I was removed from the staff group of {store}. New tickets cannot reach "
                    "the staff until I am added back.").format(store=escape(store.name)),
                    kind="removed_from_group")
        return
    if status not in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        return
    with outbox.transaction() as tx:
        if store is None:
            outbox.send(tx, chat.id, _unknown_group_text(t, chat.id), kind="unknown_group")
            return
        outbox.send(tx, chat.id, t.gettext(
            "Hello! New tickets of {store} will appear here as cards.").format(
                store=escape(store.name)), kind="group_greeting")
        # Cards that could not reach the group while the bot was away are posted now.
        for ticket in tx.tickets():
            if ticket.store_id == store.id and ticket.is_active and not ticket.card_message_id:
                outbox.card(tx, ticket)
    if outbox.sender is not None:
        outbox.sender.release(chat.id)


async def technician_start(update: Update, context: DeskContext) -> None:
    """A technician's /start or /help in private: where the work is, not the customer's flow."""
    desk = context.desk
    user = update.effective_user
    remember_user(desk, user)
    t = user_translator(desk, user)
    stores = [s for s in desk.settings.stores if s.technician(user.id)]
    reply(update, context, t.gettext(
        "Hello {name}! You are on the roster of {stores}. Tickets appear as cards in the staff "
        "group, and I tell you here when one is yours. To write to a customer, reply to the "
        "ticket's card in the group.").format(
            name=escape(stores[0].technician(user.id).name if stores else display_name(user)),
            stores=escape(", ".join(s.name for s in stores))), kind="technician_help")


async def on_group_command(update: Update, context: DeskContext) -> None:
    """/help in a store's group says how staff work here; customer commands belong in a
    private chat."""
    desk = context.desk
    store = desk.settings.store_for_group(update.effective_chat.id)
    if store is None:
        unknown_group(update, context)
        return
    t = translator(store.language)
    message = update.effective_message
    if (message.text or "").split("@")[0].split()[0] == "/help":
        with context.outbox.transaction() as tx:
            context.outbox.send(tx, store.staff_chat_id, t.gettext(
                "How this group works: each ticket of {store} appears as a card. Claim or "
                "accept it, record the contact, and finish with a one-line service report (or "
                "\"can't solve here\" for a manager).\n"
                "To write to the customer, reply to the card with text, a photo, a voice "
                "message, a video or a file; 💬 Standard replies sends the SOP's sentences in "
                "the customer's language. Forbidden phrases never reach the customer.").format(
                    store=escape(store.name)), kind="group_help",
                reply_to=message.message_id)
        return
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, store.staff_chat_id, t.gettext(
            "This is the staff group of {store}: tickets appear here as cards. Customers write "
            "to me in a private chat.").format(store=escape(store.name)), kind="group_help",
            reply_to=update.effective_message.message_id)


# A group the config does not know hears its chat id at most once in this long, whatever its
# members type: enough for someone setting the bot up, too little to make it spam a group.
UNKNOWN_GROUP_EVERY = timedelta(minutes=10)
_UNKNOWN_ANSWERED = "unknown_group_answered"


def unknown_group(update: Update, context: DeskContext) -> None:
    """Any command in a group that is no store's staff group: its chat id and what to do with
    it, in one short message, rate-limited per group (kept in memory: a restart may answer
    once more)."""
    desk = context.desk
    chat = update.effective_chat
    if chat is None or desk.settings.store_for_group(chat.id) is not None:
        return
    now = desk.clock()
    answered: dict[int, datetime] = context.application.bot_data.setdefault(
        _UNKNOWN_ANSWERED, {})
    for chat_id, at in list(answered.items()):
        if now - at >= UNKNOWN_GROUP_EVERY:
            del answered[chat_id]
    if chat.id in answered:
        return
    answered[chat.id] = now
    t = translator(desk.settings.default_language)
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, chat.id, _unknown_group_text(t, chat.id), kind="unknown_group")


def _unknown_group_text(t: Translator, chat_id: int) -> str:
    return t.gettext(
        "This group is not the staff group of any store yet. Its chat id is {chat_id}: "
        "put it in the config as staff_chat_id.").format(chat_id=chat_id)


async def on_other_group_command(update: Update, context: DeskContext) -> None:
    """A command no staff handler takes: a known group ignores it, an unknown one hears its
    id."""
    unknown_group(update, context)


def register(application: Application) -> None:
    """Staff handlers: card buttons, report replies, group membership, stray commands."""
    application.add_handler(CallbackQueryHandler(on_card_button,
                                                 pattern=button_pattern(Surface.GROUP)))
    application.add_handler(MessageHandler(
        GROUPS & filters.UpdateType.MESSAGE & filters.REPLY & ~filters.COMMAND
        & ~filters.StatusUpdate.ALL, on_report))
    application.add_handler(CommandHandler(
        ["start", "help", "mytickets", "cancel", "language"], on_group_command, filters=GROUPS))
    application.add_handler(MessageHandler(
        GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND, on_other_group_command))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    technicians = {tech.user_id for store in application.bot_data[DESK_KEY].settings.stores
                   for tech in store.technicians}
    if technicians:  # before the customer's /start, which a deep link still reaches
        private = filters.ChatType.PRIVATE & filters.User(user_id=technicians)
        application.add_handler(CommandHandler("start", technician_start, filters=private,
                                               has_args=False))
        application.add_handler(CommandHandler("help", technician_start, filters=private))
