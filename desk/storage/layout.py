"""Where everything lives in the data folder: the one module that knows the file layout.

Other modules (search, backup, export, benches) ask here for a path; none of them spells a file
or folder name of the data folder. Changing the layout means changing this module (and a
migration), nothing else.

::

    desk.json                    the hot file (drafts, open tickets, the outbox, marks, ...)
    records.json                 managers' records (served counts, fed-back marks)
    greetings.json               greeting campaigns
    write.lock                   the write lock (held by each write and by ``sundown backup``)
    archive/YYYY-MM.json         finished tickets, by the month they were confirmed in
    customers/NN.json            customer profiles, sharded by user id
    followups/<ticket key>.jsonl each open ticket's follow-ups, whole
    outbox/<name>                files the outbox sends (charts, exports)
    outbox/sent-YYYY-MM-DD.jsonl the day's sent log
    campaigns/<campaign id>.log  each greeting campaign's log of sends
    sundown.lock, heartbeat.json, webhook-secret   the running instance's files
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from desk.files import (
    CAMPAIGN_ID,
    MONTH,
    OUTBOX_FOLDER,
    OUTBOX_NAME,
    TICKET_KEY,
    check_name,
)

HOT_FILE = "desk.json"
RECORDS_FILE = "records.json"
GREETINGS_FILE = "greetings.json"
WRITE_LOCK_FILE = "write.lock"
ARCHIVE_FOLDER = "archive"
CUSTOMERS_FOLDER = "customers"
FOLLOWUPS_FOLDER = "followups"
CAMPAIGNS_FOLDER = "campaigns"
CUSTOMER_SHARDS = 32
# The TinyDB table each archive month file and customer shard holds its documents in.
ARCHIVE_TABLE = "tickets"
CUSTOMERS_TABLE = "customers"
# The running instance's files (see desk/instance.py and desk/health.py): never backed up.
INSTANCE_LOCK_FILE = "sundown.lock"
HEARTBEAT_FILE = "heartbeat.json"
WEBHOOK_SECRET_FILE = "webhook-secret"

_DAY = r"\d{4}-\d{2}-\d{2}"
_SENT_LOG = "sent-{day}.jsonl"

# Every file a data folder holds, by the names the bot gives them (relative, "/" separated).
KNOWN_FILES = [
    re.compile("|".join(re.escape(name) for name in (HOT_FILE, RECORDS_FILE, GREETINGS_FILE))),
    re.compile(rf"{ARCHIVE_FOLDER}/{MONTH.pattern}\.json"),
    re.compile(rf"{CUSTOMERS_FOLDER}/("
               + "|".join(f"{i:02d}" for i in range(CUSTOMER_SHARDS)) + r")\.json"),
    re.compile(rf"{FOLLOWUPS_FOLDER}/{TICKET_KEY.pattern}\.jsonl"),
    re.compile(rf"{OUTBOX_FOLDER}/sent-{_DAY}\.jsonl"),
    re.compile(rf"{OUTBOX_FOLDER}/{OUTBOX_NAME.pattern}"),
    re.compile(rf"{CAMPAIGNS_FOLDER}/{CAMPAIGN_ID.pattern}\.log"),
]
KNOWN_FOLDERS = {ARCHIVE_FOLDER, CUSTOMERS_FOLDER, FOLLOWUPS_FOLDER, OUTBOX_FOLDER,
                 CAMPAIGNS_FOLDER}
# Files of the running instance, not data: a backup leaves them out.
INSTANCE_FILES = {INSTANCE_LOCK_FILE, WRITE_LOCK_FILE, HEARTBEAT_FILE, WEBHOOK_SECRET_FILE}


def hot_path(data_dir: Path) -> Path:
    return Path(data_dir) / HOT_FILE


def archive_folder(data_dir: Path) -> Path:
    return Path(data_dir) / ARCHIVE_FOLDER


def archive_path(data_dir: Path, month: str) -> Path:
    """A month's archive file; the month is checked before it becomes a path."""
    return archive_folder(data_dir) / f"{check_name(MONTH, month, 'the month')}.json"


def archive_files(data_dir: Path) -> dict[str, Path]:
    """The archive's month files on disk, by month (oldest first); odd names left out."""
    folder = archive_folder(data_dir)
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.json")) if MONTH.fullmatch(p.stem)}


def shard_of(user_id: int) -> int:
    """The customer shard a user's profile lives in."""
    return user_id % CUSTOMER_SHARDS


def customer_shard_path(data_dir: Path, index: int) -> Path:
    return Path(data_dir) / CUSTOMERS_FOLDER / f"{index:02d}.json"


def customer_shard_files(data_dir: Path) -> Iterator[tuple[int, Path]]:
    """Every customer shard file that exists, with its index."""
    for index in range(CUSTOMER_SHARDS):
        path = customer_shard_path(data_dir, index)
        if path.exists():
            yield index, path


def followup_path(data_dir: Path, key: str) -> Path:
    """A ticket's side file; its key is checked before it becomes a path."""
    return (Path(data_dir) / FOLLOWUPS_FOLDER
            / f"{check_name(TICKET_KEY, key, 'the ticket key')}.jsonl")


def outbox_folder(data_dir: Path) -> Path:
    return Path(data_dir) / OUTBOX_FOLDER


def outbox_file_ref(name: str) -> str:
    """How an outbox entry names a file the bot made (relative to the data folder)."""
    return f"{OUTBOX_FOLDER}/{check_name(OUTBOX_NAME, name, 'the outbox file')}"


def is_outbox_file(ref: str) -> bool:
    """Whether an outbox entry's file is one the bot made (else it is a Telegram file id)."""
    return ref.startswith(OUTBOX_FOLDER + "/")


def sent_log_path(data_dir: Path, day: date | str) -> Path:
    day = day if isinstance(day, str) else day.isoformat()
    return outbox_folder(data_dir) / _SENT_LOG.format(day=day)


def sent_log_day(path: Path) -> str | None:
    """The day of a sent log file (``YYYY-MM-DD``), None for another file."""
    name = path.name
    if name.startswith("sent-") and name.endswith(".jsonl"):
        day = name[len("sent-"):-len(".jsonl")]
        return day if re.fullmatch(_DAY, day) else None
    return None


def sent_logs(data_dir: Path) -> list[Path]:
    folder = outbox_folder(data_dir)
    return sorted(p for p in folder.glob("sent-*.jsonl")) if folder.is_dir() else []


def campaigns_folder(data_dir: Path) -> Path:
    return Path(data_dir) / CAMPAIGNS_FOLDER


def campaign_log_path(data_dir: Path, campaign_id: str) -> Path:
    return (campaigns_folder(data_dir)
            / f"{check_name(CAMPAIGN_ID, campaign_id, 'the campaign id')}.log")
