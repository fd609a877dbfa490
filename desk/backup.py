"""A consistent snapshot of the data folder while the bot runs: ``sundown backup FILE.tar.gz``.

How it stays consistent:

- The bot takes the folder's write lock (``write.lock``, see :class:`desk.storage.WriteLock`)
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

Restore into an empty folder while the bot is stopped: ``tar -xzf FILE.tar.gz -C <data folder>``.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from desk.health import HEARTBEAT_FILE
from desk.instance import LOCK_FILE
from desk.storage import WRITE_LOCK_FILE, WriteLock

SKIPPED = {LOCK_FILE, WRITE_LOCK_FILE, HEARTBEAT_FILE}
STAGING_PREFIX = ".backup-"
STALE_STAGING = 3600  # seconds: a staging folder this old was left by a backup that died


def data_files(data_dir: Path, leave_out: Path | None = None) -> list[Path]:
    """Every file of the data folder, relative to it (locks, the heartbeat, temporary files,
    staging folders of other backups, and ``leave_out``, the backup being written, left out)."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if relative.parts[0].startswith(STAGING_PREFIX) or not path.is_file():
            continue
        if leave_out is not None and path.resolve() == leave_out:
            continue
        if path.name in SKIPPED or path.name.endswith((".tmp", ".temp")):
            continue
        found.append(relative)
    return found


def _clear_stale_staging(data_dir: Path) -> None:
    """A backup killed midway leaves its staging folder: hard links that would keep data the
    bot has since deleted (a forgotten customer's, say). Remove those older than an hour."""
    for folder in data_dir.glob(STAGING_PREFIX + "*"):
        if time.time() - folder.stat().st_mtime > STALE_STAGING:
            shutil.rmtree(folder, ignore_errors=True)


def backup(data_dir: Path, target: Path | BinaryIO) -> int:
    """Write the snapshot to ``target``, a file (made 0600) or a binary stream (standard
    output); returns how many files it holds."""
    _clear_stale_staging(data_dir)
    leave_out = target.resolve() if isinstance(target, Path) else None
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir))
    try:
        sizes: dict[Path, int] = {}
        with WriteLock(data_dir).held():  # between two writes of the bot
            for relative in data_files(data_dir, leave_out):
                source, copy = data_dir / relative, staging / relative
                copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                try:
                    os.link(source, copy)
                except FileNotFoundError:
                    continue  # deleted since the listing (an old sent log, say)
                except OSError:
                    shutil.copyfile(source, copy)
                sizes[relative] = copy.stat().st_size
        if isinstance(target, Path):
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # customers' phone numbers are in it
            with os.fdopen(fd, "wb") as raw:
                _pack(staging, sizes, raw)
        else:
            _pack(staging, sizes, target)
        return len(sizes)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _pack(staging: Path, sizes: dict[Path, int], out: BinaryIO) -> None:
    with tarfile.open(fileobj=out, mode="w|gz") as archive:
        for relative, size in sizes.items():
            info = archive.gettarinfo(staging / relative, arcname=str(relative))
            info.size = size  # an append-only file: what it held under the lock
            with (staging / relative).open("rb") as f:
                archive.addfile(info, f)
