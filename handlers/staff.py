"""The store's staff group: ticket cards and their buttons.

Usage, as staff see it: each confirmed ticket appears as a card. The on-duty technician with
the fewest open tickets is offered it (accept / pass); with nobody on duty anyone may claim it.
The assignee records "customer contacted", then "service done" with an outcome and a one-line
service report (asked for in a reply prompt), or "can't solve here" to escalate to a manager.

Every press is checked again on the server: the press must come from the ticket's own store
group, the ticket must still be in the state the button was drawn for, and the presser must
have the right (assignee or manager) where it matters. Callback data can be forged. The ticket
is read, changed and written in one transaction with the messages the step causes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from telegram import ForceReply, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from desk import lifecycle, policy
from desk.buttons import Action, Press, decode
from desk.calendar import callback_time, local_day
from desk.config import StoreConfig
from desk.i18n import Translator, translator
from desk.lifecycle import Reason, Refused
from desk.models import TIER_LABELS, Customer, Outcome, State, Ticket
from desk.outgoing import Priority
from desk.roster import pick_technician
from desk.storage import Transaction
from desk.text import one_line
from handlers import relay
from handlers.common import display_name, remember_user, reply, user_translator
from outbox import views
from outbox.context import DESK_KEY, DeskContext
from outbox.notices import alert_escalation, tell_assigned, tell_done, tell_technician
from outbox.post import Markup
from outbox.refusals import invalid_button, refusal
from outbox.relay import canned_menu, canned_text, say_to_customer

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS
MAX_REPORT = 500


class Invalid(Exception):
    """Data we never drew, or a press outside the ticket's own group."""


@dataclass
class CardPress:
    """One press on a card, inside its transaction."""

    context: DeskContext
    tx: Transaction
    press: Press
    ticket: Ticket
    store: StoreConfig
    user_id: int
    name: str  # the roster's name for a technician, else Telegram's
    is_manager: bool
    now: datetime
    t: Translator
    card_markup: Markup | bool = True  # the card's buttons after the step (True: the state's)
    answer: str | None = None  # a short confirmation on the button

    @property
    def outbox(self):
        return self.context.outbox


def _claim(p: CardPress) -> None:
    lifecycle.claim(p.ticket, p.user_id, p.name, p.now)
    tell_assigned(p.outbox, p.tx, p.ticket)


def _accept(p: CardPress) -> None:
    lifecycle.accept(p.ticket, p.user_id, p.now)
    tell_assigned(p.outbox, p.tx, p.ticket)


def _pass(p: CardPress) -> None:
    next_tech = pick_technician(p.store, p.context.desk.db.open_load(p.store.id), p.now,
                                exclude=[*p.ticket.passed_by, p.user_id,
                                         *policy.barred(p.ticket)])
    lifecycle.pass_on(p.ticket, p.user_id, p.now, next_tech)
    if p.ticket.state is State.OFFERED:
        tell_technician(p.outbox, p.tx, p.ticket, p.store)


def _contacted(p: CardPress) -> None:
    lifecycle.mark_contacted(p.ticket, p.user_id, p.is_manager, p.now)
    number = p.ticket.number
    p.outbox.to_customer(p.tx, p.ticket, lambda t: t.gettext(
        "Our technician has been in touch with you about ticket #{number}. Anything to add? "
        "Just write it here.").format(number=number), kind="contacted")


def _no_answer(p: CardPress) -> None:
    lifecycle.no_answer(p.ticket, p.user_id, p.is_manager, p.now,
                        p.now + p.store.promises.retry_after)
    number = p.ticket.number
    p.outbox.to_customer(p.tx, p.ticket, lambda t: t.gettext(
        "Our technician just tried to call you about ticket #{number} but could not get "
        "through, and will call again later.").format(number=number), kind="call_attempt")


def _require_service_owner(p: CardPress) -> None:
    if p.ticket.state is not State.CONTACTED or p.ticket.pending_outcome is not None:
        raise Refused(Reason.STALE)
    if not (p.is_manager or p.ticket.assignee_id == p.user_id):
        raise Refused(Reason.NOT_YOURS)


def _service_done(p: CardPress) -> None:
    _require_service_owner(p)
    p.card_markup = views.outcome_keyboard(p.t, p.ticket)


