"""The storage in parts: one read API, one module that knows the file layout, old folders load."""

from __future__ import annotations

import ast
import inspect
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from desk.models import State
from desk.storage import Database, HotReads, Transaction
from desk.storage.bulk import write_archive_month, write_customer_shard, write_hot_file
from desk.storage.layout import shard_of
from tests.test_storage import confirm, draft

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# A data folder written by the version before desk/storage/ was split (commit 6622ea2).
FOLDER_V1 = Path(__file__).resolve().parent / "data" / "folder-v1"


def test_database_and_transaction_read_with_the_same_names(tmp_path: Path) -> None:
    db = Database(tmp_path)
    first = confirm(db, draft(1))
    reads = [name for name, _ in inspect.getmembers(HotReads, inspect.isfunction)
             if not name.startswith("_")]
    assert {"ticket", "ticket_by_number", "tickets", "draft_for", "open_tickets", "outgoing",
            "outgoings", "marked", "routed", "ours"} <= set(reads)
    for name in reads:  # one implementation: neither side has a read of its own
        assert getattr(Transaction, name) is getattr(HotReads, name), name
        if name != "outgoing":  # the database keeps the older outgoing() (a list) for now
            assert getattr(Database, name) is getattr(HotReads, name), name

    with db.transaction() as tx:
        assert tx.ticket_by_number(1).key == db.ticket_by_number(1).key == first.key
        second = draft(2)
        tx.save(second)
        # the transaction reads what it will write; the database what is written
        assert tx.draft_for(2).key == second.key and db.draft_for(2) is None
        assert [t.key for t in tx.tickets()] == [first.key, second.key]
        assert [t.key for t in db.tickets()] == [first.key]
        tx.remove(first.key)
        assert tx.ticket_by_number(1) is None and db.ticket_by_number(1) is not None
    assert db.ticket_by_number(1) is None and db.draft_for(2).key == second.key


# Names of the data folder's files and folders, as code would spell them.
_LAYOUT = re.compile(r"(^|/)(desk|records|greetings|heartbeat)\.json|(^|/)(archive|customers|"
                     r"followups|campaigns|outbox)/|sent-|write\.lock|sundown\.lock|"
                     r"webhook-secret")
_FOLDERS = {"archive", "customers", "campaigns", "desk.json", "records.json", "greetings.json"}


def test_only_the_storage_package_knows_the_file_layout() -> None:
    """Search, backup, health, the sender, the benches...: none spells a file or folder name
    of the data folder; they ask desk/storage/layout.py."""
    found = []
    sources = [ROOT / "bot.py", *(p for d in ("desk", "handlers", "outbox", "schedules",
                                              "webapp", "bench", "sandbox")
                                  for p in sorted((ROOT / d).rglob("*.py")))]
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("desk/storage/") or relative == "desk/files.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if (len(text) < 80 and _LAYOUT.search(text)) or text in _FOLDERS:
                    found.append(f"{relative}:{node.lineno}: {text!r}")
    assert found == []


def test_a_folder_written_before_the_split_loads_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FOLDER_V1, data)
    db = Database(data)
    db.check_files()
    assert db.check_records() == []
    assert [t.number for t in db.open_tickets()] == [1, 3]
    assert db.draft_for(200).key == "d1" and db.last_number() == 3
    assert [o.id for o in db.outgoings()] == ["o1", "o2", "o3"]
    assert db.routed(-100, 11).key == "k1" and db.ours(-100) == [11, 12, 13]
    assert db.marked("contact:k1")
    archived = db.archived(2)
    assert archived.state is State.DONE and archived.followups[-1]["text"] == "今天能来吗"
    assert db.all_followups(db.ticket("k1"))[-1]["text"] == "还在漏水"
    assert db.customer(101).phone == "13800000000" and db.customer(102).closed_tickets == [2]
    assert [e["id"] for e in db.sent_log(date(2026, 11, 23))] == ["o1"]
    assert db.served("hq") == {date(2026, 11, 22): 40} and db.fed_back("hq") == {"k1"}
    assert db.campaign("spring-2027")["state"] == "running"
    assert db.campaign_log_path("spring-2027").read_text() == '{"user_id": 101}\n'
    assert db.archive_months() == ["2026-11"]
    # and it is written on as before
    confirm(db, draft(300))
    assert db.ticket_by_number(4).customer_id == 300
    db.close()
    assert Database(data).ticket_by_number(4).customer_id == 300


def test_files_written_in_bulk_are_the_database_s(tmp_path: Path) -> None:
    """The benches seed a history through desk.storage.bulk: the database reads it as its own."""
    old = confirm(Database(tmp_path / "a"), draft(7))
    archived = old.to_dict() | {"state": "done"}
    write_archive_month(tmp_path / "b", "2026-10", {"5": archived | {"number": 5}})
    write_customer_shard(tmp_path / "b", shard_of(7), {"7": {"user_id": 7, "name": "张"}})
    write_hot_file(tmp_path / "b", {old.key: old.to_dict()}, last_number=5)
    db = Database(tmp_path / "b")
    db.check_files()
    assert db.archived(5).customer_id == 7 and db.customer(7).name == "张"
    assert db.ticket_by_number(1).key == old.key and confirm(db, draft(8)).number == 6
