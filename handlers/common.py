"""Helpers every audience's handlers share: the desk, languages, and sends that never crash.

Telegram errors on a send (the customer blocked the bot, a chat is gone, a network hiccup) are
logged and reported as ``None``; the ticket is already stored by then, so nothing is lost, and
cards that could not be posted are posted again by ``schedules.delivery``.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from desk.context import Desk
from desk.i18n import Translator, translator
from desk.models import Customer

log = logging.getLogger(__name__)

DESK_KEY = "desk"


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> Desk:
    return context.application.bot_data[DESK_KEY]


def remember_user(desk: Desk, user: User) -> Customer:
    """The user's profile, created on first contact; Telegram's language is kept up to date."""
    customer = desk.store.customer(user.id)
    if customer is None:
        customer = Customer(user_id=user.id, name=user.full_name,
                            telegram_language=user.language_code)
        desk.store.save_customer(customer)
    elif (
        (customer.telegram_language != user.language_code and user.language_code)
        or customer.name != user.full_name
        or customer.blocked  # writing to us again means they unblocked the bot
    ):
        customer.telegram_language = user.language_code or customer.telegram_language
        customer.name = user.full_name
        customer.blocked = False
        desk.store.save_customer(customer)
    return customer


def user_translator(desk: Desk, user: User | None, customer: Customer | None = None) -> Translator:
    code = user.language_code if user else None
    return translator(desk.language_of(customer, code))


def person_translator(desk: Desk, user_id: int, fallback: str) -> Translator:
    """The language of a user we write to unprompted (a manager, a technician)."""
    person = desk.store.customer(user_id)
    if person is None or not (person.language or person.telegram_language):
        return translator(fallback)
    return translator(desk.language_of(person, fallback=fallback))


async def send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, **kwargs: Any
) -> Message | None:
    """Send a message; on a Telegram error log it and return None."""
    kwargs.setdefault("parse_mode", ParseMode.HTML)
    try:
        return await context.bot.send_message(chat_id, text, **kwargs)
    except Forbidden as exc:
        log.warning("chat %s cannot be reached: %s", chat_id, exc.message)
        _mark_blocked(desk_of(context), chat_id)
    except RetryAfter as exc:
        log.warning("flood control on chat %s: %s", chat_id, exc)
    except TelegramError as exc:
        log.warning("sending to chat %s failed: %s", chat_id, exc)
    return None


async def edit(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, text: str, **kwargs: Any
) -> bool:
    """Edit a message in place; "message is not modified" counts as success."""
    kwargs.setdefault("parse_mode", ParseMode.HTML)
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, **kwargs
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.warning("editing message %s in chat %s failed: %s", message_id, chat_id, exc.message)
        return False
    except TelegramError as exc:
        log.warning("editing message %s in chat %s failed: %s", message_id, chat_id, exc)
        return False
    return True


async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press; a late or failed answer is harmless."""
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("answering callback query failed: %s", exc)


async def reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, **kwargs: Any
) -> Message | None:
    if update.effective_chat is None:
        return None
    return await send(context, update.effective_chat.id, text, **kwargs)


def _mark_blocked(app_desk: Desk, chat_id: int) -> None:
    # Private chat ids equal user ids; a customer who blocked us is not written to again.
    if chat_id <= 0:
        return
    customer = app_desk.store.customer(chat_id)
    if customer is not None and not customer.blocked:
        customer.blocked = True
        app_desk.store.save_customer(customer)


def split_data(data: str | None, prefix: str, parts: int) -> list[str] | None:
    """``t:claim:12`` -> ``["claim", "12"]`` when it has the prefix and the number of parts."""
    if not data or not data.startswith(prefix + ":"):
        return None
    fields = data.split(":")[1:]
    return fields if len(fields) == parts else None


def as_int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


async def managers_only(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        refusal: str) -> tuple[Desk, Translator, list] | None:
    """The asker's desk, language and managed stores; anyone else gets ``refusal`` (a message
    id, translated here) and None."""
    desk = desk_of(context)
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    stores = desk.settings.stores_managed_by(user.id)
    if not stores:
        await reply(update, context, t.gettext(refusal))
        return None
    return desk, t, stores