def _back(p: CardPress) -> None:
    _require_service_owner(p)


def _outcome(p: CardPress) -> None:
    lifecycle.choose_outcome(p.ticket, p.user_id, p.is_manager, Outcome(p.press.args[1]),
                             p.now)
    t = translator(p.context.desk.person_language(p.user_id, p.store.language))
    p.outbox.in_thread(p.tx, p.ticket, views.report_prompt(t, p.ticket, p.user_id, p.name),
                       kind="report_prompt", markup=ForceReply(selective=True),
                       remember="report_prompt_id", priority=_PROMPT)


def _escalate(p: CardPress) -> None:
    lifecycle.escalate(p.ticket, p.user_id, p.is_manager, p.now)
    alert_escalation(p.outbox, p.tx, p.ticket, p.store)


def _tier(p: CardPress) -> None:
    """Grade the customer (seed 001: 对客户进行精确的分级): any member of the group may."""
    tier = str(p.press.args[1])
    if not p.ticket.is_active:
        raise Invalid

    def grade(customer: Customer) -> None:
        customer.tier = None if customer.tier == tier else tier

    customer = p.context.desk.db.update_customer(p.ticket.customer_id, grade)
    if customer is None:
        raise Invalid
    label = p.t.gettext(TIER_LABELS[tier])
    p.answer = (p.t.gettext("Now marked: {tier}") if customer.tier else
                p.t.gettext("No longer marked: {tier}")).format(tier=label)


def _visit(p: CardPress) -> None:
    """Record that the customer came to the store today (seed 004: regulars are those who come
    back); one visit a day per store, as a QR code scan counts."""
    if not p.ticket.is_active:
        raise Invalid
    day = local_day(p.store, p.now)
    counted: list[bool] = []

    def visited(customer: Customer) -> None:
        counted.append(customer.record_visit(p.store.id, day))

    if p.context.desk.db.update_customer(p.ticket.customer_id, visited) is None:
        raise Invalid
    p.answer = (p.t.gettext("Recorded: the customer came to the store today.") if counted[0]
                else p.t.gettext("Today's visit is already recorded."))


def _note(p: CardPress) -> None:
    """Ask for a note on the customer (seed 004: what the hotel remembered of its regular)."""
    if not p.ticket.is_active:
        raise Invalid
    p.outbox.in_thread(p.tx, p.ticket, views.note_prompt(p.t, p.ticket, p.user_id, p.name),
                       kind="note_prompt", markup=ForceReply(selective=True),
                       remember="note_prompt_id", priority=_PROMPT)


# A prompt someone just asked for comes before notices and edits.
_PROMPT = Priority.REPLY

def _may_write(p: CardPress) -> None:
    """With a roster, only its technicians and the managers write to customers."""
    if p.store.technicians and p.store.technician(p.user_id) is None and not p.is_manager:
        raise Refused(Reason.NOT_ON_ROSTER)
    if not p.ticket.is_active:
        raise Refused(Reason.STALE)


def _say(p: CardPress) -> None:
    """Show the standard replies under the card."""
    _may_write(p)
    text, markup = canned_menu(p.t, p.ticket)
    p.outbox.in_thread(p.tx, p.ticket, text, kind="canned_menu", markup=markup)
    p.card_markup = True


def _canned(p: CardPress) -> None:
    """One of the SOP's standard sentences, to the customer in the customer's language."""
    _may_write(p)
    which = str(p.press.args[1])
    sent = say_to_customer(p.outbox, p.tx, p.ticket, p.store, by=p.user_id, name=p.name,
                           role="manager" if p.is_manager else "staff",
                           text=lambda tc: canned_text(tc, which, p.ticket, p.store, p.now))
    if not sent:
        raise Refused(Reason.UNREACHABLE)
    p.answer = p.t.gettext("Sent to the customer.")


CARD_STEPS: dict[Action, Callable[[CardPress], None]] = {
    Action.CLAIM: _claim,
    Action.ACCEPT: _accept,
    Action.PASS: _pass,
    Action.CONTACTED: _contacted,
    Action.NO_ANSWER: _no_answer,
    Action.SERVICE_DONE: _service_done,
    Action.BACK: _back,
    Action.OUTCOME: _outcome,
    Action.ESCALATE: _escalate,
    Action.TIER: _tier,
    Action.VISIT: _visit,
    Action.NOTE: _note,
    Action.SAY: _say,
    Action.CANNED: _canned,
}


