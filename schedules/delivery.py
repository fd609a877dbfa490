"""Redelivery: cards that could not be posted (Telegram down, bot removed) are posted again.

The ticket is stored before anything is sent, so a failed post loses nothing; this sweep finds
open tickets without a card, at start-up and then every minute, and posts them in number order.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from handlers.cards import post_card
from handlers.common import desk_of

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60
JOB_NAME = "card-redelivery"


async def redeliver_cards(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Post the card of every open ticket that has none yet."""
    desk = desk_of(context)
    for ticket in desk.store.open_tickets():
        if ticket.card_message_id is None:
            if await post_card(context, ticket):
                log.info("posted the card of ticket #%s late", ticket.number)
            else:
                break  # Telegram is still unreachable: try again at the next sweep


def register(application: Application) -> None:
    """Sweep at start-up (first=0) and then every minute."""
    application.job_queue.run_repeating(
        redeliver_cards, interval=SWEEP_EVERY_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
