"""Finding a ticket: by number, customer name, phone, product or words, in open and archived
tickets alike ("what did we do for Mrs Zhang last spring?").

The archive holds tens of thousands of tickets in month files that are replaced whole when a
ticket is archived; reading them on every search would take seconds. ``ArchiveIndex`` keeps
one small row per archived ticket in memory and re-reads only the month files whose size or
time changed since, so a search is a scan over short strings. Phones live in the customers'
profiles, not on tickets: the index keeps the customer-to-phone map the same way.

Reading files here is safe off the event loop: like ``storage.load_tickets`` it reads files
directly (each is only ever replaced by rename) and touches no TinyDB instance.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.files import read_private
from desk.models import Ticket
from desk.storage.layout import (
    ARCHIVE_TABLE,
    CUSTOMER_SHARDS,
    CUSTOMERS_TABLE,
    archive_files,
    archive_path,
    customer_shard_path,
)

log = logging.getLogger(__name__)

# Words of the complaint kept in a row: enough to find it, not the whole conversation.
TEXT_KEPT = 400
DEFAULT_LIMIT = 50
_PHONE_NOISE = re.compile(r"[\s\-().+]")


@dataclass(slots=True)
class Row:
    """What a search needs of one ticket, and what a result line shows."""

    number: int
    store_id: str
    state: str
    kind: str
    confirmed_at: str
    customer_id: int
    customer_name: str
    product: str
    assignee_name: str
    text: str
    month: str | None  # the archive month; None for a ticket in the hot file
    haystack: str  # folded: name, product, text (the number is matched whole)


def fold(text: str) -> str:
    """Case, width (全角/半角) and spacing do not matter in a search."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def phone_digits(text: str) -> str:
    return _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text))


def row_of(doc: dict[str, Any], month: str | None) -> Row | None:
    """A row from a stored ticket document; None for drafts and damaged records."""
    number = doc.get("number")
    if not isinstance(number, int) or doc.get("state") in (None, "draft"):
        return None
    try:
        name = str(doc.get("customer_name") or "")
        product = str(doc.get("product") or "")
        text = str(doc.get("text") or "")[:TEXT_KEPT]
        return Row(number=number, store_id=str(doc.get("store_id", "")), state=str(doc["state"]),
                   kind=str(doc.get("kind", "")), confirmed_at=str(doc.get("confirmed_at") or
                                                                    doc.get("created_at", "")),
                   customer_id=int(doc.get("customer_id") or 0), customer_name=name,
                   product=product, assignee_name=str(doc.get("assignee_name") or ""),
                   text=text, month=month,
                   haystack=fold(f"{name} {product} {text}"))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Query:
    """A search as a manager types it: words that must all appear, and digits that may be a
    ticket number or part of a phone number."""

    words: tuple[str, ...]
    number: int | None
    digits: str | None

    @classmethod
    def parse(cls, text: str) -> Query:
        words = tuple(w for w in fold(text).split() if w)
        joined = "".join(words).lstrip("#")
        number = int(joined) if joined.isdigit() and len(joined) <= 9 else None
        found = phone_digits(text)
        digits = found if found.isdigit() and len(found) >= 4 else None
        return cls(words, number, digits)

    @property
    def empty(self) -> bool:
        return not self.words

    def matches(self, row: Row, phone: str | None) -> bool:
        if self.number is not None and row.number == self.number:
            return True
        if self.digits is not None and phone and self.digits in phone:
            return True
        return all(word in row.haystack for word in self.words)


def search(rows: list[Row], query: Query, phones: dict[int, str], store_ids: set[str],
           limit: int = DEFAULT_LIMIT) -> tuple[list[Row], int]:
    """The matching rows of the given stores, newest first (at most ``limit``), and how many
    matched in all."""
    if query.empty:
        return [], 0
    found = [row for row in rows if row.store_id in store_ids
             and query.matches(row, phones.get(row.customer_id))]
    found.sort(key=lambda r: (r.confirmed_at, r.number), reverse=True)
    return found[:limit], len(found)


class ArchiveIndex:
    """Rows of every archived ticket and every customer's phone, kept current by file stats."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self._months: dict[str, tuple[tuple[int, int], list[Row]]] = {}
        self._shards: dict[int, tuple[tuple[int, int], dict[int, str]]] = {}
        self._rows: list[Row] = []
        self._phones: dict[int, str] = {}
        self._month_of: dict[int, str] = {}
        self._lock = threading.Lock()  # one refresh at a time; readers take the last result

    @property
    def rows(self) -> list[Row]:
        return self._rows

    @property
    def phones(self) -> dict[int, str]:
        return self._phones

    def month_of(self, number: int) -> str | None:
        return self._month_of.get(number)

    def refresh(self) -> bool:
        """Re-read what changed on disk (blocking: call it in a worker thread); returns
        whether anything did."""
        with self._lock:
            changed = self._refresh_months() | self._refresh_phones()
            if changed:
                self._rows = [row for _, rows in (self._months[m] for m in sorted(self._months))
                              for row in rows]
                self._month_of = {row.number: row.month for row in self._rows
                                  if row.month is not None}  # archived rows all have one
                self._phones = {k: v for _, shard in self._shards.values()
                                for k, v in shard.items()}
            return changed

    def _refresh_months(self) -> bool:
        paths = archive_files(self.data_dir)
        changed = False
        for month in set(self._months) - set(paths):
            del self._months[month]
            changed = True
        for month, path in paths.items():
            stamp = _stamp(path)
            if stamp is None or self._months.get(month, ((-1, -1), []))[0] == stamp:
                continue
            docs = _read_table(path, ARCHIVE_TABLE)
            self._months[month] = (stamp, [r for d in docs if (r := row_of(d, month))])
            changed = True
        return changed

    def _refresh_phones(self) -> bool:
        changed = False
        for index in range(CUSTOMER_SHARDS):
            path = customer_shard_path(self.data_dir, index)
            stamp = _stamp(path)
            if stamp is None:
                changed |= self._shards.pop(index, None) is not None
                continue
            if self._shards.get(index, ((-1, -1), {}))[0] == stamp:
                continue
            phones = {int(d["user_id"]): phone_digits(d["phone"])
                      for d in _read_table(path, CUSTOMERS_TABLE)
                      if d.get("phone") and isinstance(d.get("user_id"), int)}
            self._shards[index] = (stamp, phones)
            changed = True
        return changed


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _read_table(path: Path, table: str) -> list[dict[str, Any]]:
    try:
        docs = json.loads(read_private(path)).get(table, {}).values()  # never through a link
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        log.error("%s cannot be read for the search: %s", path, exc)
        return []
    return [d for d in docs if isinstance(d, dict)]


def archived_ticket(data_dir: Path, month: str, number: int) -> Ticket | None:
    """One archived ticket, read straight from its month file (safe in a worker thread)."""
    doc = next((d for d in _read_table(archive_path(data_dir, month), ARCHIVE_TABLE)
                if d.get("number") == number), None)
    try:
        return Ticket.from_dict(doc) if doc else None
    except Exception as exc:  # a damaged record: shown as missing, never as a crash
        log.error("archived ticket %s cannot be read: %r", number, exc)
        return None
