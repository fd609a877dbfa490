"""Whole files written or read straight, for benchmarks and tools that seed a big history.

Not for the running bot (it writes through the :class:`~desk.storage.Database`); the files
come out as the database keeps them (private, written atomically).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desk.files import private_folder, read_private, write_atomic
from desk.storage.layout import (
    ARCHIVE_TABLE,
    CUSTOMERS_TABLE,
    archive_path,
    customer_shard_path,
    hot_path,
)


def _write(path: Path, data: dict[str, Any]) -> None:
    private_folder(path.parent)
    write_atomic(path, json.dumps(data, ensure_ascii=False), sync_folder=False)


def write_archive_month(data_dir: Path, month: str, docs: dict[str, dict[str, Any]]) -> None:
    """A month's archive file holding ``docs`` (by ticket number, as text)."""
    _write(archive_path(data_dir, month), {ARCHIVE_TABLE: docs})


def read_archive_month(data_dir: Path, month: str) -> dict[str, dict[str, Any]]:
    """A month's archived ticket documents by number (as text), read straight from the file."""
    docs: dict[str, dict[str, Any]] = json.loads(read_private(archive_path(data_dir, month)))[
        ARCHIVE_TABLE]
    return docs


def remove_archive_month(data_dir: Path, month: str) -> None:
    archive_path(data_dir, month).unlink()


def write_customer_shard(data_dir: Path, index: int, docs: dict[str, dict[str, Any]]) -> None:
    """A customer shard holding ``docs`` (by user id, as text); see ``layout.shard_of``."""
    _write(customer_shard_path(data_dir, index), {CUSTOMERS_TABLE: docs})


def write_hot_file(data_dir: Path, tickets: dict[str, dict[str, Any]], last_number: int) -> None:
    """The hot file holding ``tickets`` (by key) and the number counter."""
    _write(hot_path(data_dir), {"tickets": tickets, "meta": {"1": {"last_number": last_number}}})
