"""Durable storage of tickets, customers and what the bot has to say, on TinyDB.

TinyDB rewrites a whole file on every write (about 8 ms at 1k documents, 630 ms at 50k on this
kind of machine, with the event loop blocked all along), so the file written on the hot path
must stay small whatever the history:

- ``desk.json``, the hot file: drafts and open tickets, the outbox (messages not yet delivered,
  and failed ones until a digest has listed them), marks of digests sent, and the counters. A
  :class:`Transaction` changes any of these in one atomic write: a confirmation writes the
  ticket, the acknowledgement and the card together.
- ``archive/YYYY-MM.json``: finished tickets, by the month they were confirmed in.
- ``customers/NN.json``: customer profiles, sharded by user id so one write stays small.
- ``records.json`` (served counts, fed-back marks) and ``greetings.json`` (campaigns).

Every file is written crash-safely: a temp file, fsync, ``os.replace``, then the folder is
fsynced (the default JSONStorage left a corrupt file in 4 of 20 kills during a write). A stale
temp file is ignored. Folders are created 0700 and files 0600 whatever the umask: they hold
customers' phone numbers. A file that cannot be read is never overwritten: :class:`DataError`
names it, and start-up stops.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from desk.models import ACTIVE_STATES, Customer, State, Ticket
from desk.outgoing import Outgoing, Status

log = logging.getLogger(__name__)

CUSTOMER_SHARDS = 32
FOLDER_MODE = 0o700
FILE_MODE = 0o600
WRITE_LOCK_FILE = "write.lock"
SENT_LOG_DAYS = 14  # days of sent logs kept in outbox/
MARKS_KEPT = timedelta(days=60)  # digest marks older than this are dropped from the hot file


class DataError(Exception):
    """A data file cannot be read; ``path`` names it."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _check_ends(path: Path) -> None:
    """A JSON object file cut short (a full disk, a copy interrupted) does not end in "}"."""
    with path.open("rb") as f:
        head = f.read(1)
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 64))
        tail = f.read().rstrip()
    if size and (head != b"{" or not tail.endswith(b"}")):
        raise DataError(path, "the file is cut short or damaged (not a whole JSON object)")


