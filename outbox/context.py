"""The context every handler and job gets: ``context.desk`` and ``context.outbox``.

Registered with ``ApplicationBuilder().context_types(ContextTypes(context=DeskContext))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from desk.context import Desk

if TYPE_CHECKING:
    from outbox.post import Outbox

DESK_KEY = "desk"
OUTBOX_KEY = "outbox"


class DeskContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def desk(self) -> Desk:
        return self.application.bot_data[DESK_KEY]

    @property
    def outbox(self) -> Outbox:
        return self.application.bot_data[OUTBOX_KEY]


def desk_of(application: Application) -> Desk:
    return application.bot_data[DESK_KEY]


def outbox_of(application: Application) -> Outbox:
    return application.bot_data[OUTBOX_KEY]