async def on_card_button(update: Update, context: DeskContext) -> None:
    """A press on a ticket card: re-check chat, ticket state and the presser's role."""
    desk = context.desk
    query = update.callback_query
    user = update.effective_user
    chat_id = query.message.chat.id if query.message else 0
    store = desk.settings.store_for_group(chat_id)
    t = translator(store.language if store else desk.settings.default_language)
    press = decode(query.data)
    step = CARD_STEPS.get(press.action) if press else None
    if store is None or step is None:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    tech = store.technician(user.id)
    try:
        with context.outbox.transaction() as tx:
            ticket = tx.ticket_by_number(press.number)
            if ticket is None or ticket.store_id != store.id:
                raise Invalid
            done = CardPress(context, tx, press, ticket, store, user.id,
                             tech.name if tech else display_name(user), store.is_manager(user.id),
                             desk.clock(), t)
            step(done)
            tx.save(ticket)
            context.outbox.card(tx, ticket, done.card_markup)
    except Refused as refused:
        context.outbox.answer(query, refusal(t, refused.reason, ticket), alert=True)
        return
    except Invalid:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    context.outbox.answer(query, done.answer)


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
    if noted is not None:
        _record_note(update, context, store, noted.key)
        return
    reported = next((tk for tk in open_tickets if tk.report_prompt_id == prompt_id), None)
    if reported is None:
        relay.from_group(update, context, store)  # to the customer, or staff among themselves
        return
    t = translator(store.language)
    user = update.effective_user
    report = one_line(message.text)
    outbox = context.outbox
    if not report or len(report) > MAX_REPORT:
        _one_line_please(update, context, t)
        return
    now = desk.clock()
    try:
        with outbox.transaction() as tx:
            ticket = tx.ticket(reported.key)
            lifecycle.finish(ticket, user.id, store.is_manager(user.id), report, now,
                             callback_time(store, now))
            tx.save(ticket)
            outbox.card(tx, ticket)
            tell_done(outbox, tx, ticket)
    except Refused as refused:
        with outbox.transaction() as tx:
            outbox.send(tx, message.chat.id, refusal(t, refused.reason, reported),
                        kind="refusal", reply_to=message.message_id)
        return

    def completed(customer: Customer) -> None:  # recorded; no longer makes a regular
        customer.completed += 1

    desk.db.update_customer(ticket.customer_id, completed)


def _one_line_please(update: Update, context: DeskContext, t: Translator) -> None:
    message = update.effective_message
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, message.chat.id, t.gettext(
            "Please reply with a single line of at most {limit} characters.").format(
                limit=MAX_REPORT), kind="report_prompt", reply_to=message.message_id)


def _record_note(update: Update, context: DeskContext, store: StoreConfig, key: str) -> None:
    """A staff note on the customer (seed 004: preferences the hotel remembered)."""
    desk = context.desk
    t = translator(store.language)
    message = update.effective_message
    text = one_line(message.text)
    if not text or len(text) > MAX_REPORT:
        _one_line_please(update, context, t)
        return
    user = update.effective_user

    def note(customer: Customer) -> None:
        customer.notes.append({"at": desk.clock().isoformat(), "by": user.id,
                               "by_name": display_name(user), "text": text})

    ticket = desk.db.by_key(key)
    if ticket is None or desk.db.update_customer(ticket.customer_id, note) is None:
        _one_line_please(update, context, t)
        return
    with context.outbox.transaction() as tx:
        ticket = tx.ticket(key)
        if ticket is None:
            return
        ticket.note_prompt_id = None
        tx.save(ticket)
        context.outbox.card(tx, ticket)
        context.outbox.send(tx, message.chat.id, t.gettext("Noted on the customer's profile."),
                            kind="note_saved", reply_to=message.message_id, ticket=ticket)


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
    application.add_handler(CallbackQueryHandler(on_card_button, pattern=r"^t:"))
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
