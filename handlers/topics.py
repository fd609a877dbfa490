"""Staff in a ticket's forum topic (topics mode; outbox/topics.py makes the topics).

Usage, as staff see it: each ticket has its own topic in the staff group, its card pinned at
the top. Whatever you write there goes to the customer, checked by the phrase guard and signed
as a reply to the card would be; no need to reply to anything. Two ways to keep a word among
staff: start the message with ``//``, or send it as a reply to the card. Commands act on the
topic's ticket: ``/note <text>`` notes something about the customer on their profile,
``/report <text>`` is the one-line service report once the outcome is chosen, ``/help``.

The ticket is the one the topic was made for, found from the thread id the sender recorded
when Telegram made the topic (``Database.routed``), never from the topic's name. A topic
that belongs to no open ticket (General, a topic staff made, a done ticket's) is left to the
group's usual handlers.
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, MessageHandler, TypeHandler, filters

from desk import lifecycle
from desk.calendar import callback_time
from desk.config import StoreConfig
from desk.context import Desk
from desk.i18n import translator
from desk.lifecycle import Refused
from desk.models import Customer, Ticket
from desk.text import one_line, visible
from handlers import relay, staff
from handlers.common import display_name
from outbox import topics
from outbox.context import DESK_KEY, DeskContext
from outbox.notices import tell_done
from outbox.refusals import refusal

log = logging.getLogger(__name__)

NOTE_MARK = "//"  # a message starting with this stays among staff
MAX_TEXT = staff.MAX_REPORT


class _InTicketTopic(filters.MessageFilter):
    """A message in the forum topic of a ticket of a store's group."""

    def __init__(self, desk: Desk):
        super().__init__(name="in_ticket_topic")
        self.desk = desk

    def filter(self, message: Message) -> bool:
        if not message.is_topic_message or not message.message_thread_id:
            return False
        if self.desk.settings.store_for_group(message.chat.id) is None:
            return False
        return self.desk.db.routed(message.chat.id, message.message_thread_id) is not None


def _ticket(context: DeskContext, message: Message) -> tuple[StoreConfig, Ticket] | None:
    desk = context.desk
    store = desk.settings.store_for_group(message.chat.id)
    ticket = desk.db.routed(message.chat.id, message.message_thread_id or 0)
    if store is None or ticket is None or ticket.store_id != store.id:
        return None
    return store, ticket


async def on_topic_message(update: Update, context: DeskContext) -> None:
    """A message in a ticket's topic: a command for the ticket, a note among staff, an answer
    to one of the bot's prompts, or words for the customer."""
    message = update.effective_message
    found = _ticket(context, message)
    if found is None:
        return
    store, ticket = found
    text = message.text or ""
    if text.startswith("/") and not text.startswith(NOTE_MARK):
        parts = text.split(maxsplit=1)
        command = parts[0].split("@")[0][1:].lower()
        args = parts[1] if len(parts) > 1 else ""
        if command == "note":
            _note(update, context, store, ticket, args)
        elif command == "report":
            _report(update, context, store, ticket, args)
        else:
            await staff.on_group_command(update, context)
        return
    replied = message.reply_to_message
    opener = replied is None or replied.forum_topic_created is not None \
        or replied.message_id == message.message_thread_id
    if not opener and replied.message_id == ticket.card_message_id:
        _internal(context, message, ticket, text or message.caption or "")
        return
    if visible(text or message.caption or "").startswith(NOTE_MARK):
        _internal(context, message, ticket, text or message.caption or "")
        return
    if not opener and replied.from_user is not None and replied.from_user.id == context.bot.id:
        await staff.on_report(update, context)  # a prompt's answer, or a reply to a notice
        return
    relay._relay(update, context, store, ticket, "staff", translator(store.language))


def _internal(context: DeskContext, message: Message, ticket: Ticket, text: str) -> None:
    """Among staff: on the ticket's audit trail, never sent."""
    user = message.from_user

    def note(tk: Ticket, _tx) -> None:
        tk.record(context.desk.clock(), user.id if user else 0, "internal_note",
                  name=display_name(user) if user else "", text=one_line(text)[:MAX_TEXT])

    context.desk.db.update(ticket.key, note)


def _say(context: DeskContext, message: Message, ticket: Ticket, text: str,
         kind: str) -> None:
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, message.chat.id, text, kind=kind, reply_to=message.message_id,
                            ticket=ticket)


