"""The database: crash-safe writes, small hot file, interrupted archiving, SIGKILL at random."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk.models import Kind, State, Ticket, new_key
from desk.storage import AtomicJSONStorage, Database

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def draft(customer_id: int, text: str = "水壶漏水") -> Ticket:
    return Ticket(key=new_key(), store_id="hq", customer_id=customer_id, customer_name="张",
                  language="zh_CN", text=text, kind=Kind.QUALITY, created_at=NOW.isoformat())


def confirm(db: Database, ticket: Ticket) -> Ticket:
    """Save a draft, then number and open it in one write, as the customer's confirmation."""
    db.save(ticket)
    with db.transaction() as tx:
        confirmed = tx.ticket(ticket.key)
        confirmed.number = tx.next_number()
        confirmed.state = State.NEW
        confirmed.confirmed_at = NOW.isoformat()
        tx.save(confirmed)
    return confirmed


def test_numbers_are_sequential_and_survive_reopening(tmp_path: Path) -> None:
    db = Database(tmp_path)
    assert [confirm(db, draft(i)).number for i in range(3)] == [1, 2, 3]
    db.close()
    db = Database(tmp_path)
    assert confirm(db, draft(9)).number == 4
    assert [t.number for t in db.open_tickets()] == [1, 2, 3, 4]


def test_hot_file_is_utf8_not_escaped(tmp_path: Path) -> None:
    db = Database(tmp_path)
    confirm(db, draft(1, "电热水壶漏水"))
    raw = (tmp_path / "desk.json").read_bytes()
    assert "电热水壶漏水".encode() in raw and b"\\u" not in raw


def test_archiving_moves_tickets_out_of_the_hot_file(tmp_path: Path) -> None:
    db = Database(tmp_path)
    tickets = [confirm(db, draft(i)) for i in range(50)]
    size_open = (tmp_path / "desk.json").stat().st_size
    for ticket in tickets:
        ticket.state = State.DONE
        db.save(ticket)
        db.archive(ticket.key)
    assert db.open_tickets() == [] and db.by_number(7) is None
    assert db.archived(7).customer_id == 6
    assert (tmp_path / "desk.json").stat().st_size < size_open / 10
    assert db.archive_months() == ["2026-11"]


def test_interrupted_archiving_is_finished_at_start(tmp_path: Path) -> None:
    db = Database(tmp_path)
    ticket = confirm(db, draft(1))
    ticket.state = State.DONE
    db.save(ticket)
    from tinydb.table import Document

    db._archive("2026-11").table("tickets").upsert(Document(ticket.to_dict(), doc_id=1))
    db.close()  # crash: archived but still in the hot file
    db = Database(tmp_path)
    assert db.by_number(1) is None
    assert db.archived(1).state is State.DONE


def test_stale_temp_file_is_ignored(tmp_path: Path) -> None:
    db = Database(tmp_path)
    confirm(db, draft(1))
    db.close()
    (tmp_path / "desk.json.tmp").write_text('{"tickets": {"1": {"trunc', encoding="utf-8")
    db = Database(tmp_path)
    assert [t.number for t in db.open_tickets()] == [1]
    confirm(db, draft(2))
    assert not (tmp_path / "desk.json.tmp").exists()


def test_failed_write_leaves_memory_as_on_disk(tmp_path: Path, monkeypatch) -> None:
    db = Database(tmp_path)
    confirm(db, draft(1))

    def broken_replace(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        confirm(db, draft(2))
    monkeypatch.undo()
    assert [t.number for t in db.open_tickets()] == [1]
    assert db.last_number() == 1


def test_storage_reads_the_disk_once(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "x.json")
    storage.write({"t": {"1": {"a": 1}}})
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")  # changed behind its back
    assert storage.read() == {"t": {"1": {"a": 1}}}


WRITER = """
import sys
sys.path.insert(0, {root!r})
from tests.test_storage import confirm, draft
from desk.storage import Database
db = Database({data!r})
for i in range(100000):
    ticket = confirm(db, draft(i))
    print(ticket.number, flush=True)  # acknowledged only after the durable write
"""


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_sigkill_at_random_moments_loses_no_acknowledged_ticket(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "data"
    script = WRITER.format(root=str(ROOT), data=str(data))
    acknowledged = 0
    for _ in range(2):  # kill, restart on the same data, kill again
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                text=True)
        # Start-up time depends on the machine's load: wait for the first acknowledgement,
        # then kill mid-stream at a random moment.
        first = proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        output = first + proc.stdout.read()  # whatever was flushed before the kill
        complete = output.split("\n")[:-1]  # a last line without newline was not finished
        if complete:
            acknowledged = max(acknowledged, int(complete[-1]))
        raw = json.loads((data / "desk.json").read_text(encoding="utf-8"))
        assert isinstance(raw, dict), "the file always loads"
    db = Database(data)
    dbd = {t.number for t in db.open_tickets()}
    assert acknowledged > 0
    assert set(range(1, acknowledged + 1)) <= dbd
    assert dbd == set(range(1, max(dbd) + 1)), "no gap, no duplicate number"
