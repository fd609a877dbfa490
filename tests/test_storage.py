"""The store: crash-safe writes, small hot file, interrupted archiving, SIGKILL at random."""

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
from desk.storage import AtomicJSONStorage, Store

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def draft(customer_id: int, text: str = "水壶漏水") -> Ticket:
    return Ticket(key=new_key(), store_id="hq", customer_id=customer_id, customer_name="张",
                  language="zh_CN", text=text, kind=Kind.QUALITY, created_at=NOW.isoformat())


def confirm(store: Store, ticket: Ticket) -> Ticket:
    store.save(ticket)

    def mark(t: Ticket) -> None:
        t.state = State.NEW
        t.confirmed_at = NOW.isoformat()

    return store.confirm(ticket, mark)


def test_numbers_are_sequential_and_survive_reopening(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert [confirm(store, draft(i)).number for i in range(3)] == [1, 2, 3]
    store.close()
    store = Store(tmp_path)
    assert confirm(store, draft(9)).number == 4
    assert [t.number for t in store.open_tickets()] == [1, 2, 3, 4]


def test_hot_file_is_utf8_not_escaped(tmp_path: Path) -> None:
    store = Store(tmp_path)
    confirm(store, draft(1, "电热水壶漏水"))
    raw = (tmp_path / "desk.json").read_bytes()
    assert "电热水壶漏水".encode() in raw and b"\\u" not in raw


def test_archiving_moves_tickets_out_of_the_hot_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    tickets = [confirm(store, draft(i)) for i in range(50)]
    size_open = (tmp_path / "desk.json").stat().st_size
    for ticket in tickets:
        ticket.state = State.DONE
        store.archive(ticket)
    assert store.open_tickets() == [] and store.by_number(7) is None
    assert store.archived(7).customer_id == 6
    assert (tmp_path / "desk.json").stat().st_size < size_open / 10
    assert store.archive_months() == ["2026-11"]


def test_interrupted_archiving_is_finished_at_start(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ticket = confirm(store, draft(1))
    ticket.state = State.DONE
    from tinydb.table import Document

    store._archive("2026-11").table("tickets").upsert(Document(ticket.to_dict(), doc_id=1))
    store.close()  # crash: archived but still in the hot file
    store = Store(tmp_path)
    assert store.by_number(1) is None
    assert store.archived(1).state is State.DONE


def test_stale_temp_file_is_ignored(tmp_path: Path) -> None:
    store = Store(tmp_path)
    confirm(store, draft(1))
    store.close()
    (tmp_path / "desk.json.tmp").write_text('{"tickets": {"1": {"trunc', encoding="utf-8")
    store = Store(tmp_path)
    assert [t.number for t in store.open_tickets()] == [1]
    confirm(store, draft(2))
    assert not (tmp_path / "desk.json.tmp").exists()


def test_failed_write_leaves_memory_as_on_disk(tmp_path: Path, monkeypatch) -> None:
    store = Store(tmp_path)
    confirm(store, draft(1))

    def broken_replace(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        confirm(store, draft(2))
    monkeypatch.undo()
    assert [t.number for t in store.open_tickets()] == [1]
    assert store.last_number() == 1


def test_storage_reads_the_disk_once(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "x.json")
    storage.write({"t": {"1": {"a": 1}}})
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")  # changed behind its back
    assert storage.read() == {"t": {"1": {"a": 1}}}


WRITER = """
import sys
sys.path.insert(0, {root!r})
from tests.test_storage import confirm, draft
from desk.storage import Store
store = Store({data!r})
for i in range(100000):
    ticket = confirm(store, draft(i))
    print(ticket.number, flush=True)  # acknowledged only after the durable write
"""


@pytest.mark.parametrize("seed", range(12))
def test_sigkill_at_random_moments_loses_no_acknowledged_ticket(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "data"
    script = WRITER.format(root=str(ROOT), data=str(data))
    acknowledged = 0
    for _ in range(2):  # kill, restart on the same data, kill again
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                text=True)
        time.sleep(rng.uniform(0.4, 1.0))  # start-up takes ~0.3 s; kill mid-stream
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        output = proc.stdout.read()  # whatever was flushed before the kill
        complete = output.split("\n")[:-1]  # a last line without newline was not finished
        if complete:
            acknowledged = max(acknowledged, int(complete[-1]))
        raw = json.loads((data / "desk.json").read_text(encoding="utf-8"))
        assert isinstance(raw, dict), "the file always loads"
    store = Store(data)
    stored = {t.number for t in store.open_tickets()}
    assert acknowledged > 0
    assert set(range(1, acknowledged + 1)) <= stored
    assert stored == set(range(1, max(stored) + 1)), "no gap, no duplicate number"
