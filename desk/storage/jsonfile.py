"""One JSON file of the data folder, written crash-safely: TinyDB on :class:`AtomicJSONStorage`.

Every file is written crash-safely: a temp file, fsync, ``os.replace``, then the folder is
fsynced (the default JSONStorage left a corrupt file in 4 of 20 kills during a write). A stale
temp file is ignored. A file that cannot be read is never overwritten: :class:`DataError`
names it, and start-up stops.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from desk.files import (
    DataError,
    fsync_folder,
    open_private,
    private_folder,
    read_private,
    write_atomic,
)
from desk.storage.locking import WriteLock


def check_ends(path: Path) -> None:
    """A JSON object file cut short (a full disk, a copy interrupted) does not end in "}"."""
    try:
        fd = open_private(path, os.O_RDONLY)
    except OSError as exc:
        raise DataError(path, f"cannot be read ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as f:
        head = f.read(1)
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 64))
        tail = f.read().rstrip()
    if size and (head != b"{" or not tail.endswith(b"}")):
        raise DataError(path, "the file is cut short or damaged (not a whole JSON object)")


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
                data = json.loads(read_private(self.path).decode("utf-8"))
            except FileNotFoundError:
                return None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DataError(self.path, f"not valid JSON ({exc})") from exc
            except OSError as exc:  # a link (never followed), a folder, no permission
                raise DataError(self.path, f"cannot be read ({exc.strerror})") from exc
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
        try:
            write_atomic(self.path, self._encode(data), sync_folder=False)
        except BaseException:
            # TinyDB mutated our cached dict before calling write; forget it so the next read
            # shows what is really on disk.
            self._cache = None
            raise
        self._cache = data
        fsync_folder(self.path.parent)

    def _encode(self, data: dict[str, Any]) -> str:
        # json.dumps, not json.dump: dump streams through the pure-Python encoder, which is many
        # times slower than the C one-shot encoder.
        if self._encoded is None:
            return dumps(data)
        seen: set[tuple[str, str]] = set()
        tables = []
        for name, table in data.items():
            docs = []
            for doc_id, doc in table.items():
                key = (name, doc_id)
                seen.add(key)
                cached = self._encoded.get(key)
                if cached is None or cached[0] != doc:
                    text = dumps(doc)
                    # A private copy: TinyDB may later change ``doc`` in place.
                    cached = (json.loads(text), text)
                    self._encoded[key] = cached
                docs.append(f"{dumps(doc_id)}:{cached[1]}")
            tables.append(f"{dumps(name)}:{{{','.join(docs)}}}")
        for key in self._encoded.keys() - seen:
            del self._encoded[key]
        return "{" + ",".join(tables) + "}"

    def close(self) -> None:
        self._cache = None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def open_db(path: Path, cache_documents: bool = False, lock: WriteLock | None = None) -> TinyDB:
    db = TinyDB(path, storage=AtomicJSONStorage, cache_documents=cache_documents, lock=lock)
    db.storage.read()  # fail now, naming the file, rather than in the middle of a handler
    return db
