"""The data folder's files: made private, never through a link, never outside the folder.

Every folder of the data folder is created 0700 and every file 0600 whatever the umask (they
hold customers' phone numbers), here and nowhere else. No open follows a symbolic link
(``O_NOFOLLOW``, and folders are checked with ``lstat``): a link planted in the data folder
fails the operation instead of reading or writing where it points.

Names read from a data file (a ticket's key, a month, a campaign's id, an outbox file) become
paths only after :func:`check_name` accepts them: letters, digits and a few signs, never ``..``
or ``/``. :func:`check_tree` walks the folder as start-up and ``sundown restore`` see it: only
folders and regular files, no links, no devices.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class DataError(Exception):
    """A data file cannot be read, or is not where it should be; ``path`` names it."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# What names read from data files may look like.
TICKET_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
CAMPAIGN_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
OUTBOX_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}")  # a file the bot made
TELEGRAM_FILE_ID = re.compile(r"[A-Za-z0-9_-]{8,256}")
OUTBOX_FOLDER = "outbox"


def check_name(pattern: re.Pattern[str], value: object, what: str) -> str:
    """``value`` if it is a string the pattern matches whole (and no ``..``), else ValueError."""
    if not isinstance(value, str) or not pattern.fullmatch(value) or ".." in value:
        raise ValueError(f"{what} {value!r} is not a valid name")
    return value


def check_attachment(value: object) -> str | None:
    """An outbox entry's ``file``: ``outbox/<a file the bot made>`` or a Telegram file id."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(OUTBOX_FOLDER + "/"):
        check_name(OUTBOX_NAME, value[len(OUTBOX_FOLDER) + 1:], "the outbox file")
        return value
    return check_name(TELEGRAM_FILE_ID, value, "the file id")


def private_folder(path: Path, *, root: bool = False) -> Path:
    """Create ``path`` (and parents) readable by the bot's user only. A link is refused,
    except for the data folder itself (``root``), which an operator may place by a link."""
    path = Path(path)
    look = os.stat if root else os.lstat
    try:
        info = look(path)
    except FileNotFoundError:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        try:
            os.mkdir(path, FOLDER_MODE)
        except FileExistsError:
            pass
        info = look(path)
    if not stat.S_ISDIR(info.st_mode):
        raise DataError(path, "not a folder (a link or a file): the data folder holds only "
                        "folders and regular files")
    if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
        os.chmod(path, FOLDER_MODE)  # mkdir's mode is masked by the umask
    return path


def open_private(path: Path, flags: int) -> int:
    """``os.open`` of a data file: never through a link (ELOOP), only a regular file (a pipe
    is not waited on), made 0600."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, FILE_MODE)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if flags & (os.O_WRONLY | os.O_RDWR) and stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # the umask masked the mode, or an old file had others
    except BaseException:
        os.close(fd)
        raise
    return fd


def append_private(path: Path, text: str, *, sync: bool = True) -> None:
    """Append ``text`` to a data file (made if missing), fsynced unless ``sync`` is off."""
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def open_append(path: Path) -> TextIO:
    """A data file opened for appending lines (text), made if missing."""
    return os.fdopen(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND), "a",
                     encoding="utf-8")


def read_private(path: Path) -> bytes:
    """A data file's bytes, never through a link (FileNotFoundError when it is missing)."""
    fd = open_private(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def write_atomic(path: Path, content: bytes | str, *, sync_folder: bool = True) -> None:
    """Replace a data file whole: a fresh temp file beside it, fsync, rename, fsync the folder.
    A reader sees the old file or the new one, never half; a stale temp file (or a link put in
    its place) is removed first, never written through."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = path.with_name(path.name + ".tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if sync_folder:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    # A rename is durable only once the directory entry is on disk.
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileRefused(ValueError):
    """An outbox entry's file is not a regular file of the outbox folder: it is never sent."""


def read_outbox_file(data_dir: Path, name: str) -> bytes:
    """A file the bot made to send (``outbox/<name>``): the name checked, the outbox folder and
    the file opened without following a link, a regular file only."""
    try:
        check_attachment(name)
        if not name.startswith(OUTBOX_FOLDER + "/"):
            raise ValueError(f"{name!r} is not a file of the outbox")
        folder = os.open(Path(data_dir) / OUTBOX_FOLDER,
                         os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            fd = os.open(name[len(OUTBOX_FOLDER) + 1:],
                         os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        finally:
            os.close(folder)
    except (ValueError, OSError) as exc:
        raise FileRefused(f"{name!r}: {exc}") from exc
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise FileRefused(f"{name!r} is not a regular file")
        return f.read()


def walk(data_dir: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``data_dir`` (relative path, lstat), links not followed."""
    stack = [Path(data_dir)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                path = Path(entry.path)
                info = entry.stat(follow_symlinks=False)
                yield path.relative_to(data_dir), info
                if stat.S_ISDIR(info.st_mode):
                    stack.append(path)


def check_tree(data_dir: Path) -> None:
    """DataError for the first entry of the data folder that is neither a folder nor a regular
    file: a symbolic link (which a write would follow), a device, a pipe, a socket."""
    for relative, info in walk(data_dir):
        if stat.S_ISLNK(info.st_mode):
            raise DataError(Path(data_dir) / relative, "a symbolic link: the data folder holds "
                            "only folders and regular files (remove it)")
        if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            raise DataError(Path(data_dir) / relative, "not a regular file (remove it)")
