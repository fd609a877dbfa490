"""Handing messages over: what handlers and sweeps call, inside the transaction that causes them.

    with context.desk.db.transaction() as tx:
        ticket = tx.ticket_by_number(number)        # fresh, in this write
        lifecycle.claim(ticket, user.id, name, now)
        tx.save(ticket)
        context.outbox.card(tx, ticket)             # the card shows the new state
        context.outbox.to_customer(tx, ticket, assigned, kind="assigned")

The ticket and its messages are written together; the sender delivers the messages after the
write. Nothing here awaits Telegram. Coalescing happens here: a card changed three times
before its edit went out is edited once, with the newest rendering; a customer's messages in
quick succession make one notice in the group.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from telegram import CallbackQuery, TelegramObject

from desk.config import StoreConfig
from desk.context import Desk
from desk.i18n import Translator, translator
from desk.models import Ticket
from desk.outgoing import Method, Outgoing, Priority, Ref, Status
from desk.policy import may_handle
from desk.storage import Transaction
from outbox import topics, views
from outbox.sender import Sender
from outbox.split import CAPTION_LIMIT, TEXT_LIMIT, split_html

Text = str | Callable[[Translator], str]
Markup = TelegramObject | dict[str, Any] | None
CARD = "card_message_id"
MEDIA = (Method.PHOTO, Method.DOCUMENT, Method.VOICE, Method.VIDEO, Method.COPY)


def _markup(markup: Markup) -> dict[str, Any] | None:
    if markup is None or isinstance(markup, dict):
        return markup
    return markup.to_dict()


def new_id() -> str:
    return secrets.token_hex(6)


class Outbox:
    """The outbox of one desk: queue messages in a transaction; the sender delivers them."""

    def __init__(self, desk: Desk, sender: Sender | None = None):
        self.desk = desk
        self.sender = sender
        topics.install(self)

    def transaction(self) -> Transaction:
        """Deprecated alias of ``desk.db.transaction()``, the one way to open a transaction:
        the transaction is the database's, the outbox only writes into it. Kept until the
        callers are renamed."""
        return self.desk.db.transaction()

    # -- running the sender --------------------------------------------------------------------

    def start(self) -> None:
        if self.sender is not None:
            self.sender.start()

    async def stop(self) -> None:
        if self.sender is not None:
            await self.sender.stop()

    async def settle(self, limit: float = 10.0) -> None:
        if self.sender is not None:
            await self.sender.settle(limit)

    # -- any message ---------------------------------------------------------------------------

    def put(self, tx: Transaction, entry: Outgoing) -> Outgoing:
        """Queue ``entry`` in this write; a text too long for one message becomes several."""
        entry.id = entry.id or new_id()
        entry.created_at = entry.created_at or self.desk.clock().isoformat()
        if entry.ticket and entry.chat_id < 0 and entry.thread is None:
            topics.thread_into(tx, entry, self.desk.store(entry.store_id or ""))
        if entry.method in MEDIA and entry.text:
            return self._media(tx, entry)
        if entry.method is not Method.SEND or entry.text is None:
            return tx.put(entry)
        parts = split_html(entry.text, TEXT_LIMIT)
        if len(parts) == 1:
            return tx.put(entry)
        markup, entry.markup = entry.markup, None
        first = entry
        for index, part in enumerate(parts):
            piece = first if index == 0 else Outgoing.from_dict(
                {**first.to_dict(), "id": new_id(), "seq": 0, "reply_to": None,
                 "remember": None, "merge": None, "fallback": None})
            piece.text = part
            piece.markup = markup if index == len(parts) - 1 else None
            tx.put(piece)
        return first

    def _media(self, tx: Transaction, entry: Outgoing) -> Outgoing:
        """Media with a caption too long for one (Telegram takes 1,024 characters; Premium
        users may write 4,096): as much as fits goes with the media, the rest follows as text
        in the same chat and thread, and its buttons go with the last part."""
        parts = split_html(entry.text or "", CAPTION_LIMIT)
        if len(parts) == 1:
            return tx.put(entry)
        markup, entry.markup = entry.markup, None
        entry.text = parts[0]
        tx.put(entry)
        self.put(tx, Outgoing.from_dict(
            {**entry.to_dict(), "id": new_id(), "seq": 0, "method": Method.SEND.value,
             "text": "\n".join(parts[1:]), "markup": markup, "source": None, "file": None,
             "filename": None, "remember": None, "merge": None, "fallback": None}))
        return entry

    def send(self, tx: Transaction, chat_id: int, text: str, *, kind: str,
             priority: Priority = Priority.REPLY, markup: Markup = None,
             reply_to: int | Ref | None = None, ticket: Ticket | None = None,
             store_id: str | None = None, remember: str | None = None,
             merge: str | None = None, fallback: Outgoing | None = None,
             method: Method = Method.SEND, file: str | None = None,
             filename: str | None = None, source: tuple[int, int] | None = None) -> Outgoing:
        return self.put(tx, Outgoing(
            id="", chat_id=chat_id, kind=kind, priority=priority, method=method, text=text,
            markup=_markup(markup), reply_to=reply_to, file=file, filename=filename,
            source=source, ticket=ticket.key if ticket else None,
            number=ticket.number if ticket else None,
            store_id=store_id or (ticket.store_id if ticket else None), remember=remember,
            merge=merge, fallback=fallback.to_dict() if fallback else None))

    def edit(self, tx: Transaction, chat_id: int, message_id: int | Ref, text: str, *,
             kind: str, markup: Markup = None, priority: Priority = Priority.REPLY,
             ticket: Ticket | None = None) -> Outgoing:
        """Show ``text`` in place of a message the bot sent (its keyboard goes unless given)."""
        return self.put(tx, Outgoing(
            id="", chat_id=chat_id, kind=kind, priority=priority, method=Method.EDIT,
            text=text, markup=_markup(markup), target=message_id,
            ticket=ticket.key if ticket else None, number=ticket.number if ticket else None,
            store_id=ticket.store_id if ticket else None))

    def keyboard(self, tx: Transaction, chat_id: int, message_id: int | Ref, markup: Markup,
                 *, kind: str, priority: Priority = Priority.REPLY) -> Outgoing:
        return self.put(tx, Outgoing(
            id="", chat_id=chat_id, kind=kind, priority=priority, method=Method.KEYBOARD,
            markup=_markup(markup) or {"inline_keyboard": []}, target=message_id))

    def mergeable(self, tx: Transaction, merge: str) -> Outgoing | None:
        """A queued entry with this merge key that may still change (not under way)."""
        found = None
        for entry in tx.outgoings():
            if entry.merge == merge and entry.status is Status.PENDING and not (
                    self.sender is not None and self.sender.is_flying(entry.id)):
                found = entry
        return found

    # -- people --------------------------------------------------------------------------------

    def customer_translator(self, customer_id: int, fallback: str) -> Translator | None:
        """The customer's language; None when they cannot be written to (blocked, forgotten)."""
        if customer_id <= 0:
            return None
        customer = self.desk.db.customer(customer_id)
        if customer is not None and customer.blocked:
            return None
        return translator(self.desk.language_of(customer, fallback=fallback))

    def to_customer(self, tx: Transaction, ticket: Ticket, text: Text, *, kind: str,
                    markup: Callable[[Translator], Markup] | None = None,
                    priority: Priority = Priority.REPLY, merge: str | None = None) -> None:
        """Tell the ticket's customer, in their language; nothing if they blocked the bot."""
        t = self.customer_translator(ticket.customer_id, ticket.language)
        if t is None:
            return
        if merge is not None and self.mergeable(tx, merge) is not None:
            return  # the message already queued says it
        self.send(tx, ticket.customer_id, _text(text, t), kind=kind, priority=priority,
                  markup=markup(t) if markup else None, ticket=ticket, merge=merge)

    def to_person(self, tx: Transaction, user_id: int, store: StoreConfig, text: Text, *,
                  kind: str, markup: Callable[[Translator], Markup] | None = None,
                  priority: Priority = Priority.REPLY, ticket: Ticket | None = None,
                  fallback: Outgoing | None = None) -> Outgoing:
        """A private message to staff or a manager, in their language."""
        t = translator(self.desk.person_language(user_id, store.language))
        return self.send(tx, user_id, _text(text, t), kind=kind, priority=priority,
                         markup=markup(t) if markup else None, ticket=ticket,
                         store_id=store.id, fallback=fallback)

    def to_managers(self, tx: Transaction, store: StoreConfig, text: Text, *, kind: str,
                    markup: Callable[[Translator], Markup] | None = None,
                    ticket: Ticket | None = None,
                    priority: Priority = Priority.REPLY) -> None:
        """Each of the store's managers, in private. About a ticket, a manager who cannot be
        reached (never pressed Start, or blocked the bot) is reported in the staff group."""
        for manager in store.managers:
            if ticket is not None and not may_handle(ticket, manager):
                continue  # never alerted about a complaint against themselves
            fallback = None
            if ticket is not None:
                t = translator(store.language)
                fallback = Outgoing(
                    id=new_id(), chat_id=store.staff_chat_id, kind="manager_unreachable",
                    priority=Priority.NOTICE, store_id=store.id, ticket=ticket.key,
                    number=ticket.number, reply_to=Ref(ticket.key, CARD),
                    text=t.gettext("⚠️ I could not reach manager {ids} in private about ticket "
                                   "#{number}: a manager must first open a private chat with "
                                   "me and press Start.").format(ids=manager,
                                                                 number=ticket.number))
            self.to_person(tx, manager, store, text, kind=kind, markup=markup,
                           priority=priority, ticket=ticket, fallback=fallback)

    # -- the staff group -----------------------------------------------------------------------

    def card(self, tx: Transaction, ticket: Ticket, markup: Markup | bool = True) -> None:
        """Show the ticket's card in its store's group as it is now: post it if it has none
        (exactly one card per ticket: posting and posting again are this one path), else edit
        it. ``markup`` overrides the state's buttons (False: none)."""
        store = self.desk.store(ticket.store_id)
        if store is None or ticket.number is None:
            return  # a store removed from the config: its tickets stay where they are
        t = translator(store.language)
        customer = self.desk.db.customer(ticket.customer_id)
        text = views.card(t, ticket, store, customer.phone if customer else None, customer,
                          now=self.desk.clock())
        if markup is True:
            markup = views.card_keyboard(t, ticket)
        data = _markup(markup) if markup is not False else None
        merge = f"card:{ticket.key}"
        queued = self.mergeable(tx, merge)
        if queued is not None:
            queued.text, queued.markup = text, data
            tx.put(queued)
            topics.follow(self, tx, ticket, store)
            return
        posting = any(e.ticket == ticket.key and e.remember == CARD
                      and e.status is Status.PENDING for e in tx.outgoings())
        if ticket.card_message_id is None and not posting:
            in_topic = topics.prepare(self, tx, ticket, store)  # topics mode: its own topic
            self.put(tx, Outgoing(
                id="", chat_id=store.staff_chat_id, kind="card", priority=Priority.CARD,
                text=text, markup=data, ticket=ticket.key, number=ticket.number,
                store_id=store.id, remember=CARD, merge=merge))
            if in_topic:
                topics.after_card(self, tx, ticket, store)
        else:
            self.put(tx, Outgoing(
                id="", chat_id=store.staff_chat_id, kind="card", priority=Priority.EDIT,
                method=Method.EDIT, text=text, markup=data, target=Ref(ticket.key, CARD),
                ticket=ticket.key, number=ticket.number, store_id=store.id, merge=merge))
        topics.follow(self, tx, ticket, store)

    def in_thread(self, tx: Transaction, ticket: Ticket, text: Text, *, kind: str,
                  priority: Priority = Priority.NOTICE, merge: str | None = None,
                  addition: str | None = None, markup: Markup = None,
                  remember: str | None = None) -> None:
        """A new message in the ticket's group, replying to its card: an edit notifies
        nobody, a reply (with a mention) does. With ``merge``, a notice still queued takes
        ``addition`` instead of a second notice."""
        store = self.desk.store(ticket.store_id)
        if store is None:
            return
        t = translator(store.language)
        if merge is not None and addition is not None:
            queued = self.mergeable(tx, merge)
            if queued is not None:
                queued.text = f"{queued.text}\n{addition}"
                self.put(tx, queued)
                return
        self.send(tx, store.staff_chat_id, _text(text, t), kind=kind, priority=priority,
                  reply_to=Ref(ticket.key, CARD), ticket=ticket, markup=markup, merge=merge,
                  remember=remember)

    # -- button presses ------------------------------------------------------------------------

    def answer(self, query: CallbackQuery | None, text: str | None = None,
               alert: bool = False) -> None:
        """Answer a button press (not durable, never waits behind messages)."""
        if query is not None and self.sender is not None:
            self.sender.answer(query.id, text, alert)


def _text(text: Text, t: Translator) -> str:
    return text(t) if callable(text) else text
