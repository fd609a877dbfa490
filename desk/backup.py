"""A consistent snapshot of the data folder while the bot runs: ``sundown backup FILE.tar.gz``.

How it stays consistent:

- The bot takes the folder's write lock (see :class:`desk.storage.WriteLock`)
  for every write, and for a move across files (a ticket archived: the archive, the hot file,
  its side file, the customer's profile) from the first file to the last.
- The backup takes the same lock only long enough to hard-link every file into a staging
  folder inside the data folder (no data is copied: a few milliseconds, during which a write
  of the bot waits), and notes each file's size. Then it lets go and packs the staging folder.
- Files the bot replaces whole (temp file, then rename) keep the linked version intact. Files
  it appends to (follow-ups, the sent log, greeting logs) are packed up to the size noted
  under the lock. So the archive holds the folder exactly as it was between two writes.

Where hard links are not possible (a file system without them) the files are copied under the
lock instead: consistent still, the bot just waits longer.

The backup is written beside its target (a temp file in the same folder, fsynced, renamed over
the target), so a backup killed midway leaves the previous one whole. A target inside the data
folder (it would hold every earlier backup) or a symbolic link (it would be followed) is
refused. The webhook secret is left out: whoever holds a backup could otherwise forge updates.

``sundown restore FILE.tar.gz`` (:func:`restore`) unpacks a backup into an empty data folder only
after checking it as start-up does, and more: only folders and regular files with the names the
bot gives them (no link, no ``..``, no absolute path), every data file readable, every ticket,
outbox entry and campaign valid. A bad backup is refused whole, with one line.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from desk.files import (
    FILE_MODE,
    DataError,
    fsync_folder,
    open_private,
    private_folder,
    walk,
)
from desk.storage import Database, WriteLock
from desk.storage.layout import INSTANCE_FILES, KNOWN_FILES, KNOWN_FOLDERS

SKIPPED = INSTANCE_FILES  # never backed up nor restored: locks, the heartbeat, the secret
STAGING_PREFIX = ".backup-"
RESTORE_PREFIX = ".restore-"
STALE_STAGING = 3600  # seconds: a staging folder this old was left by a backup that died


class BackupError(Exception):
    """A backup or a restore refused, in one line for the operator."""


def data_files(data_dir: Path) -> list[Path]:
    """Every regular file of the data folder, relative to it (locks, the heartbeat, the webhook
    secret, temporary files, staging folders and links left out)."""
    found = []
    for relative, info in walk(data_dir):
        if relative.parts[0].startswith((STAGING_PREFIX, RESTORE_PREFIX)):
            continue
        if not stat.S_ISREG(info.st_mode):  # a link is never followed, a folder is walked
            continue
        if relative.name in SKIPPED or relative.name.endswith((".tmp", ".temp")):
            continue
        found.append(relative)
    return sorted(found)


def check_target(data_dir: Path, target: Path) -> None:
    """A backup is never written into the data folder, nor through a link."""
    if target.is_symlink():
        raise BackupError(f"{target} is a symbolic link: give the file itself")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} is not a file")
    folder, data = target.parent.resolve(), data_dir.resolve()
    if folder == data or data in folder.parents:
        raise BackupError(f"{target} is inside the data folder {data_dir}: keep backups "
                          "somewhere else (each would hold every earlier one)")
    if not folder.is_dir():
        raise BackupError(f"no folder {target.parent} to write {target.name} into")


def _clear_stale_staging(data_dir: Path) -> None:
    """A backup killed midway leaves its staging folder: hard links that would keep data the
    bot has since deleted (a forgotten customer's, say). Remove those older than an hour."""
    for folder in data_dir.glob(STAGING_PREFIX + "*"):
        if time.time() - folder.stat().st_mtime > STALE_STAGING:
            shutil.rmtree(folder, ignore_errors=True)


def backup(data_dir: Path, target: Path | BinaryIO) -> int:
    """Write the snapshot to ``target``, a file (made 0600) or a binary stream (standard
    output); returns how many files it holds."""
    if isinstance(target, Path):
        check_target(data_dir, target)
    _clear_stale_staging(data_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir))
    try:
        sizes: dict[Path, int] = {}
        with WriteLock(data_dir).held():  # between two writes of the bot
            for relative in data_files(data_dir):
                source, copy = data_dir / relative, staging / relative
                private_folder(copy.parent)
                try:
                    os.link(source, copy, follow_symlinks=False)
                except FileNotFoundError:
                    continue  # deleted since the listing (an old sent log, say)
                except OSError:
                    shutil.copyfile(source, copy)
                sizes[relative] = copy.stat().st_size
        if isinstance(target, Path):
            _write_beside(target, lambda raw: _pack(staging, sizes, raw))
        else:
            _pack(staging, sizes, target)
        return len(sizes)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_beside(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``target`` through a temp file in its folder (made 0600: customers' phone numbers
    are in it), fsync, rename over it: the previous backup stays whole until the new one is."""
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as raw:
            write(raw)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temp, target)  # replaces a name, never follows one
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)


def _pack(staging: Path, sizes: dict[Path, int], out: BinaryIO) -> None:
    with tarfile.open(fileobj=out, mode="w|gz") as archive:
        for relative, size in sizes.items():
            info = archive.gettarinfo(staging / relative, arcname=str(relative))
            info.size = size  # an append-only file: what it held under the lock
            with (staging / relative).open("rb") as f:
                archive.addfile(info, f)


# -- restore ------------------------------------------------------------------------------------


def _member_problem(member: tarfile.TarInfo) -> str | None:
    """Why a member of a backup may not be unpacked, or None."""
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or member.name != path.as_posix():
        return "a path outside the data folder"
    if member.isdir():
        return None if path.as_posix() in KNOWN_FOLDERS else "a folder the bot does not make"
    if not member.isreg():
        return "not a regular file (a link or a device)"
    if not any(p.fullmatch(path.as_posix()) for p in KNOWN_FILES):
        return "a file the bot does not make"
    return None


def check_data(data_dir: Path) -> list[str]:
    """Every problem start-up would meet in a data folder, and every record it would set aside:
    empty when the folder is fit to run on."""
    problems = []
    try:
        db = Database(data_dir)
    except DataError as exc:
        return [f"{exc.path.relative_to(data_dir)}: {exc.problem}"]
    try:
        db.check_files()
        problems += db.check_records()
    except DataError as exc:
        problems.append(f"{exc.path.relative_to(data_dir)}: {exc.problem}")
    finally:
        db.close()
    return problems


def restore(archive: Path | BinaryIO, data_dir: Path) -> int:
    """Unpack a backup (a file, or a stream such as standard input) into an empty data folder,
    only if all of it is fit to run on; returns how many files it held. Anything wrong:
    :class:`BackupError`, and the folder stays empty."""
    name = archive if isinstance(archive, Path) else "the backup"
    private_folder(data_dir, root=True)
    present = [p.name for p in data_dir.iterdir()
               if not p.name.startswith(RESTORE_PREFIX) and p.name not in SKIPPED]
    if present:
        raise BackupError(f"the data folder {data_dir} is not empty: restore into an empty one "
                          "(stop the bot and move the old folder away first)")
    staging = Path(tempfile.mkdtemp(prefix=RESTORE_PREFIX, dir=data_dir))
    try:
        count = _unpack(archive, staging)
        problems = check_data(staging)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise BackupError(f"{name} is not restored: {problems[0]}{more}")
        for entry in sorted(staging.iterdir()):
            if entry.name not in SKIPPED:
                os.replace(entry, data_dir / entry.name)
        fsync_folder(data_dir)
        return count
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(archive: Path | BinaryIO, staging: Path) -> int:
    count = 0
    name = archive if isinstance(archive, Path) else "the backup"
    try:
        source = (tarfile.open(archive, mode="r:*") if isinstance(archive, Path) else
                  tarfile.open(fileobj=archive, mode="r|*"))  # a stream: read once, in order
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{name} cannot be read as a backup: {exc}") from exc
    with source:
        try:
            for member in source:
                if member.name in SKIPPED:  # an older backup's webhook secret, say: a
                    continue  # restored bot makes its own
                problem = _member_problem(member)
                if problem is not None:
                    raise BackupError(f"{name} is not restored: {member.name!r} is {problem}")
                path = staging / member.name
                if member.isdir():
                    private_folder(path)
                    continue
                private_folder(path.parent)
                fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                member_file = source.extractfile(member)
                if member_file is None:  # a regular file always has one; nothing else gets here
                    os.close(fd)
                    raise BackupError(f"{name} is not restored: {member.name!r} cannot be read")
                with os.fdopen(fd, "wb") as out, member_file as data:
                    shutil.copyfileobj(data, out)
                    out.flush()
                    os.fsync(out.fileno())
                count += 1
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{name} cannot be read as a backup: {exc}") from exc
    return count
