"""Telling customers and managers, each in their own language, what just happened."""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import ContextTypes

from desk.config import StoreConfig
from desk.i18n import Translator, translator
from desk.models import Ticket
from handlers.common import desk_of, person_translator, send


async def tell_customer(
    context: ContextTypes.DEFAULT_TYPE, ticket: Ticket, text: Callable[[Translator], str]
) -> bool:
    """Send ``text(translator)`` to the ticket's customer unless they blocked the bot."""
    desk = desk_of(context)
    customer = desk.store.customer(ticket.customer_id)
    if customer is not None and customer.blocked:
        return False
    t = translator(desk.language_of(customer, fallback=ticket.language))
    return await send(context, ticket.customer_id, text(t)) is not None


async def tell_assigned(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> bool:
    """Tell the customer who now owns their ticket."""
    return await tell_customer(context, ticket, lambda t: t.gettext(
        "Technician {name} has taken your ticket #{number} and will contact you.").format(
            name=ticket.assignee_name, number=ticket.number))


async def tell_managers(context: ContextTypes.DEFAULT_TYPE, store: StoreConfig,
                        text: Callable[[Translator], str], **kwargs) -> int:
    """Send ``text`` to each of the store's managers in private; return how many got it."""
    desk = desk_of(context)
    reached = 0
    for manager in store.managers:
        t = person_translator(desk, manager, store.language)
        if await send(context, manager, text(t), **kwargs) is not None:
            reached += 1
    return reached
