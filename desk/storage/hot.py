"""The hot file (``desk.json``): its tables, the one read API over them, and the transaction.

TinyDB rewrites a whole file on every write (about 8 ms at 1k documents, 630 ms at 50k on this
kind of machine, with the event loop blocked all along), so the hot file holds only what is
live: drafts and open tickets, the outbox (messages not yet delivered, and failed ones until a
digest has listed them), marks of sweeps and digests done, the bot's own recent message ids
per chat, the routes of replies, the set-up's state and the counters. A :class:`Transaction`
changes any of these in one atomic write: a confirmation writes the ticket, the
acknowledgement and the card together.

:class:`HotReads` is the one read API of the hot file. The database and a transaction both
have it, with the same names meaning the same things: the database reads what is written
now, a transaction reads what it will write (the file as it was when it began, with its own
changes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from tinydb import TinyDB

from desk.models import ACTIVE_STATES, State, Ticket
from desk.outgoing import Outgoing, Status
from desk.storage.jsonfile import open_db
from desk.storage.layout import hot_path
from desk.storage.locking import WriteLock

log = logging.getLogger("desk.storage")

# Tables of the hot file.
TICKETS = "tickets"
OUTBOX = "outbox"
MARKS = "marks"
CHATS = "chats"  # per chat, the ids of the bot's own recent messages
SETUP = "setup"  # the set-up's one document while `sundown init` runs
_SETUP_ID = "state"
OURS_KEPT = 50
ROUTES = "routes"  # per ticket key, the (chat, message id) of each of its messages people answer
ROUTES_KEPT = 300  # per ticket, the newest; the table's entry leaves with the ticket (archive)
META = "meta"
_META_ID = "1"
MARKS_KEPT = timedelta(days=60)  # digest marks older than this are dropped from the hot file


class HotReads:
    """Reading the hot file: the same methods on :class:`Database` and :class:`Transaction`.

    Tickets that cannot be read are left out (and set aside, see ``Database.unreadable``).
    """

    # What a subclass provides: a document, a table's documents, a table's pending changes.
    def _get(self, table: str, doc_id: str) -> Any:
        raise NotImplementedError

    def _items(self, table: str) -> Iterator[tuple[str, Any]]:
        raise NotImplementedError

    def _changed(self, table: str) -> dict[str, Any]:
        return {}

    @property
    def _database(self) -> HotFile:
        raise NotImplementedError

    def _docs(self) -> Iterator[dict[str, Any]]:
        for _key, doc in self._items(TICKETS):
            if isinstance(doc, dict):
                yield doc

    def _tickets(self, docs: Iterable[dict[str, Any]]) -> list[Ticket]:
        found = (self._database._ticket(d) for d in docs)
        return [t for t in found if t is not None]

    # -- tickets -------------------------------------------------------------------------------

    def ticket(self, key: str) -> Ticket | None:
        """A draft or open ticket by its key."""
        doc = self._get(TICKETS, key)
        return self._database._ticket(doc) if doc else None

    def ticket_by_number(self, number: int) -> Ticket | None:
        """An open ticket by its number (archived ones: ``Database.archived``)."""
        for key, doc in self._changed(TICKETS).items():
            if isinstance(doc, dict) and doc.get("number") == number:
                return self.ticket(key)
        indexed = self._database._number_index().get(number)
        return self.ticket(indexed) if indexed else None

    def tickets(self) -> list[Ticket]:
        """Every draft and open ticket, for sweeps and start-up."""
        return self._tickets(self._docs())

    # Older names, kept so that callers need not change at once: the same reads.
    by_key = ticket
    by_number = ticket_by_number
    hot_tickets = tickets

    def hot_docs(self) -> list[dict[str, Any]]:
        """The ticket documents as stored: read them, never change them."""
        return list(self._docs())

    def draft_for(self, customer_id: int) -> Ticket | None:
        drafts = [d for d in self._docs()
                  if d.get("customer_id") == customer_id and d.get("state") == State.DRAFT]
        return self._database._ticket(drafts[-1]) if drafts else None

    def tickets_of(self, customer_id: int) -> list[Ticket]:
        """A customer's open (confirmed) tickets, by number."""
        docs = [d for d in self._docs()
                if d.get("customer_id") == customer_id and d.get("state") != State.DRAFT]
        return sorted(self._tickets(docs), key=lambda t: t.number or 0)

    def active_for(self, customer_id: int) -> Ticket | None:
        """The customer's newest open ticket: their follow-ups attach to it."""
        active = [t for t in self.tickets_of(customer_id) if t.is_active]
        return max(active, key=lambda t: t.number or 0) if active else None

    def awaiting_comment(self, customer_id: int) -> Ticket | None:
        """The customer's ticket whose satisfaction callback waits for a free comment."""
        docs = [d for d in self._docs() if d.get("customer_id") == customer_id
                and (d.get("survey") or {}).get("stage") == "comment"]
        return self._database._ticket(docs[-1]) if docs else None

    def open_tickets(self, store_id: str | None = None) -> list[Ticket]:
        active = {s.value for s in ACTIVE_STATES}
        docs = [d for d in self._docs() if d.get("state") in active
                and (store_id is None or d.get("store_id") == store_id)]
        return sorted(self._tickets(docs), key=lambda t: t.number or 0)

    def open_load(self, store_id: str) -> dict[int, int]:
        """Open tickets per assignee in a store, read without building every ticket."""
        active = {s.value for s in ACTIVE_STATES}
        load: dict[int, int] = {}
        for doc in self._docs():
            assignee = doc.get("assignee_id")
            if doc.get("store_id") == store_id and doc.get("state") in active and assignee:
                load[assignee] = load.get(assignee, 0) + 1
        return load

    def last_number(self) -> int:
        number: int = (self._get(META, _META_ID) or {}).get("last_number", 0)
        return number

    def topics_state(self, store_id: str) -> str | None:
        """A store's staff group as the bot found it: "forum", "plain" or "refused"."""
        found: str | None = ((self._get(META, _META_ID) or {}).get("topics") or {}).get(store_id)
        return found

    # -- the outbox ----------------------------------------------------------------------------

    def outgoing(self, entry_id: str) -> Outgoing | None:
        """One outbox entry by its id."""
        doc = self._get(OUTBOX, entry_id)
        return self._database._outgoing(entry_id, doc) if doc else None

    def outgoings(self) -> list[Outgoing]:
        """The outbox: pending entries and failed ones not yet listed, oldest first."""
        found = (self._database._outgoing(i, d) for i, d in self._items(OUTBOX))
        return sorted((o for o in found if o is not None), key=lambda o: o.seq)

    def failed_outgoing(self) -> list[Outgoing]:
        return [o for o in self.outgoings() if o.status is Status.FAILED]

    # -- marks, the bot's own messages, routes, the set-up -------------------------------------

    def marked(self, name: str) -> bool:
        return self._get(MARKS, name) is not None

    def marks(self, prefix: str) -> dict[str, dict[str, Any]]:
        """The marks whose name starts with ``prefix`` (e.g. ``downtime:``), with their detail."""
        return {name: dict(doc) for name, doc in self._items(MARKS) if name.startswith(prefix)}

    def ours(self, chat_id: int) -> list[int]:
        """The ids of the bot's recent messages in a chat that Telegram confirmed."""
        return list((self._get(CHATS, str(chat_id)) or {}).get("ours", []))

    def routed(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a message of ours is about, by the record the sender wrote when it
        delivered the message (``Transaction.add_route``); None when there is none (not a
        ticket's message, or its ticket is archived)."""
        for key, doc in self._changed(ROUTES).items():
            if isinstance(doc, dict) and [chat_id, message_id] in (doc.get("messages") or []):
                return self.ticket(key)
        routed = self._database._route_index().get((chat_id, message_id))
        return self.ticket(routed) if routed else None

    def setup_state(self) -> dict[str, Any] | None:
        """The set-up's document while the bot is being set up, else None."""
        doc: dict[str, Any] | None = self._get(SETUP, _SETUP_ID)
        return doc


class Transaction(HotReads):
    """One atomic write of the hot file: read fresh, change, write once.

    Use it as a context manager (``with db.transaction() as tx``); nothing is written if the
    block raises. Reads through the transaction see its own changes. It must not span an
    ``await``: that is the point.
    """

    def __init__(self, db: HotFile):
        self._db = db
        self._base = db._hot_data()
        self._changes: dict[str, dict[str, Any]] = {}
        self.added: list[Outgoing] = []  # outbox entries queued or changed, for the sender
        self.dropped: list[str] = []
        self.committed = False

    # -- raw documents -------------------------------------------------------------------------

    @property
    def _database(self) -> HotFile:
        return self._db

    def _get(self, table: str, doc_id: str) -> Any:
        changes = self._changes.get(table, {})
        if doc_id in changes:
            return changes[doc_id]
        return self._base.get(table, {}).get(doc_id)

    def _items(self, table: str) -> Iterator[tuple[str, Any]]:
        changes = self._changes.get(table, {})
        for doc_id, doc in self._base.get(table, {}).items():
            if doc_id not in changes:
                yield doc_id, doc
        for doc_id, doc in changes.items():
            if doc is not None:
                yield doc_id, doc

    def _changed(self, table: str) -> dict[str, Any]:
        return self._changes.get(table, {})

    def _put(self, table: str, doc_id: str, doc: Any) -> None:
        self._changes.setdefault(table, {})[doc_id] = doc

    # -- tickets -------------------------------------------------------------------------------

    def save(self, ticket: Ticket) -> None:
        self._put(TICKETS, ticket.key, ticket.to_dict())

    def remove(self, key: str) -> None:
        self._put(TICKETS, key, None)
        if self._get(ROUTES, key) is not None:
            self._put(ROUTES, key, None)  # its messages' routes leave with it

    def _meta(self) -> dict[str, Any]:
        return dict(self._get(META, _META_ID) or {})

    def set_topics(self, store_id: str, state: str | None) -> None:
        """A store's staff group as the bot found it: "forum", "plain", or "refused" (the bot
        may not make topics there); see outbox/topics.py."""
        meta = self._meta()
        found = dict(meta.get("topics") or {})
        if found.get(store_id) == state:
            return
        found[store_id] = state
        meta["topics"] = found
        self._put(META, _META_ID, meta)

    def next_number(self) -> int:
        """The next ticket number; the counter lives in the same file as the tickets, so a
        crash can neither lose a confirmed ticket nor hand its number out twice."""
        meta = self._meta()
        meta["last_number"] = meta.get("last_number", 0) + 1
        self._put(META, _META_ID, meta)
        number: int = meta["last_number"]
        return number

    # -- the outbox ----------------------------------------------------------------------------

    def put(self, entry: Outgoing) -> Outgoing:
        """Queue (or change) an outgoing message in this write."""
        if not entry.seq:
            meta = self._meta()
            meta["last_seq"] = entry.seq = meta.get("last_seq", 0) + 1
            self._put(META, _META_ID, meta)
        self._put(OUTBOX, entry.id, entry.to_dict())
        self.added = [e for e in self.added if e.id != entry.id] + [entry]
        return entry

    def drop(self, entry_id: str) -> None:
        self._put(OUTBOX, entry_id, None)
        self.added = [e for e in self.added if e.id != entry_id]
        self.dropped.append(entry_id)

    # -- the bot's own messages, per chat ----------------------------------------------------

    def add_ours(self, chat_id: int, message_ids: Iterable[int]) -> None:
        ours = sorted({*self.ours(chat_id), *message_ids})[-OURS_KEPT:]
        self._put(CHATS, str(chat_id), {"ours": ours})

    # -- what each message of ours is about ---------------------------------------------------

    def add_route(self, key: str, chat_id: int, message_ids: Iterable[int]) -> None:
        """Record that these messages of ours in ``chat_id`` are about the ticket ``key``: a
        reply to one of them is routed to that ticket (never by the message's words). Not for
        the ticket's own customer's chat (their replies are theirs), nor for a ticket that left
        the hot file."""
        doc = self._get(TICKETS, key)
        if not isinstance(doc, dict) or doc.get("customer_id") == chat_id:
            return
        known = self._get(ROUTES, key)
        kept = [list(pair) for pair in (known.get("messages") or [] if isinstance(known, dict)
                                        else []) if isinstance(pair, list) and len(pair) == 2]
        kept += [[chat_id, message_id] for message_id in message_ids
                 if [chat_id, message_id] not in kept]
        self._put(ROUTES, key, {"messages": kept[-ROUTES_KEPT:]})

    # -- marks ---------------------------------------------------------------------------------

    def mark(self, name: str, at: datetime, **detail: Any) -> None:
        self._put(MARKS, name, {"at": at.isoformat(), **detail})
        horizon = (at - MARKS_KEPT).isoformat()
        for doc_id, doc in list(self._items(MARKS)):
            if doc.get("at", "") < horizon:
                self._put(MARKS, doc_id, None)

    # -- the set-up (`sundown init`) ---------------------------------------------------------

    def save_setup_state(self, doc: dict[str, Any] | None) -> None:
        """Keep the set-up's document in this write (None: the set-up is over)."""
        self._put(SETUP, _SETUP_ID, doc)

    # -- the write -----------------------------------------------------------------------------

    def commit(self) -> None:
        if self.committed:
            raise RuntimeError("a transaction is written once")
        data = dict(self._base)
        for table, changes in self._changes.items():
            merged = dict(data.get(table, {}))
            for doc_id, doc in changes.items():
                if doc is None:
                    merged.pop(doc_id, None)
                else:
                    merged[doc_id] = doc
            data[table] = merged
        if self._changes:
            self._db._write_hot(data)
        self.committed = True
        self._log_ticket_events()
        self._db._committed(self)

    def _log_ticket_events(self) -> None:
        """One INFO line per ticket event written: the ticket's number and what happened,
        never a name, a phone number or what anyone said."""
        before = self._base.get(TICKETS, {})
        for key, doc in self._changes.get(TICKETS, {}).items():
            if doc is None:
                continue
            old = before.get(key) or {}
            for event in doc.get("events", [])[len(old.get("events", [])):]:
                log.info("ticket %s: %s by %s", f"#{doc['number']}" if doc.get("number")
                         else f"draft {key}", event.get("action"), event.get("actor"))

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._db._open = None
        if exc_type is None:
            self.commit()


class HotFile(HotReads):
    """The database's part that keeps the hot file: reads (:class:`HotReads`) of what is
    written, and :meth:`transaction`, the one way to write it."""

    data_dir: Path
    write_lock: WriteLock
    unreadable: dict[str, dict[str, Any]]

    def _open_hot(self) -> None:
        self._hot: TinyDB = open_db(hot_path(self.data_dir), cache_documents=True,
                                    lock=self.write_lock)
        self._numbers: dict[int, str] | None = None
        self._routes: dict[tuple[int, int], str] | None = None
        self._open: Transaction | None = None
        self.listeners: list[Callable[[Transaction], None]] = []
        self._upgrade_hot_file()

    @property
    def _database(self) -> HotFile:
        return self

    def _get(self, table: str, doc_id: str) -> Any:
        return self._hot_data().get(table, {}).get(doc_id)

    def _items(self, table: str) -> Iterator[tuple[str, Any]]:
        yield from self._hot_data().get(table, {}).items()

    def _hot_data(self) -> dict[str, Any]:
        return self._hot.storage.read() or {}

    def _write_hot(self, data: dict[str, Any]) -> None:
        self._hot.storage.write(data)

    def _committed(self, tx: Transaction) -> None:
        self._numbers = None
        if ROUTES in tx._changes:
            self._routes = None
        for listener in self.listeners:
            listener(tx)

    def transaction(self) -> Transaction:
        """Read the hot file fresh, change it, write it once (``with db.transaction() as tx``)."""
        if self._open is not None:
            raise RuntimeError("transactions do not nest: finish the open one first")
        self._open = Transaction(self._database)
        return self._open

    def update(self, key: str, change: Callable[[Ticket, Transaction], None]) -> Ticket | None:
        """Re-read the ticket ``key``, apply ``change`` and write it, in one step."""
        with self.transaction() as tx:
            ticket = tx.ticket(key)
            if ticket is None:
                return None
            change(ticket, tx)
            tx.save(ticket)
        return ticket

    def save(self, ticket: Ticket) -> None:
        """Insert or update one draft or open ticket that was *just* read: one durable write.
        Anything read before an await goes through :meth:`update` instead."""
        with self.transaction() as tx:
            tx.save(ticket)

    def delete_draft(self, key: str) -> None:
        with self.transaction() as tx:
            ticket = tx.ticket(key)
            if ticket is not None and ticket.state is State.DRAFT:
                tx.remove(key)

    # -- records that cannot be read -------------------------------------------------------------

    def _ticket(self, doc: dict[str, Any]) -> Ticket | None:
        """A stored ticket; one that cannot be read is set aside (kept, logged once)."""
        try:
            return Ticket.from_dict(doc)
        except Exception as exc:  # a bad record must not stop the others
            key = str(doc.get("key")) if isinstance(doc, dict) else "?"
            if key not in self.unreadable:
                log.error("ticket %s cannot be read and is set aside: %r", key, exc)
                self.unreadable[key] = {
                    "reason": f"{type(exc).__name__}: {exc}",
                    "store_id": doc.get("store_id") if isinstance(doc, dict) else None,
                    "number": doc.get("number") if isinstance(doc, dict) else None}
            return None

    def _outgoing(self, entry_id: str, doc: Any) -> Outgoing | None:
        """An outbox entry; one that cannot be read, or names a file outside the outbox, is
        set aside like an unreadable ticket: kept as it is, never sent, managers told once."""
        try:
            return Outgoing.from_dict(doc)
        except Exception as exc:
            self.set_aside(f"outbox:{entry_id}", f"the outbox entry {entry_id}", exc,
                           doc.get("store_id") if isinstance(doc, dict) else None)
            return None

    def set_aside(self, key: str, record: str, exc: Exception, store_id: Any = None) -> None:
        """Note a record (not a ticket) that cannot be used: logged once, managers told."""
        if key not in self.unreadable:
            log.error("%s cannot be read and is set aside: %r", record, exc)
            self.unreadable[key] = {"reason": f"{type(exc).__name__}: {exc}",
                                    "store_id": store_id if isinstance(store_id, str) else None,
                                    "number": None, "record": key}

    # -- indexes -----------------------------------------------------------------------------------

    def _number_index(self) -> dict[int, str]:
        if self._numbers is None:
            tickets = self._hot_data().get(TICKETS, {})
            self._numbers = {d["number"]: key for key, d in tickets.items()
                             if isinstance(d, dict) and isinstance(d.get("number"), int)}
        return self._numbers

    def _route_index(self) -> dict[tuple[int, int], str]:
        if self._routes is None:
            index: dict[tuple[int, int], str] = {}
            for key, doc in self._hot_data().get(ROUTES, {}).items():
                for pair in doc.get("messages") or [] if isinstance(doc, dict) else []:
                    if isinstance(pair, list) and len(pair) == 2:
                        index[(pair[0], pair[1])] = key
            self._routes = index
        return self._routes

    def _upgrade_hot_file(self) -> None:
        """Files written before the outbox keyed tickets by TinyDB's counter; key them by their
        own key, so a ticket is found without a scan."""
        data = self._hot_data()
        tickets = data.get(TICKETS, {})
        if all(key == doc.get("key") for key, doc in tickets.items() if isinstance(doc, dict)):
            return
        rekeyed = {(doc.get("key") if isinstance(doc, dict) else key) or key: doc
                   for key, doc in tickets.items()}
        self._write_hot({**data, TICKETS: rekeyed})

    def hot_snapshot(self) -> str:
        """The open tickets as JSON text: a copy another process may read while this one writes."""
        tickets = self._hot_data().get(TICKETS, {})
        return json.dumps(list(tickets.values()), ensure_ascii=False)