def private_folder(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the bot's user only."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(path, FOLDER_MODE)  # mkdir's mode is masked by the umask
    return path


class WriteLock:
    """The data folder's write lock (``write.lock``): the bot holds it for each write, a
    compound one (archiving a ticket: the archive, then the hot file, the side file, the
    customer) from its first file to its last; ``sundown backup`` holds it for the moment it
    takes its snapshot, so the snapshot falls between two writes, never inside one.

    An ``flock`` on the file: it conflicts across processes and across separate opens in one
    process, and the kernel drops it when its holder dies. Re-entrant within one holder.
    """

    def __init__(self, data_dir: Path):
        self.path = data_dir / WRITE_LOCK_FILE
        self._guard = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._guard:
            if self._depth == 0:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
                fcntl.flock(self._fd, fcntl.LOCK_EX)  # waits while a backup links its files
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # closing the last descriptor releases the lock
                    self._fd = None


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never leaves a half-written file and reads the disk only once.

    With ``cache_documents`` it also keeps each document's JSON text and encodes again only the
    documents that changed: encoding 300 open tickets takes ~5 ms, comparing them ~0.3 ms.
    """

    def __init__(self, path: str | Path, cache_documents: bool = False,
                 lock: WriteLock | None = None):
        self.path = Path(path)
        self._lock = lock
        private_folder(self.path.parent)
        self._cache: dict[str, Any] | None = None
        self._encoded: dict[tuple[str, str], tuple[Any, str]] | None = (
            {} if cache_documents else None
        )

    def read(self) -> dict[str, Any] | None:
        if self._cache is None:
            try:
                with self.path.open(encoding="utf-8") as f:
                    data = json.load(f)
            except FileNotFoundError:
                return None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DataError(self.path, f"not valid JSON ({exc})") from exc
            if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
                raise DataError(self.path, "not a TinyDB file (expected tables of documents)")
            self._cache = data
        return self._cache

    def write(self, data: dict[str, Any]) -> None:
        if self._lock is None:
            self._write(data)
        else:
            with self._lock.held():
                self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            text = self._encode(data)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.fchmod(f.fileno(), FILE_MODE)  # an old temp file may have other bits
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            # TinyDB mutated our cached dict before calling write; forget it so the next read
            # shows what is really on disk.
            self._cache = None
            raise
        self._cache = data
        _fsync_dir(self.path.parent)

    def _encode(self, data: dict[str, Any]) -> str:
        # json.dumps, not json.dump: dump streams through the pure-Python encoder, which is many
        # times slower than the C one-shot encoder.
        if self._encoded is None:
            return _dumps(data)
        seen: set[tuple[str, str]] = set()
        tables = []
        for name, table in data.items():
            docs = []
            for doc_id, doc in table.items():
                key = (name, doc_id)
                seen.add(key)
                cached = self._encoded.get(key)
                if cached is None or cached[0] != doc:
                    text = _dumps(doc)
                    # A private copy: TinyDB may later change ``doc`` in place.
                    cached = (json.loads(text), text)
                    self._encoded[key] = cached
                docs.append(f"{_dumps(doc_id)}:{cached[1]}")
            tables.append(f"{_dumps(name)}:{{{','.join(docs)}}}")
        for key in self._encoded.keys() - seen:
            del self._encoded[key]
        return "{" + ",".join(tables) + "}"

    def close(self) -> None:
        self._cache = None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_db(path: Path, cache_documents: bool = False, lock: WriteLock | None = None) -> TinyDB:
    db = TinyDB(path, storage=AtomicJSONStorage, cache_documents=cache_documents, lock=lock)
    db.storage.read()  # fail now, naming the file, rather than in the middle of a handler
    return db


# Tables of the hot file.
TICKETS = "tickets"
FOLLOWUPS = "followups"  # folder of side files: each ticket's follow-ups, whole
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


class Transaction:
    """One atomic write of the hot file: read fresh, change, write once.

    Use it as a context manager; nothing is written if the block raises. Reads through the
    transaction see its own changes. It must not span an ``await``: that is the point.
    """

    def __init__(self, db: Database):
        self._db = db
        self._base = db._hot_data()
        self._changes: dict[str, dict[str, Any]] = {}
        self.added: list[Outgoing] = []  # outbox entries queued or changed, for the sender
        self.dropped: list[str] = []
        self.committed = False

    # -- raw documents -------------------------------------------------------------------------

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

    def _put(self, table: str, doc_id: str, doc: Any) -> None:
        self._changes.setdefault(table, {})[doc_id] = doc

    # -- tickets -------------------------------------------------------------------------------

    def ticket(self, key: str) -> Ticket | None:
        doc = self._get(TICKETS, key)
        return self._db._ticket(doc) if doc else None

    def ticket_by_number(self, number: int) -> Ticket | None:
        for doc_id, doc in self._changes.get(TICKETS, {}).items():
            if doc is not None and doc.get("number") == number:
                return self.ticket(doc_id)
        key = self._db._number_index().get(number)
        return self.ticket(key) if key else None

    def tickets(self) -> list[Ticket]:
        """Every draft and open ticket, fresh."""
        found = (self._db._ticket(doc) for _id, doc in self._items(TICKETS))
        return [t for t in found if t is not None]

    def draft_for(self, customer_id: int) -> Ticket | None:
        drafts = [t for t in self.tickets()
                  if t.customer_id == customer_id and t.state is State.DRAFT]
        return drafts[-1] if drafts else None

    def active_for(self, customer_id: int) -> Ticket | None:
        """The customer's newest open ticket: their follow-ups attach to it."""
        active = [t for t in self.tickets() if t.customer_id == customer_id and t.is_active]
        return max(active, key=lambda t: t.number or 0) if active else None

    def save(self, ticket: Ticket) -> None:
        self._put(TICKETS, ticket.key, ticket.to_dict())

    def remove(self, key: str) -> None:
        self._put(TICKETS, key, None)
        if self._get(ROUTES, key) is not None:
            self._put(ROUTES, key, None)  # its messages' routes leave with it

    def _meta(self) -> dict[str, Any]:
        return dict(self._get(META, _META_ID) or {})

    def next_number(self) -> int:
        """The next ticket number; the counter lives in the same file as the tickets, so a
        crash can neither lose a confirmed ticket nor hand its number out twice."""
        meta = self._meta()
        meta["last_number"] = meta.get("last_number", 0) + 1
        self._put(META, _META_ID, meta)
        number: int = meta["last_number"]
        return number

    # -- the outbox ----------------------------------------------------------------------------

    def outgoing(self, entry_id: str) -> Outgoing | None:
        doc = self._get(OUTBOX, entry_id)
        return Outgoing.from_dict(doc) if doc else None

    def outgoings(self) -> list[Outgoing]:
        return sorted((Outgoing.from_dict(d) for _id, d in self._items(OUTBOX)),
                      key=lambda o: o.seq)

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

    def ours(self, chat_id: int) -> list[int]:
        """The ids of the bot's recent messages in a chat that Telegram confirmed."""
        return list((self._get(CHATS, str(chat_id)) or {}).get("ours", []))

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

    def marked(self, name: str) -> bool:
        return self._get(MARKS, name) is not None

    def mark(self, name: str, at: datetime, **detail: Any) -> None:
        self._put(MARKS, name, {"at": at.isoformat(), **detail})
        horizon = (at - MARKS_KEPT).isoformat()
        for doc_id, doc in list(self._items(MARKS)):
            if doc.get("at", "") < horizon:
                self._put(MARKS, doc_id, None)

    # -- the set-up (`sundown init`) ---------------------------------------------------------

    def setup_state(self) -> dict[str, Any] | None:
        """The set-up's document while the bot is being set up, else None."""
        doc: dict[str, Any] | None = self._get(SETUP, _SETUP_ID)
        return doc

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


class Database:
    """The single source of truth: tickets, customers, the outbox, the managers' records."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = private_folder(Path(data_dir))
        self.write_lock = WriteLock(self.data_dir)
        self._hot = _open_db(self.data_dir / "desk.json", cache_documents=True,
                             lock=self.write_lock)
        self._archives: dict[str, TinyDB] = {}
        self._customer_shards: dict[int, TinyDB] = {}
        # Managers' records: served counts, fed-back marks. Small and rare.
        self._records = _open_db(self.data_dir / "records.json", lock=self.write_lock)
        # Greeting campaigns; each one's sends go to an append-only log beside it.
        self._campaign_db = _open_db(self.data_dir / "greetings.json", lock=self.write_lock)
        self._campaigns = self._campaign_db.table("campaigns")
        self._numbers: dict[int, str] | None = None
        self._routes: dict[tuple[int, int], str] | None = None
        self._open: Transaction | None = None
        # ticket key -> why it could not be read, and its store and number when those can be
        self.unreadable: dict[str, dict[str, Any]] = {}
        self._sent_log_day: str | None = None
        self.listeners: list[Callable[[Transaction], None]] = []
        self._upgrade_hot_file()
        self._finish_interrupted_archiving()

    # -- the hot file --------------------------------------------------------------------------

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
        self._open = Transaction(self)
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

    def _docs(self) -> Iterator[dict[str, Any]]:
        yield from self._hot_data().get(TICKETS, {}).values()

    def _number_index(self) -> dict[int, str]:
        if self._numbers is None:
            tickets = self._hot_data().get(TICKETS, {})
            self._numbers = {d["number"]: key for key, d in tickets.items()
                             if isinstance(d, dict) and isinstance(d.get("number"), int)}
        return self._numbers

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

    # -- tickets, read ---------------------------------------------------------------------------

    def by_key(self, key: str) -> Ticket | None:
        doc = self._hot_data().get(TICKETS, {}).get(key)
        return self._ticket(doc) if doc else None

    def by_number(self, number: int) -> Ticket | None:
        key = self._number_index().get(number)
        return self.by_key(key) if key else None

    def hot_docs(self) -> list[dict[str, Any]]:
        """The hot file's ticket documents as stored: read them, never change them."""
        return [d for d in self._docs() if isinstance(d, dict)]

    def hot_tickets(self) -> list[Ticket]:
        """Every draft and open ticket, for sweeps and start-up; unreadable ones left out."""
        found = (self._ticket(doc) for doc in self._docs())
        return [t for t in found if t is not None]

    def draft_for(self, customer_id: int) -> Ticket | None:
        drafts = [d for d in self._docs()
                  if d.get("customer_id") == customer_id and d.get("state") == State.DRAFT]
        return self._ticket(drafts[-1]) if drafts else None

    def tickets_of(self, customer_id: int) -> list[Ticket]:
        docs = [d for d in self._docs()
                if d.get("customer_id") == customer_id and d.get("state") != State.DRAFT]
        found = (self._ticket(d) for d in docs)
        return sorted((t for t in found if t is not None), key=lambda t: t.number or 0)

    def active_for(self, customer_id: int) -> Ticket | None:
        """The customer's newest open ticket: their follow-ups attach to it."""
        active = [t for t in self.tickets_of(customer_id) if t.is_active]
        return max(active, key=lambda t: t.number or 0) if active else None

    def awaiting_comment(self, customer_id: int) -> Ticket | None:
        """The customer's ticket whose satisfaction callback waits for a free comment."""
        docs = [d for d in self._docs() if d.get("customer_id") == customer_id
                and (d.get("survey") or {}).get("stage") == "comment"]
        return self._ticket(docs[-1]) if docs else None

    def open_tickets(self, store_id: str | None = None) -> list[Ticket]:
        active = {s.value for s in ACTIVE_STATES}
        docs = [d for d in self._docs() if d.get("state") in active
                and (store_id is None or d.get("store_id") == store_id)]
        found = (self._ticket(d) for d in docs)
        return sorted((t for t in found if t is not None), key=lambda t: t.number or 0)

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
        number: int = (self._hot_data().get(META, {}).get(_META_ID) or {}).get("last_number", 0)
        return number

    def outgoing(self) -> list[Outgoing]:
        """The outbox: pending entries and failed ones not yet listed, oldest first."""
        docs = self._hot_data().get(OUTBOX, {}).values()
        return sorted((Outgoing.from_dict(d) for d in docs), key=lambda o: o.seq)

    def failed_outgoing(self) -> list[Outgoing]:
        return [o for o in self.outgoing() if o.status is Status.FAILED]

    def marked(self, name: str) -> bool:
        return name in self._hot_data().get(MARKS, {})

    def marks(self, prefix: str) -> dict[str, dict[str, Any]]:
        """The marks whose name starts with ``prefix`` (e.g. ``downtime:``), with their detail."""
        return {name: dict(doc) for name, doc in self._hot_data().get(MARKS, {}).items()
                if name.startswith(prefix)}

    def ours(self, chat_id: int) -> list[int]:
        return list((self._hot_data().get(CHATS, {}).get(str(chat_id)) or {}).get("ours", []))

    def routed(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a message of ours is about, by the record the sender wrote when it
        delivered the message (``Transaction.add_route``); None when there is none (not a
        ticket's message, or its ticket is archived)."""
        if self._routes is None:
            index: dict[tuple[int, int], str] = {}
            for key, doc in self._hot_data().get(ROUTES, {}).items():
                for pair in doc.get("messages") or [] if isinstance(doc, dict) else []:
                    if isinstance(pair, list) and len(pair) == 2:
                        index[(pair[0], pair[1])] = key
            self._routes = index
        key = self._routes.get((chat_id, message_id))
        return self.by_key(key) if key else None

    # -- tickets, written ----------------------------------------------------------------------

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

    # -- a chatty customer's follow-ups --------------------------------------------------------

    def keep_followup(self, key: str, entry: dict[str, Any]) -> None:
        """The whole follow-up, appended to the ticket's side file: the hot file keeps only
        the last few, shortened (it is rewritten on every write), the archive gets them all."""
        folder = private_folder(self.data_dir / FOLLOWUPS)
        path = folder / f"{key}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with self.write_lock.held(), os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def all_followups(self, ticket: Ticket) -> list[dict[str, Any]]:
        """Every follow-up of the ticket, whole: the side file, else what the record holds."""
        path = self.data_dir / FOLLOWUPS / f"{ticket.key}.jsonl"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return list(ticket.followups)
        kept = []
        for line in lines:
            try:
                kept.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: the hot record still has it
        return kept or list(ticket.followups)

    # -- archive -------------------------------------------------------------------------------

    def archive(self, key: str) -> Ticket | None:
        """Move a finished ticket out of the hot file.

        The archive is written first; a crash between the two writes leaves the ticket in both,
        and start-up finishes the move.
        """
        with self.write_lock.held():  # a backup sees the ticket moved, or not yet: never half
            return self._archive_ticket(key)

    def _archive_ticket(self, key: str) -> Ticket | None:
        ticket = self.by_key(key)
        if ticket is None:
            return None
        ticket.followups = self.all_followups(ticket)
        month = (ticket.confirmed_at or ticket.created_at)[:7]
        self._archive(month).table("tickets").upsert(
            Document(ticket.to_dict(), doc_id=ticket.number or 0)
        )
        with self.transaction() as tx:
            tx.remove(key)
        (self.data_dir / FOLLOWUPS / f"{key}.jsonl").unlink(missing_ok=True)
        if (number := ticket.number) is not None:
            def remember(customer: Customer) -> None:
                customer.closed_tickets = [*customer.closed_tickets[-49:], number]

            self.update_customer(ticket.customer_id, remember)
        return ticket

    def archived(self, number: int, month: str | None = None) -> Ticket | None:
        months = [month] if month else self.archive_months()
        for m in reversed(months):
            doc = self._archive(m).table("tickets").get(doc_id=number)
            if doc:
                return Ticket.from_dict(doc)
        return None

    def archive_months(self) -> list[str]:
        folder = self.data_dir / "archive"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []

    def archived_tickets(self, month: str) -> Iterator[Ticket]:
        for doc in self._archive(month).table("tickets").all():
            yield Ticket.from_dict(doc)

    def _archive(self, month: str) -> TinyDB:
        if month not in self._archives:
            self._archives[month] = _open_db(self.data_dir / "archive" / f"{month}.json",
                                             lock=self.write_lock)
        return self._archives[month]

    def _finish_interrupted_archiving(self) -> None:
        done = []
        for key, doc in self._hot_data().get(TICKETS, {}).items():
            number = doc.get("number")
            month = (doc.get("confirmed_at") or doc.get("created_at") or "")[:7]
            if number and (self.data_dir / "archive" / f"{month}.json").exists():
                if self._archive(month).table("tickets").contains(doc_id=number):
                    log.warning("finishing the archiving of ticket #%s after a crash", number)
                    done.append(key)
        if done:
            with self.transaction() as tx:
                for key in done:
                    tx.remove(key)

    # -- tickets of a period, for the digest and exports -----------------------------------------

    def hot_snapshot(self) -> str:
        """The open tickets as JSON text: a copy another process may read while this one writes."""
        tickets = self._hot_data().get(TICKETS, {})
        return json.dumps(list(tickets.values()), ensure_ascii=False)

    # -- managers' records ---------------------------------------------------------------------

    def set_served(self, store_id: str, day: date, count: int, by: int, at: datetime) -> None:
        record = {"store_id": store_id, "date": day.isoformat(), "count": count, "by": by,
                  "at": at.isoformat()}
        served = self._records.table("served")
        served.upsert(record, (Query().store_id == store_id) & (Query().date == day.isoformat()))

    def served(self, store_id: str) -> dict[date, int]:
        docs = self._records.table("served").search(Query().store_id == store_id)
        return {date.fromisoformat(d["date"]): d["count"] for d in docs}

    def mark_fed_back(self, store_id: str, key: str, label: str, by: int, at: datetime) -> None:
        self._records.table("fed_back").insert(
            {"store_id": store_id, "key": key, "label": label, "by": by, "at": at.isoformat()})

    def fed_back(self, store_id: str) -> set[str]:
        docs = self._records.table("fed_back").search(Query().store_id == store_id)
        return {d["key"] for d in docs}

    def fed_back_records(self, store_id: str) -> list[dict[str, Any]]:
        return list(map(dict, self._records.table("fed_back").search(Query().store_id == store_id)))

    def digest_sent(self, key: str, day: date) -> bool:
        """Whether the digest ``key`` (a store id, or ``chain:<manager>``) of ``day`` went out.
        Marks live in the hot file, written with the digest's messages; older versions kept
        them in records.json."""
        return self.marked(digest_mark(key, day)) or self._records.table("digests").contains(
            (Query().key == key) & (Query().date == day.isoformat()))

    # -- greeting campaigns ----------------------------------------------------------------------

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        doc = self._campaigns.get(Query().id == campaign_id)
        return dict(doc) if doc else None

    def save_campaign(self, campaign: dict[str, Any]) -> None:
        self._campaigns.upsert(campaign, Query().id == campaign["id"])

    def campaigns(self, state: str | None = None) -> list[dict[str, Any]]:
        docs = self._campaigns.all() if state is None else self._campaigns.search(
            Query().state == state)
        return [dict(d) for d in docs]

    def campaign_log_path(self, campaign_id: str) -> Path:
        return self.data_dir / "campaigns" / f"{campaign_id}.log"

    # -- files the outbox sends (charts, exports) ------------------------------------------------

    def outbox_file(self, name: str, content: bytes) -> str:
        """Keep a file to send; returns its path relative to the data folder."""
        folder = private_folder(self.data_dir / "outbox")
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with self.write_lock.held(), os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(folder)
        return f"outbox/{name}"

    def log_sent(self, entry: Outgoing, message_ids: tuple[int, ...], at: datetime) -> None:
        """Record a delivered message in the day's sent log (``outbox/sent-YYYY-MM-DD.jsonl``):
        its id, kind, chat, ticket and Telegram message ids. The hot file forgets it, so that
        it stays small; the log is kept for ``SENT_LOG_DAYS``."""
        folder = private_folder(self.data_dir / "outbox")
        day = at.date().isoformat()
        path = folder / f"sent-{day}.jsonl"
        record = {"id": entry.id, "status": Status.SENT.value, "kind": entry.kind,
                  "chat_id": entry.chat_id, "number": entry.number,
                  "message_ids": list(message_ids), "at": at.isoformat()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with self.write_lock.held(), os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self._sent_log_day != day:  # once a day: forget old logs
            self._sent_log_day = day
            horizon = (at - timedelta(days=SENT_LOG_DAYS)).date().isoformat()
            for old in folder.glob("sent-*.jsonl"):
                if old.stem[len("sent-"):] < horizon:
                    old.unlink(missing_ok=True)

    def sent_log(self, day: date) -> list[dict[str, Any]]:
        path = self.data_dir / "outbox" / f"sent-{day.isoformat()}.jsonl"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    # -- customers -----------------------------------------------------------------------------

    def customer(self, user_id: int) -> Customer | None:
        doc = self._shard(user_id).table("customers").get(doc_id=user_id)
        return Customer.from_dict(doc) if doc else None

    def save_customer(self, customer: Customer) -> None:
        self._shard(customer.user_id).table("customers").upsert(
            Document(customer.to_dict(), doc_id=customer.user_id)
        )

    def update_customer(self, user_id: int,
                        change: Callable[[Customer], None]) -> Customer | None:
        """Re-read a customer's profile, apply ``change`` and write it, in one step."""
        customer = self.customer(user_id)
        if customer is None:
            return None
        change(customer)
        self.save_customer(customer)
        return customer

    def all_customers(self) -> Iterator[Customer]:
        for index in range(CUSTOMER_SHARDS):
            path = self.data_dir / "customers" / f"{index:02d}.json"
            if path.exists():
                for doc in self._shard(index).table("customers").all():
                    yield Customer.from_dict(doc)

    def forget_customer(self, user_id: int, now: datetime) -> int:
        """Delete a customer's profile; their tickets stay, under an anonymous reference.

        Returns how many tickets were anonymised. Drafts are simply dropped.
        """
        anonymous = -(secrets.randbelow(10**12) + 1)  # not derived from the id: irreversible

        def anonymise(ticket: Ticket) -> Ticket:
            ticket.customer_id = anonymous
            ticket.customer_name = ""
            ticket.photos = []
            ticket.record(now, 0, "customer_forgotten")
            return ticket

        with self.write_lock.held():  # a backup holds all of the customer, or none
            return self._forget(user_id, anonymise)

    def _forget(self, user_id: int, anonymise: Callable[[Ticket], Ticket]) -> int:
        count = 0
        with self.transaction() as tx:
            for ticket in tx.tickets():
                if ticket.customer_id != user_id:
                    continue
                if ticket.state is State.DRAFT:
                    tx.remove(ticket.key)
                else:
                    tx.save(anonymise(ticket))
                    count += 1
        for month in self.archive_months():
            table = self._archive(month).table("tickets")
            for doc in table.search(Query().customer_id == user_id):
                table.upsert(Document(anonymise(Ticket.from_dict(doc)).to_dict(),
                                      doc_id=doc.doc_id))
                count += 1
        self._shard(user_id).table("customers").remove(doc_ids=[user_id])
        return count

    def _shard(self, user_id: int) -> TinyDB:
        index = user_id % CUSTOMER_SHARDS
        if index not in self._customer_shards:
            path = self.data_dir / "customers" / f"{index:02d}.json"
            self._customer_shards[index] = _open_db(path, cache_documents=True,
                                                    lock=self.write_lock)
        return self._customer_shards[index]

    def check_files(self) -> None:
        """Read every customer shard now, so a corrupt one stops start-up instead of leaving
        one customer in 32 without an answer; look at each archive's ends (a truncated one
        stops start-up too; reading 50k archived tickets whole would slow every start)."""
        for index in range(CUSTOMER_SHARDS):
            if (self.data_dir / "customers" / f"{index:02d}.json").exists():
                self._shard(index)
        for path in sorted((self.data_dir / "archive").glob("*.json")):
            _check_ends(path)

    def close(self) -> None:
        for db in [self._hot, self._records, self._campaign_db,
                   *self._archives.values(),
                   *self._customer_shards.values()]:
            db.close()


def digest_mark(key: str, day: date) -> str:
    return f"digest:{key}:{day.isoformat()}"


def months_between(first: date, last: date) -> list[str]:
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def load_tickets(data_dir: Path, hot_snapshot: str, months: list[str]) -> list[Ticket]:
    """Open tickets (from a snapshot) and the archived ones of ``months``.

    Safe off the event loop: it reads the archive files directly (they are only ever replaced
    whole, by rename) and touches no TinyDB instance of the database. Unreadable tickets are
    left out, as everywhere.
    """
    docs = json.loads(hot_snapshot)
    seen = {d.get("number") for d in docs if isinstance(d, dict)}
    for month in months:
        path = data_dir / "archive" / f"{month}.json"
        if not path.exists():
            continue
        try:
            with path.open(encoding="utf-8") as f:
                archived = json.load(f).get("tickets", {}).values()
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
            log.error("archive %s cannot be read: %s", path, exc)
            continue
        docs.extend(d for d in archived if d.get("number") not in seen)
    tickets = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("state") == "draft":
            continue
        try:
            tickets.append(Ticket.from_dict(doc))
        except Exception as exc:  # a bad record must not break a digest for everyone
            log.error("ticket %s cannot be read: %r", doc.get("number"), exc)
    return tickets
