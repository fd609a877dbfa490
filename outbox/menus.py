"""The command menus Telegram shows next to the text field, per audience and language.

Set once at start-up: customers in every private chat (Chinese by default, English for English
Telegram apps), each manager's own chat, each staff group. A menu that cannot be set (a group
the bot was removed from) is logged and skipped: it never stops the bot.
"""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError
from telegram.ext import Application

from desk.i18n import N_, translator
from outbox.context import desk_of

log = logging.getLogger(__name__)

CUSTOMER_COMMANDS = (
    ("start", N_("Start: tell us what went wrong")),
    ("mytickets", N_("My tickets and where they stand")),
    ("cancel", N_("Drop an unsubmitted draft")),
    ("language", N_("Change the language")),
    ("greetings", N_("Holiday greetings on or off")),
    ("forget_me", N_("Delete my personal data")),
    ("help", N_("What I can do")),
)
MANAGER_COMMANDS = (
    ("digest", N_("The daily digest of any day")),
    ("served", N_("Customers served, for the complaint rate")),
    ("export", N_("Every ticket as a spreadsheet")),
    ("greetings", N_("Preview or cancel holiday greetings")),
    ("desk", N_("Open the desk: tickets, search, trends")),
    ("help", N_("What I do for managers")),
)
STAFF_COMMANDS = (
    ("help", N_("How this group works")),
)


def _commands(language: str, commands) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(name, t.gettext(text)) for name, text in commands]


async def set_menus(application: Application) -> int:
    """Set every menu; returns how many could not be set."""
    desk = desk_of(application)
    bot = application.bot
    default = desk.settings.default_language
    menus = [(_commands(default, CUSTOMER_COMMANDS), BotCommandScopeAllPrivateChats(), None),
             (_commands("en", CUSTOMER_COMMANDS), BotCommandScopeAllPrivateChats(), "en"),
             (_commands("zh_CN", CUSTOMER_COMMANDS), BotCommandScopeAllPrivateChats(), "zh")]
    for store in desk.settings.stores:
        menus.append((_commands(store.language, STAFF_COMMANDS),
                      BotCommandScopeChat(store.staff_chat_id), None))
        for manager in store.managers:
            language = desk.person_language(manager, store.language)
            menus.append((_commands(language, MANAGER_COMMANDS), BotCommandScopeChat(manager),
                          None))
    failed = await _desk_buttons(application)
    for commands, scope, language_code in menus:
        try:
            await bot.set_my_commands(commands, scope=scope, language_code=language_code)
        except TelegramError as exc:  # a manager who never pressed Start, a group we left
            failed += 1
            log.warning("could not set the command menu for %s: %s", scope.type, exc)
    return failed


async def _desk_buttons(application: Application) -> int:
    """Each manager's menu button opens the desk (when it is set up); returns the failures."""
    desk = desk_of(application)
    url = desk.settings.webapp_url
    if url is None:
        return 0
    failed = 0
    managers = {m: store for store in desk.settings.stores for m in store.managers}
    for manager, store in managers.items():
        t = translator(desk.person_language(manager, store.language))
        try:
            await application.bot.set_chat_menu_button(
                chat_id=manager, menu_button=MenuButtonWebApp(t.gettext("Desk"),
                                                              WebAppInfo(url + "/")))
        except TelegramError as exc:
            failed += 1
            log.warning("could not set the desk button for a manager: %s", exc)
    return failed