def _note(update: Update, context: DeskContext, store: StoreConfig, ticket: Ticket,
          args: str) -> None:
    """/note <text>: a note on the customer's profile (the card shows it)."""
    desk = context.desk
    message = update.effective_message
    t = translator(store.language)
    text = one_line(args)
    if not text or len(text) > MAX_TEXT:
        _say(context, message, ticket, t.gettext(
            "Write the note after the command, in one line: /note prefers calls after 18:00"),
            "note_prompt")
        return
    user = update.effective_user

    def note(customer: Customer) -> None:
        customer.notes.append({"at": desk.clock().isoformat(), "by": user.id,
                               "by_name": display_name(user), "text": text})

    if desk.db.update_customer(ticket.customer_id, note) is None:
        return
    with context.outbox.transaction() as tx:
        fresh = tx.ticket(ticket.key)
        if fresh is None:
            return
        context.outbox.card(tx, fresh)
        context.outbox.send(tx, message.chat.id, t.gettext("Noted on the customer's profile."),
                            kind="note_saved", reply_to=message.message_id, ticket=fresh)


def _report(update: Update, context: DeskContext, store: StoreConfig, ticket: Ticket,
            args: str) -> None:
    """/report <text>: the one-line service report, once "service done" and the outcome were
    chosen on the card."""
    desk = context.desk
    message = update.effective_message
    user = update.effective_user
    t = translator(store.language)
    report = one_line(args)
    if not report or len(report) > MAX_TEXT:
        _say(context, message, ticket, t.gettext(
            "Write the report after the command, in one line of at most {limit} characters: "
            "/report replaced the seal, tested, no leak").format(limit=MAX_TEXT),
            "report_prompt")
        return
    if ticket.pending_outcome is None:
        _say(context, message, ticket, t.gettext(
            "First press 🧰 Service done on the card and choose the outcome; then send "
            "/report with the report."), "report_prompt")
        return
    now = desk.clock()
    outbox = context.outbox
    try:
        with outbox.transaction() as tx:
            fresh = tx.ticket(ticket.key)
            lifecycle.finish(fresh, user.id, store.is_manager(user.id), report, now,
                             callback_time(store, now))
            tx.save(fresh)
            outbox.card(tx, fresh)
            tell_done(outbox, tx, fresh)
    except Refused as refused:
        _say(context, message, ticket, refusal(t, refused.reason, ticket), "refusal")
        return

    def completed(customer: Customer) -> None:  # counts towards becoming a regular
        customer.completed += 1

    desk.db.update_customer(ticket.customer_id, completed)


async def observe(update: Update, context: DeskContext) -> None:
    """Every update from a store's group says whether it is a forum: a group whose Topics
    were switched on or off is followed (new tickets; open ones keep working as they are)."""
    chat = update.effective_chat
    if chat is None or chat.type != "supergroup":
        return
    desk = context.desk
    store = desk.settings.store_for_group(chat.id)
    if store is None or store.staff_topics is False:
        return
    topics.detect(desk, store, bool(chat.is_forum), None)


async def _may_manage(bot: Bot, chat_id: int) -> tuple[bool, bool]:
    """(is the group a forum, may the bot manage its topics)."""
    chat = await bot.get_chat(chat_id)
    member = await bot.get_chat_member(chat_id, bot.id)
    if member.status == ChatMemberStatus.OWNER:
        return bool(chat.is_forum), True
    return bool(chat.is_forum), (member.status == ChatMemberStatus.ADMINISTRATOR
                                 and bool(getattr(member, "can_manage_topics", False)))


async def detect_groups(application: Application) -> None:
    """At start-up: which staff groups are forums, and whether the bot may manage topics."""
    desk: Desk = application.bot_data[DESK_KEY]
    for store in desk.settings.stores:
        if store.staff_topics is False:
            continue
        try:
            forum, may = await _may_manage(application.bot, store.staff_chat_id)
        except TelegramError as exc:
            log.warning("store %s: could not look at the staff group: %s", store.id, exc)
            continue
        topics.detect(desk, store, forum, may)


async def check_rows(bot: Bot, store: StoreConfig) -> list[tuple[bool, str, str]]:
    """For ``sundown check``: topics mode's right, when the store has (or asks for) topics."""
    if store.staff_topics is False:
        return []
    group = f"{store.id}: staff group {store.staff_chat_id}"
    try:
        forum, may = await _may_manage(bot, store.staff_chat_id)
    except TelegramError:
        return []  # the group row already says what is wrong
    if not forum and not store.staff_topics:
        return []  # a plain group: cards and replies
    if not forum:
        return [(False, f"{group}: topics (staff_topics = true)",
                 "switch Topics on in the group's settings, or set staff_topics = false")]
    if not may:
        return [(False, f"{group}: the bot may manage topics",
                 "the right “Manage topics” is missing: make the bot an administrator of the "
                 "group with “Manage topics” (and “Pin messages”); until then tickets appear "
                 "as cards")]
    return [(True, f"{group}: topics mode, the bot may manage topics", "")]


def register(application: Application) -> None:
    """Before the staff handlers: a ticket's topic is this module's."""
    desk: Desk = application.bot_data[DESK_KEY]
    application.add_handler(TypeHandler(Update, observe), group=-2)
    application.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
        & _InTicketTopic(desk), on_topic_message))
