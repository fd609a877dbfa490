"""A consistent snapshot of the data folder while the bot runs: ``sundown backup FILE.tar.gz``.

Every file the bot writes is replaced whole (written beside it, then renamed), so each file is
read as one consistent version. Across files, the only move is a finished ticket going from
the hot file to the month's archive, and the archive is written first. So the hot file is
copied first, everything else after it: a ticket archived while the backup runs is then in
both copies (start-up finishes the move), never in neither. Restore into an empty folder while
the bot is stopped: ``tar -xzf FILE.tar.gz -C <data folder>``.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from desk.health import HEARTBEAT_FILE
from desk.instance import LOCK_FILE

HOT_FILE = "desk.json"
SKIPPED = {LOCK_FILE, HEARTBEAT_FILE}


def files_in_order(data_dir: Path) -> list[Path]:
    """The hot file first, then every other file (temporary files and the lock left out)."""
    rest = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.name not in SKIPPED
                  and p.name != HOT_FILE and not p.name.endswith((".tmp", ".temp")))
    hot = data_dir / HOT_FILE
    return ([hot] if hot.exists() else []) + rest


def backup(data_dir: Path, target: Path) -> int:
    """Write the snapshot; returns how many files it holds."""
    files = files_in_order(data_dir)
    with tarfile.open(target, "w:gz") as archive:
        for path in files:
            archive.add(path, arcname=str(path.relative_to(data_dir)), recursive=False)
    target.chmod(0o600)  # customers' phone numbers are in it
    return len(files)
