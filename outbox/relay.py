"""The conversation on a ticket: what staff and managers say to the customer, and the customer's
media shown to staff.

Staff write to a customer by replying to the ticket's card (or to anything the bot posted under
it); the customer gets it signed with the store's name and, unless the store says otherwise,
the staff member's name from the roster. Standard replies (the SOP's sentences) go out in the
customer's own language, whatever language the staff speak. Everything said is recorded on the
ticket's audit trail as a ``said`` event, in order, and so reaches ``/export``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from desk import policy
from desk.buttons import Action, encode
from desk.config import StoreConfig
from desk.i18n import N_, Translator, translator
from desk.models import Ticket
from desk.outgoing import Method, Priority, Ref
from desk.storage import Transaction
from outbox import views
from outbox.post import CARD, Outbox

# Telegram lets these kinds carry a caption; a video note or a sticker goes without one.
CAPTIONED = frozenset({"photo", "voice", "video", "document", "audio", "animation"})
RELAYED = CAPTIONED | {"video_note"}

# The SOP's standard sentences (seed 003), for the card's standard-reply buttons.
CANNED: dict[str, str] = {
    # 道歉时的统一语言: the same words as the acknowledgement.
    "apology": N_("Whoever is responsible, first of all thank you for using our product and for "
                  "your feedback, and we apologise for the inconvenience this has caused you."),
    # 对不明问题的处理流程.
    "unclear": N_("Sorry, I cannot give you a definite answer to this question yet. Please leave "
                  "your phone number, and I will ask the company's specialist to answer you."),
    "call": N_("We will call you {promise}."),
    "photo": N_("So that we can help you faster, could you please send us a photo of the "
                "problem?"),
}
CANNED_LABELS: dict[str, str] = {
    "apology": N_("🙏 Apology"),
    "unclear": N_("❓ Not certain yet"),
    "call": N_("📞 We will call before …"),
    "photo": N_("📷 Ask for a photo"),
}


def signature(t: Translator, store: StoreConfig, name: str | None) -> str:
    if store.relay_signature == "store" or not name:
        return t.gettext("💬 {store}:").format(store=escape(store.name))
    return t.gettext("💬 {store} · {name}:").format(store=escape(store.name), name=escape(name))


def canned_text(t: Translator, which: str, ticket: Ticket, store: StoreConfig,
                now: datetime) -> str:
    if which == "call":
        promised = views.parse_time(ticket.contact_by)
        if promised is None or promised <= now:
            promised = policy.contact_deadline(store, ticket, now)
        template = CANNED["call"]
        return t.gettext(template).format(promise=t.promise(promised, store.timezone, now))
    return t.gettext(CANNED[which])


def canned_menu(t: Translator, ticket: Ticket) -> tuple[str, InlineKeyboardMarkup]:
    """The message under the card that offers the standard replies."""
    text = t.gettext("Standard replies for ticket #{number}: the customer gets them in their own "
                     "language. To write your own, reply to the card.").format(
                         number=ticket.number)
    rows = [[InlineKeyboardButton(t.gettext(label),
                                  callback_data=encode(Action.CANNED, ticket.number, which))]
            for which, label in CANNED_LABELS.items()]
    return text, InlineKeyboardMarkup(rows)


def say_to_customer(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig, *,
                    by: int, name: str | None, role: str,
                    text: str | Callable[[Translator], str],
                    source: tuple[int, int] | None = None, media: str | None = None) -> bool:
    """Queue a message from staff (or a manager) to the ticket's customer, signed, and record it.
    ``source`` is the message to copy (a photo, a voice message ...). False when the customer
    cannot be written to (they blocked the bot or asked to be forgotten)."""
    t = outbox.customer_translator(ticket.customer_id, ticket.language)
    if t is None:
        return False
    words = text(t) if callable(text) else text
    head = signature(t, store, name)
    body = escape(words)
    if source is None:
        outbox.send(tx, ticket.customer_id, f"{head}\n{body}", kind="relay", ticket=ticket)
    elif media in CAPTIONED:
        outbox.send(tx, ticket.customer_id, f"{head}\n{body}" if body else head, kind="relay",
                    ticket=ticket, method=Method.COPY, source=source)
    else:  # no caption possible: the signature first, then the message itself
        outbox.send(tx, ticket.customer_id, head, kind="relay", ticket=ticket)
        outbox.send(tx, ticket.customer_id, "", kind="relay", ticket=ticket, method=Method.COPY,
                    source=source)
    ticket.record(outbox.desk.clock(), by, "said", role=role, name=name or "", text=words,
                  **({"media": media} if media else {}))
    return True


def media_to_group(outbox: Outbox, tx: Transaction, ticket: Ticket, message_id: int,
                   media: str, caption: str = "", *, with_card: bool = False) -> None:
    """A customer's photo, voice message, video or file, copied under the ticket's card and
    mentioning its assignee (an edit notifies nobody; a new message does)."""
    store = outbox.desk.store(ticket.store_id)
    if store is None:
        return
    t = translator(store.language)
    if with_card:
        head = t.gettext("📎 Sent with ticket #{number}").format(number=ticket.number)
    else:
        owner = (views.mention(ticket.assignee_id, ticket.assignee_name)
                 if ticket.assignee_id and ticket.assignee_name else t.gettext("everyone"))
        head = t.gettext("📎 {owner}: {name} sent this about ticket #{number}").format(
            owner=owner, name=views.shown_name(ticket.customer_name), number=ticket.number)
    source = (ticket.customer_id, message_id)
    priority = Priority.CARD if with_card else Priority.NOTICE
    reply_to = Ref(ticket.key, CARD)
    if media in CAPTIONED:
        text = f"{head}\n{views.theirs(caption)}" if caption else head
        outbox.send(tx, store.staff_chat_id, text, kind="customer_media", priority=priority,
                    method=Method.COPY, source=source, reply_to=reply_to, ticket=ticket)
        return
    outbox.send(tx, store.staff_chat_id, head, kind="customer_media", priority=priority,
                reply_to=reply_to, ticket=ticket)
    outbox.send(tx, store.staff_chat_id, "", kind="customer_media", priority=priority,
                method=Method.COPY, source=source, reply_to=reply_to, ticket=ticket)
