"""One bot per data folder: two would both answer every customer and overwrite each other's
writes. The running bot holds an exclusive lock on ``<data folder>/sundown.lock``; the
operating system releases it when the process ends, however it ends.

Also the instance's webhook secret (``webhook-secret``): made once, written atomically.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from pathlib import Path
from typing import IO

from desk.files import open_private, private_folder, read_private, write_atomic
from desk.storage.layout import INSTANCE_LOCK_FILE as LOCK_FILE
from desk.storage.layout import WEBHOOK_SECRET_FILE

# Telegram takes 1-256 of these characters; fewer than 32 is too easy to guess.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


class BadSecret(Exception):
    """The webhook secret is empty, short or has characters Telegram does not take."""


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


def is_held(data_dir: Path) -> bool:
    """Whether a process holds the folder's lock now (a running bot), without taking it: the
    heartbeat file alone still looks fresh for minutes after a bot has stopped."""
    try:
        fd = os.open(data_dir / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the shared lock, if it was taken
    return False


def webhook_secret(data_dir: Path, given: str = "") -> str:
    """The secret Telegram sends with every webhook call: ``given`` (from the environment), else
    one made once and kept in the data folder (written whole, fsynced, then renamed into place:
    a crash never leaves an empty one). An empty or short secret is refused (BadSecret)."""
    where = "SUNDOWN_WEBHOOK_SECRET"
    secret = given.strip()
    if not secret:
        path = data_dir / WEBHOOK_SECRET_FILE
        where = str(path)
        try:
            secret = read_private(path).decode("ascii", "replace").strip()
        except FileNotFoundError:
            secret = secrets.token_urlsafe(32)
            write_atomic(path, secret)
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise BadSecret(f"the webhook secret in {where} is empty, shorter than 32 characters or "
                        "has characters other than A-Z a-z 0-9 _ - (delete the file to make a "
                        "new one, or set a longer SUNDOWN_WEBHOOK_SECRET)")
    return secret
