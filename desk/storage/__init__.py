"""Durable storage of tickets, customers and what the bot has to say, on TinyDB: the database.

One :class:`Database` per data folder, in parts (a module each):

- ``layout``: where every file lives; the only module that spells a name of the data folder.
- ``locking``: the folder's write lock; ``jsonfile``: one JSON file written crash-safely.
- ``hot``: the hot file ``desk.json`` (drafts, open tickets, the outbox, marks, routes,
  counters), its one read API (:class:`HotReads`) and the :class:`Transaction`.
- ``followups``: each open ticket's follow-ups, whole; ``archive``: finished tickets by month;
  ``customers``: profiles in shards; ``records``: the managers' records; ``logs``: greeting
  campaigns, the outbox's files and the sent logs.

The rule for reading and writing:

- **Reads** of the hot file have one set of names, on the database and on a transaction alike
  (``ticket``, ``ticket_by_number``, ``tickets``, ``draft_for``, ``open_tickets``,
  ``outgoing``, ``outgoings``, ``marked``, ``routed``...). The database reads what is written
  now; a transaction reads what it will write. Inside a transaction, read through it.
- **Writes** of the hot file go through ``db.transaction()``, and only there:
  ``with db.transaction() as tx: ...`` reads fresh, changes, writes once, and must not span an
  ``await``. ``db.update``, ``db.save`` and ``db.delete_draft`` are one-transaction shorthands.
  (``Outbox.transaction()`` is an older alias of ``db.transaction()``.)
- The other files (archive, customers, records, campaigns, logs) are read and written through
  the database's methods for them, each write one durable write under the write lock.

Every file is written crash-safely (temp file, fsync, rename, folder fsync); folders are 0700
and files 0600 whatever the umask (they hold customers' phone numbers); a file that cannot be
read is never overwritten: :class:`DataError` names it, and start-up stops.
"""

from desk.files import FILE_MODE, FOLDER_MODE, DataError
from desk.storage.archive import load_tickets, months_between
from desk.storage.database import Database
from desk.storage.hot import HotReads, Transaction
from desk.storage.jsonfile import AtomicJSONStorage
from desk.storage.layout import CUSTOMER_SHARDS, WRITE_LOCK_FILE
from desk.storage.locking import WriteLock
from desk.storage.logs import SENT_LOG_DAYS
from desk.storage.records import digest_mark

__all__ = [
    "CUSTOMER_SHARDS",
    "FILE_MODE",
    "FOLDER_MODE",
    "SENT_LOG_DAYS",
    "WRITE_LOCK_FILE",
    "AtomicJSONStorage",
    "DataError",
    "Database",
    "HotReads",
    "Transaction",
    "WriteLock",
    "digest_mark",
    "load_tickets",
    "months_between",
]
