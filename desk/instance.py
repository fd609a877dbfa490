"""One bot per data folder: two would both answer every customer and overwrite each other's
writes. The running bot holds an exclusive lock on ``<data folder>/sundown.lock``; the
operating system releases it when the process ends, however it ends."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from desk.files import open_private, private_folder

LOCK_FILE = "sundown.lock"


class AlreadyRunning(Exception):
    """Another process holds the data folder."""


def hold(data_dir: Path) -> IO[str]:
    """Take the folder's lock for this process (keep the returned file open while running)."""
    private_folder(data_dir, root=True)
    fd = open_private(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT)  # 0600, never a link
    handle = os.fdopen(fd, "r+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise AlreadyRunning(str(data_dir)) from exc
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
