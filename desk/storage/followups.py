"""A chatty customer's follow-ups, whole, in a side file per open ticket."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from desk.files import append_private, private_folder, read_private
from desk.models import Ticket
from desk.storage.layout import followup_path
from desk.storage.locking import WriteLock

log = logging.getLogger("desk.storage")


class Followups:
    """The database's part that keeps each open ticket's follow-ups whole."""

    data_dir: Path
    write_lock: WriteLock

    def keep_followup(self, key: str, entry: dict[str, Any]) -> None:
        """The whole follow-up, appended to the ticket's side file: the hot file keeps only
        the last few, shortened (it is rewritten on every write), the archive gets them all."""
        path = self._followup_path(key)
        private_folder(path.parent)
        try:
            with self.write_lock.held():
                append_private(path, json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:  # a link put in its place: never written through
            log.error("the follow-ups of ticket %s cannot be kept whole in %s: %s", key,
                      path.name, exc.strerror)

    def _followup_path(self, key: str) -> Path:
        """A ticket's side file; its key is checked before it becomes a path."""
        return followup_path(self.data_dir, key)

    def all_followups(self, ticket: Ticket) -> list[dict[str, Any]]:
        """Every follow-up of the ticket, whole: the side file, else what the record holds."""
        path = self._followup_path(ticket.key)
        try:
            lines = read_private(path).decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return list(ticket.followups)
        except OSError as exc:  # a link put in its place: never read through
            log.error("the follow-ups of ticket %s cannot be read from %s: %s", ticket.key,
                      path.name, exc.strerror)
            return list(ticket.followups)
        kept = []
        for line in lines:
            try:
                kept.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: the hot record still has it
        return kept or list(ticket.followups)
