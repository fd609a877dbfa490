"""The archive: finished tickets, one TinyDB file per month they were confirmed in.

Only ever replaced whole (by rename), so another thread or process may read a month file
directly: :func:`load_tickets` does, for the digest, trends and exports.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.table import Document

from desk.files import MONTH, check_name, read_private
from desk.models import Customer, Ticket
from desk.storage.hot import TICKETS, Transaction
from desk.storage.jsonfile import open_db
from desk.storage.layout import ARCHIVE_TABLE, archive_files, archive_path
from desk.storage.locking import WriteLock

log = logging.getLogger("desk.storage")

class Archive:
    """The database's part that keeps finished tickets."""

    data_dir: Path
    write_lock: WriteLock
    _archives: dict[str, TinyDB]
    # from the other parts
    ticket: Callable[[str], Ticket | None]
    transaction: Callable[[], Transaction]
    all_followups: Callable[[Ticket], list[dict[str, Any]]]
    _followup_path: Callable[[str], Path]
    update_customer: Callable[..., Customer | None]
    _ticket: Callable[[dict[str, Any]], Ticket | None]
    _hot_data: Callable[[], dict[str, Any]]

    def archive(self, key: str) -> Ticket | None:
        """Move a finished ticket out of the hot file.

        The archive is written first; a crash between the two writes leaves the ticket in both,
        and start-up finishes the move.
        """
        with self.write_lock.held():  # a backup sees the ticket moved, or not yet: never half
            return self._archive_ticket(key)

    def _archive_ticket(self, key: str) -> Ticket | None:
        ticket = self.ticket(key)
        if ticket is None:
            return None
        ticket.followups = self.all_followups(ticket)
        month = (ticket.confirmed_at or ticket.created_at)[:7]
        self._archive(month).table(ARCHIVE_TABLE).upsert(
            Document(ticket.to_dict(), doc_id=ticket.number or 0)
        )
        with self.transaction() as tx:
            tx.remove(key)
        self._followup_path(key).unlink(missing_ok=True)
        if (number := ticket.number) is not None:
            def remember(customer: Customer) -> None:
                customer.closed_tickets = [*customer.closed_tickets[-49:], number]
                if ticket.topic_id is not None:  # a later ticket's topic links this one
                    customer.topics = [*customer.topics[-19:], [number, ticket.topic_id]]

            self.update_customer(ticket.customer_id, remember)
        return ticket

    def archived(self, number: int, month: str | None = None) -> Ticket | None:
        months = [month] if month else self.archive_months()
        for m in reversed(months):
            doc = self._archive(m).table(ARCHIVE_TABLE).get(doc_id=number)
            if doc:
                return self._ticket(doc)  # an unreadable one is set aside, as in the hot file
        return None

    def archive_months(self) -> list[str]:
        return list(archive_files(self.data_dir))

    def archived_tickets(self, month: str) -> Iterator[Ticket]:
        for doc in self.archived_docs(month):
            ticket = self._ticket(doc)
            if ticket is not None:
                yield ticket

    def archived_docs(self, month: str) -> list[Document]:
        """A month's archived ticket documents as stored: read them, never change them."""
        return self._archive(month).table(ARCHIVE_TABLE).all()

    def _archive(self, month: str) -> TinyDB:
        check_name(MONTH, month, "the month")
        if month not in self._archives:
            self._archives[month] = open_db(archive_path(self.data_dir, month),
                                            lock=self.write_lock)
        return self._archives[month]

    def _anonymise_archived(self, user_id: int, anonymise: Callable[[Ticket], Ticket]) -> int:
        count = 0
        for month in self.archive_months():
            table = self._archive(month).table(ARCHIVE_TABLE)
            for doc in table.search(Query().customer_id == user_id):
                table.upsert(Document(anonymise(Ticket.from_dict(doc)).to_dict(),
                                      doc_id=doc.doc_id))
                count += 1
        return count

    def _finish_interrupted_archiving(self) -> None:
        done = []
        for key, doc in self._hot_data().get(TICKETS, {}).items():
            if not isinstance(doc, dict):
                continue
            number = doc.get("number")
            month = str(doc.get("confirmed_at") or doc.get("created_at") or "")[:7]
            if not MONTH.fullmatch(month) or type(number) is not int:
                continue  # an odd record: set aside when it is read
            if number and archive_path(self.data_dir, month).exists():
                if self._archive(month).table(ARCHIVE_TABLE).contains(doc_id=number):
                    log.warning("finishing the archiving of ticket #%s after a crash", number)
                    done.append(key)
        if done:
            with self.transaction() as tx:
                for key in done:
                    tx.remove(key)


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
        path = archive_path(data_dir, month)
        if not path.exists():
            continue
        try:
            archived = json.loads(read_private(path)).get(ARCHIVE_TABLE, {}).values()
        except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
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
