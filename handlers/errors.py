"""Last resorts: commands and buttons nobody else understood, and errors no handler caught."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.common import user_translator
from handlers.customer import help_command
from outbox.context import DeskContext
from outbox.refusals import invalid_button

log = logging.getLogger(__name__)


async def on_unknown_button(update: Update, context: DeskContext) -> None:
    """Callback data of no feature we know: forged, or from an older version of the bot."""
    t = user_translator(context.desk, update.effective_user)
    context.outbox.answer(update.callback_query, invalid_button(t), alert=True)


async def on_error(update: object, context: DeskContext) -> None:
    """Log every error; a user whose button press failed gets a short, polite answer. A long
    poll the network dropped (no update: PTB's polling loop) is one quiet line, no traceback:
    PTB polls again by itself, and ``sundown status`` notices if it never comes back."""
    if update is None and isinstance(context.error, NetworkError):
        log.warning("the long poll to the Bot API was dropped (%s): polling again",
                    context.error.message)
        return
    log.error("unhandled error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.callback_query is not None:
        t = user_translator(context.desk, update.effective_user)
        context.outbox.answer(update.callback_query, t.gettext(
            "Sorry, something went wrong. Please try again in a moment."))


def register(application: Application) -> None:
    """Registered last: unknown commands and buttons; the error handler sees every failure."""
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND, help_command))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    application.add_error_handler(on_error)
