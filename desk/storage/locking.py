"""The data folder's write lock."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desk.files import open_private
from desk.storage.layout import WRITE_LOCK_FILE


class WriteLock:
    """The data folder's write lock (``write.lock``): the bot holds it for each write, a
    compound one (archiving a ticket: the archive, then the hot file, the side file, the
    customer) from its first file to its last; ``sundown backup`` holds it for the moment it
    takes its snapshot, so the snapshot falls between two writes, never inside one.

    An ``flock`` on the file: it conflicts across processes and across separate opens in one
    process, and the kernel drops it when its holder dies. Re-entrant within one holder.
    """

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / WRITE_LOCK_FILE
        self._guard = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._guard:
            if self._depth == 0:
                self._fd = open_private(self.path, os.O_RDWR | os.O_CREAT)
                fcntl.flock(self._fd, fcntl.LOCK_EX)  # waits while a backup links its files
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # closing the last descriptor releases the lock
                    self._fd = None
