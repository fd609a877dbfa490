"""The staff card of a ticket: posted once to the store's group, then edited in place.

The card's message id is stored with the ticket. A card that could not be posted (network
error, the bot removed from the group) has none, and ``schedules.delivery`` posts it later.
"""

from __future__ import annotations

from telegram import Message, ReplyParameters
from telegram.ext import ContextTypes

from desk.i18n import translator
from desk.models import Ticket
from handlers import views
from handlers.common import desk_of, edit, send


async def post_card(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> bool:
    """Post the ticket's card to its store's group and store the message id."""
    desk = desk_of(context)
    store = desk.store_config(ticket.store_id)
    t = translator(store.language)
    message = await send(
        context, store.staff_chat_id, _card_text(context, ticket),
        reply_markup=views.card_keyboard(t, ticket),
    )
    if message is None:
        return False
    current = desk.store.by_key(ticket.key) or ticket
    current.card_message_id = message.message_id
    desk.store.save(current)
    ticket.card_message_id = message.message_id
    return True


async def refresh_card(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> bool:
    """Show the ticket's current state on its card (posting it if it never was)."""
    if ticket.card_message_id is None:
        return await post_card(context, ticket)
    store = desk_of(context).store_config(ticket.store_id)
    t = translator(store.language)
    return await edit(
        context, store.staff_chat_id, ticket.card_message_id, _card_text(context, ticket),
        reply_markup=views.card_keyboard(t, ticket),
    )


def _card_text(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> str:
    desk = desk_of(context)
    store = desk.store_config(ticket.store_id)
    customer = desk.store.customer(ticket.customer_id)
    phone = customer.phone if customer else None
    return views.card(translator(store.language), ticket, store, phone, customer)


async def post_in_thread(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket,
                         text: str) -> Message | None:
    """A message to the store's group as a reply to the ticket's card (a mention notifies)."""
    store = desk_of(context).store_config(ticket.store_id)
    reply_to = (ReplyParameters(ticket.card_message_id, allow_sending_without_reply=True)
                if ticket.card_message_id else None)
    return await send(context, store.staff_chat_id, text, reply_parameters=reply_to)
