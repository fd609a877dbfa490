"""Helpers every audience's handlers share: who is writing, in which language, and replies.

Handlers never await Telegram: a reply is queued in the outbox, in the same write as whatever
the update changed, and the sender delivers it.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Message, Update, User

import actions
from actions import Answer, Surface
from desk.buttons import Action
from desk.context import Desk
from desk.i18n import Translator, translator
from desk.models import Customer
from desk.text import person_name
from outbox.context import DeskContext
from outbox.post import Markup
from outbox.refusals import invalid_button, refusal


def display_name(user: User) -> str:
    """The user's name as staff and managers see it ("张女士", not "张 女士"; no direction
    controls that could reorder the line it is shown on)."""
    return person_name(user.first_name, user.last_name)


def remember_user(desk: Desk, user: User) -> Customer:
    """The user's profile, created on first contact; Telegram's language is kept up to date."""
    customer = desk.db.customer(user.id)
    name = display_name(user)
    if customer is None:
        customer = Customer(user_id=user.id, name=name, telegram_language=user.language_code)
        desk.db.save_customer(customer)
    elif (
        (customer.telegram_language != user.language_code and user.language_code)
        or customer.name != name
        or customer.blocked  # writing to us again means they unblocked the bot
    ):
        customer.telegram_language = user.language_code or customer.telegram_language
        customer.name = name
        customer.blocked = False
        desk.db.save_customer(customer)
    return customer


def user_translator(desk: Desk, user: User | None, customer: Customer | None = None) -> Translator:
    code = user.language_code if user else None
    if customer is None and user is not None:
        customer = desk.db.customer(user.id)
    return translator(desk.language_of(customer, code))


def reply(update: Update, context: DeskContext, text: str, *, kind: str,
          markup: Markup = None) -> None:
    """Answer in the chat the update came from, in a write of its own."""
    chat = update.effective_chat
    if chat is None:
        return
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, chat.id, text, kind=kind, markup=markup)


def managers_only(update: Update, context: DeskContext,
                  refusal: str) -> tuple[Translator, list] | None:
    """The asker's language and managed stores; anyone else gets ``refusal`` (a message id,
    translated here) and None."""
    desk = context.desk
    user = update.effective_user
    t = user_translator(desk, user)
    stores = desk.settings.stores_managed_by(user.id)
    if not stores:
        reply(update, context, t.gettext(refusal), kind="refusal")
        return None
    return t, stores


def media_of(message: Message) -> str | None:
    """The kind of media a message carries (a photo, a voice message ...), if any."""
    for kind in ("photo", "voice", "video", "video_note", "document", "audio", "animation"):
        if getattr(message, kind, None):
            return kind
    return None


def button_pattern(surface: Surface) -> re.Pattern[str]:
    """The callback data of the verbs ``surface`` offers, by their Actions' audience."""
    audiences = sorted({verb.audience for verb in actions.offered(surface)
                        if isinstance(verb, Action)})
    return re.compile("^(?:" + "|".join(re.escape(a) for a in audiences) + "):")


def answer_press(context: DeskContext, query: CallbackQuery, t: Translator, answer: Answer,
                 *, show_ticket: bool = True) -> None:
    """Answer a press on a ticket verb: its short note, or why not (an alert)."""
    if answer.refused is not None:
        context.outbox.answer(query, refusal(t, answer.refused,
                                             answer.ticket if show_ticket else None), alert=True)
    elif not answer.done:
        context.outbox.answer(query, invalid_button(t), alert=True)
    else:
        context.outbox.answer(query, answer.note(t) if answer.note else None)
