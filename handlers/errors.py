"""Last resorts: buttons nobody else understood, and errors no handler caught."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from handlers.common import answer, desk_of, user_translator
from handlers.customer import help_command
from handlers.refusals import invalid_button

log = logging.getLogger(__name__)


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data of no feature we know: forged, or from an older version of the bot."""
    t = user_translator(desk_of(context), update.effective_user)
    await answer(update.callback_query, invalid_button(t), alert=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every error; a user whose button press failed gets a short, polite answer."""
    error = context.error
    if isinstance(error, Forbidden | RetryAfter | NetworkError | BadRequest):
        log.warning("Telegram error while handling an update: %s", error)
    else:
        log.error("unhandled error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.callback_query is not None:
        t = user_translator(desk_of(context), update.effective_user)
        await answer(update.callback_query,
                     t.gettext("Sorry, something went wrong. Please try again in a moment."))


def register(application: Application) -> None:
    """Registered last: unknown commands and buttons; the error handler sees every failure."""
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND, help_command))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    application.add_error_handler(on_error)
