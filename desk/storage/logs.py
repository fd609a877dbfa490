"""Append-only logs and the files beside them: greeting campaigns (``greetings.json``, each
campaign's log of sends), the files the outbox sends, and the day's sent log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.table import Document

from desk.files import (
    CAMPAIGN_ID,
    append_private,
    check_name,
    private_folder,
    read_private,
    write_atomic,
)
from desk.outgoing import Outgoing, Status
from desk.storage.jsonfile import open_db
from desk.storage.layout import (
    GREETINGS_FILE,
    campaign_log_path,
    campaigns_folder,
    outbox_file_ref,
    outbox_folder,
    sent_log_day,
    sent_log_path,
    sent_logs,
)
from desk.storage.locking import WriteLock

SENT_LOG_DAYS = 14  # days of sent logs kept in outbox/


class Logs:
    """The database's part that keeps campaigns, the outbox's files and the sent logs."""

    data_dir: Path
    write_lock: WriteLock
    set_aside: Callable[..., None]

    def _open_logs(self) -> None:
        # Greeting campaigns; each one's sends go to an append-only log beside it.
        self._campaign_db: TinyDB = open_db(self.data_dir / GREETINGS_FILE, lock=self.write_lock)
        self._campaigns = self._campaign_db.table("campaigns")
        self._sent_log_day: str | None = None

    # -- greeting campaigns ----------------------------------------------------------------------

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        doc = self._campaigns.get(Query().id == campaign_id)
        return dict(doc) if doc and self._campaign_ok(doc) else None

    def _campaign_ok(self, doc: Document) -> bool:
        """A campaign's id names its log file: one that is not a plain name is set aside."""
        try:
            check_name(CAMPAIGN_ID, doc.get("id"), "the campaign id")
        except ValueError as exc:
            self.set_aside(f"campaign:{doc.doc_id}", f"the greeting campaign {doc.doc_id}",
                           exc, doc.get("store_id"))
            return False
        return True

    def save_campaign(self, campaign: dict[str, Any]) -> None:
        self._campaigns.upsert(campaign, Query().id == campaign["id"])

    def campaigns(self, state: str | None = None) -> list[dict[str, Any]]:
        docs = self._campaigns.all() if state is None else self._campaigns.search(
            Query().state == state)
        return [dict(d) for d in docs if self._campaign_ok(d)]

    def campaign_log_path(self, campaign_id: str) -> Path:
        private_folder(campaigns_folder(self.data_dir))
        return campaign_log_path(self.data_dir, campaign_id)

    # -- files the outbox sends (charts, exports) ------------------------------------------------

    def outbox_file(self, name: str, content: bytes) -> str:
        """Keep a file to send; returns its path relative to the data folder."""
        ref = outbox_file_ref(name)
        private_folder(outbox_folder(self.data_dir))
        with self.write_lock.held():
            write_atomic(self.data_dir / ref, content)
        return ref

    # -- the sent log ------------------------------------------------------------------------------

    def log_sent(self, entry: Outgoing, message_ids: tuple[int, ...], at: datetime) -> None:
        """Record a delivered message in the day's sent log (``outbox/sent-YYYY-MM-DD.jsonl``):
        its id, kind, chat, ticket and Telegram message ids. The hot file forgets it, so that
        it stays small; the log is kept for ``SENT_LOG_DAYS``."""
        private_folder(outbox_folder(self.data_dir))
        day = at.date().isoformat()
        record = {"id": entry.id, "status": Status.SENT.value, "kind": entry.kind,
                  "chat_id": entry.chat_id, "number": entry.number,
                  "message_ids": list(message_ids), "at": at.isoformat()}
        with self.write_lock.held():
            append_private(sent_log_path(self.data_dir, day), json.dumps(record) + "\n",
                           sync=False)
        if self._sent_log_day != day:  # once a day: forget old logs
            self._sent_log_day = day
            horizon = (at - timedelta(days=SENT_LOG_DAYS)).date().isoformat()
            for old in sent_logs(self.data_dir):
                old_day = sent_log_day(old)
                if old_day is not None and old_day < horizon:
                    old.unlink(missing_ok=True)

    def sent_log(self, day: date) -> list[dict[str, Any]]:
        try:
            lines = read_private(sent_log_path(self.data_dir, day)).decode("utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]
