"""The managers' records (``records.json``): served counts, fed-back marks, and the digest
marks older versions kept there. Small and rare."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from desk.storage.jsonfile import open_db
from desk.storage.layout import RECORDS_FILE
from desk.storage.locking import WriteLock


def digest_mark(key: str, day: date) -> str:
    return f"digest:{key}:{day.isoformat()}"


class Records:
    """The database's part that keeps the managers' records."""

    data_dir: Path
    write_lock: WriteLock
    marked: Callable[[str], bool]

    def _open_records(self) -> None:
        self._records: TinyDB = open_db(self.data_dir / RECORDS_FILE, lock=self.write_lock)

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
        return [dict(d) for d in self._records.table("fed_back").search(
            Query().store_id == store_id)]

    def digest_sent(self, key: str, day: date) -> bool:
        """Whether the digest ``key`` (a store id, or ``chain:<manager>``) of ``day`` went out.
        Marks live in the hot file, written with the digest's messages; older versions kept
        them in records.json."""
        return self.marked(digest_mark(key, day)) or self._records.table("digests").contains(
            (Query().key == key) & (Query().date == day.isoformat()))
