"""/whoami in a private chat: the user's Telegram id (what the config's ``managers`` and
``[[stores.technicians]] user_id`` want) and their role, if they have one."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from handlers.common import reply, user_translator
from outbox.context import DeskContext


async def whoami(update: Update, context: DeskContext) -> None:
    desk = context.desk
    user = update.effective_user
    t = user_translator(desk, user)
    lines = [t.gettext("Your Telegram user id is {user_id}.").format(user_id=user.id)]
    for store in desk.settings.stores:
        if store.is_manager(user.id):
            lines.append(t.gettext("Manager of {store}.").format(store=escape(store.name)))
        technician = store.technician(user.id)
        if technician is not None:
            lines.append(t.gettext("Technician of {store}, as {name}.").format(
                store=escape(store.name), name=escape(technician.name)))
    if len(lines) == 1:
        lines.append(t.gettext(
            "To make you a manager or a technician of a store, the person who runs the bot "
            "puts this id in its config."))
    reply(update, context, "\n".join(lines), kind="whoami")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("whoami", whoami, filters=filters.ChatType.PRIVATE))
