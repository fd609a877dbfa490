"""The :class:`Database`: the parts of the storage behind one object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tinydb import TinyDB

from desk.files import DataError, check_tree, private_folder
from desk.models import Customer
from desk.outgoing import Outgoing
from desk.storage.archive import Archive
from desk.storage.customers import Customers
from desk.storage.followups import Followups
from desk.storage.hot import HotFile
from desk.storage.jsonfile import check_ends
from desk.storage.layout import archive_folder, customer_shard_files, customer_shard_path
from desk.storage.locking import WriteLock
from desk.storage.logs import Logs
from desk.storage.records import Records


class Database(HotFile, Followups, Archive, Customers, Records, Logs):
    """The single source of truth: tickets, customers, the outbox, the managers' records.

    Reads of the hot file are :class:`~desk.storage.hot.HotReads` (the same on a transaction);
    the hot file is written only through :meth:`transaction` (``update``, ``save`` and
    ``delete_draft`` are one-transaction shorthands); the other files through the methods of
    their part, each one durable write under the write lock.
    """

    def __init__(self, data_dir: str | Path):
        # The data folder itself may be a link an operator placed; nothing inside it may.
        self.data_dir = private_folder(Path(data_dir), root=True).resolve()
        self.write_lock = WriteLock(self.data_dir)
        # ticket key -> why it could not be read, and its store and number when those can be
        self.unreadable: dict[str, dict[str, Any]] = {}
        self._archives: dict[str, TinyDB] = {}
        self._customer_shards: dict[int, TinyDB] = {}
        self._open_hot()
        self._open_records()
        self._open_logs()
        self._finish_interrupted_archiving()

    def outgoing(  # type: ignore[override]
            self, entry_id: str | None = None) -> Outgoing | list[Outgoing] | None:
        """One outbox entry by its id; without an id, the older form of :meth:`outgoings`."""
        if entry_id is None:
            return self.outgoings()
        return super().outgoing(entry_id)

    def check_files(self) -> None:
        """Read every customer shard now, so a corrupt one stops start-up instead of leaving
        one customer in 32 without an answer; look at each archive's ends (a truncated one
        stops start-up too; reading 50k archived tickets whole would slow every start)."""
        check_tree(self.data_dir)  # no links, no devices: nothing a write would follow out
        for index, _path in customer_shard_files(self.data_dir):
            self._shard(index)
        for path in sorted(archive_folder(self.data_dir).glob("*.json")):
            check_ends(path)

    def check_records(self) -> list[str]:
        """Read every record as the bot would (``sundown restore`` does, before it unpacks): a
        line for each one that would be set aside and each file that cannot be read; empty
        when all of them are fit to use."""
        problems = []
        try:
            self.tickets()
            self.outgoings()
            self.campaigns()
            for month in self.archive_months():
                for doc in self.archived_docs(month):
                    self._ticket(doc)
            for index, doc in self.customer_docs():
                try:
                    Customer.from_dict(doc)
                except Exception as exc:
                    problems.append(f"{customer_shard_path(Path(), index).as_posix()}: "
                                    f"customer {doc.doc_id}: {type(exc).__name__}")
        except DataError as exc:
            problems.append(f"{exc.path.relative_to(self.data_dir)}: {exc.problem}")
        problems += [f"{key}: {info['reason']}" for key, info in self.unreadable.items()]
        return problems

    def close(self) -> None:
        for db in [self._hot, self._records, self._campaign_db,
                   *self._archives.values(),
                   *self._customer_shards.values()]:
            db.close()


