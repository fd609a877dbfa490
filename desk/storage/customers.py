"""Customer profiles, sharded by user id (``CUSTOMER_SHARDS`` files) so one write stays small."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Document

from desk.models import Customer, State, Ticket
from desk.storage.hot import Transaction
from desk.storage.jsonfile import open_db
from desk.storage.layout import CUSTOMERS_TABLE, customer_shard_files, customer_shard_path, shard_of
from desk.storage.locking import WriteLock


class Customers:
    """The database's part that keeps customers' profiles."""

    data_dir: Path
    write_lock: WriteLock
    _customer_shards: dict[int, TinyDB]
    # from the other parts
    transaction: Callable[[], Transaction]
    _anonymise_archived: Callable[[int, Callable[[Ticket], Ticket]], int]

    def customer(self, user_id: int) -> Customer | None:
        doc = self._shard(user_id).table(CUSTOMERS_TABLE).get(doc_id=user_id)
        return Customer.from_dict(doc) if doc else None

    def save_customer(self, customer: Customer) -> None:
        self._shard(customer.user_id).table(CUSTOMERS_TABLE).upsert(
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
        for _index, doc in self.customer_docs():
            yield Customer.from_dict(doc)

    def customer_docs(self) -> Iterator[tuple[int, Document]]:
        """Every customer document as stored, with its shard: read them, never change them."""
        for index, _path in customer_shard_files(self.data_dir):
            for doc in self._shard(index).table(CUSTOMERS_TABLE).all():
                yield index, doc

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
        count += self._anonymise_archived(user_id, anonymise)
        self._shard(user_id).table(CUSTOMERS_TABLE).remove(doc_ids=[user_id])
        return count

    def _shard(self, user_id: int) -> TinyDB:
        """The shard of a user id (a shard's index is its own shard)."""
        index = shard_of(user_id)
        if index not in self._customer_shards:
            self._customer_shards[index] = open_db(customer_shard_path(self.data_dir, index),
                                                   cache_documents=True, lock=self.write_lock)
        return self._customer_shards[index]
