"""The heartbeat: a small file in the data folder saying the bot is alive and keeping up.

The running bot rewrites ``heartbeat.json`` every half minute: when it wrote, when a long poll
last came back from Telegram, when it last got an update, when the deadline sweep last ran, how
many messages wait in the outbox and since when; in webhook mode, what Telegram says of its
pushes (updates waiting, the last failed push). ``sundown status`` reads it (also from a
container's HEALTHCHECK); it needs no connection to the bot. A gap between two heartbeats
longer than ``DOWN_AFTER`` is downtime, which the next digest reports.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from desk.files import read_private, write_atomic
from desk.storage.layout import HEARTBEAT_FILE

BEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(minutes=3)  # no heartbeat for this long: the bot is not running
STUCK_AFTER = timedelta(minutes=30)  # a message waiting this long: delivery is stuck
# A long poll returns within seconds (with or without updates): this long without one coming
# back, the bot cannot reach the Bot API (network, proxy) and hears nobody.
NOT_POLLING_AFTER = timedelta(minutes=2)
DOWN_AFTER = timedelta(minutes=5)


@dataclass
class Heartbeat:
    at: str
    pid: int
    backlog: int = 0
    oldest_pending: str | None = None
    last_update: str | None = None
    last_sweep: str | None = None
    last_poll: str | None = None  # None in webhook mode
    # Webhook mode: what Telegram says of its pushes (getWebhookInfo): updates waiting for the
    # bot, and its last failed push (when, why).
    webhook_pending: int | None = None
    webhook_error_at: str | None = None
    webhook_error: str | None = None


def write(data_dir: Path, beat: Heartbeat) -> None:
    """Replace the heartbeat file in one step (a reader never sees half of it)."""
    write_atomic(data_dir / HEARTBEAT_FILE, json.dumps(asdict(beat)), sync_folder=False)


def read(data_dir: Path) -> Heartbeat | None:
    try:
        data = json.loads(read_private(data_dir / HEARTBEAT_FILE))
        return Heartbeat(**data)
    except (OSError, ValueError, TypeError):
        return None


def problems(beat: Heartbeat | None, now: datetime) -> list[str]:
    """What is wrong, in words for an operator; empty when all is well."""
    if beat is None:
        return ["no heartbeat: the bot has not run on this data folder (or not since 0.1)"]
    found = []
    age = now - datetime.fromisoformat(beat.at)
    if age > STALE_AFTER:
        found.append(f"stale: the last heartbeat is {int(age.total_seconds())} s old; the bot "
                     "is not running or is hung")
    if beat.last_poll:
        silent = datetime.fromisoformat(beat.at) - datetime.fromisoformat(beat.last_poll)
        if silent > NOT_POLLING_AFTER:
            found.append(f"not polling: no answer to getUpdates for {int(silent.total_seconds())}"
                         " s (is the Bot API reachable? check the network and `proxy`)")
    if beat.webhook_pending and beat.webhook_error_at and (
            beat.last_update is None or datetime.fromisoformat(beat.webhook_error_at)
            > datetime.fromisoformat(beat.last_update)):
        found.append(f"webhook failing: Telegram holds {beat.webhook_pending} updates and its "
                     f"last push at {beat.webhook_error_at} failed ({beat.webhook_error}); "
                     "check the reverse proxy, the port and the webhook secret")
    if beat.oldest_pending:
        waiting = now - datetime.fromisoformat(beat.oldest_pending)
        if waiting > STUCK_AFTER:
            found.append(f"stuck: {beat.backlog} messages wait, the oldest for "
                         f"{int(waiting.total_seconds() // 60)} min (is the Bot API reachable?)")
    return found


def downtime(previous: Heartbeat | None, now: datetime) -> tuple[datetime, datetime] | None:
    """The span the bot was down, judged at start-up from the last heartbeat before it."""
    if previous is None:
        return None
    last = datetime.fromisoformat(previous.at)
    return (last, now) if now - last > DOWN_AFTER else None
