"""`sundown backup`: a snapshot between two writes of the running bot, never inside one."""

from __future__ import annotations

import io
import tarfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from desk.backup import backup
from desk.storage import Database
from tests.conftest import CHAIN_TOML

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def restore(archive: Path | bytes, folder: Path) -> Database:
    source = tarfile.open(fileobj=io.BytesIO(archive)) if isinstance(archive, bytes) else \
        tarfile.open(archive)
    with source:
        source.extractall(folder, filter="data")
    return Database(folder)


def test_a_backup_waits_for_a_write_in_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = Database(data)
    with db.transaction() as tx:
        tx.mark("first", NOW)
    target = tmp_path / "b.tar.gz"
    with db.write_lock.held():  # a move across files has begun
        with db.transaction() as tx:
            tx.mark("second", NOW)
        taker = threading.Thread(target=backup, args=(data, target))
        taker.start()
        taker.join(0.5)
        assert taker.is_alive(), "the backup waits for the write to end"
        with db.transaction() as tx:  # the move's last file
            tx.mark("third", NOW)
    taker.join(10)
    assert not taker.is_alive()
    restored = restore(target, tmp_path / "restored")
    assert all(restored.marked(name) for name in ("first", "second", "third"))
    restored.close()
    db.close()


def test_a_write_waits_for_the_backups_snapshot(tmp_path: Path) -> None:
    """The other side: while the backup links its files, the bot's write waits."""
    from desk.storage import WriteLock

    data = tmp_path / "data"
    db = Database(data)
    backup_lock = WriteLock(data)  # another holder, as the backup process is
    with backup_lock.held():
        writer = threading.Thread(target=db.mark_fed_back, args=("hq", "k", "x", 1, NOW))
        writer.start()
        writer.join(0.5)
        assert writer.is_alive()
    writer.join(10)
    assert not writer.is_alive() and db.fed_back("hq") == {"k"}
    db.close()


def test_backup_to_standard_output_and_never_of_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    db = Database(data)
    with db.transaction() as tx:
        tx.mark("written", NOW)
    db.close()

    assert bot.main(["backup", "-", "--config", str(config)]) == 0
    out = capsysbinary.readouterr()
    assert out.err.decode().startswith("1 files of ")
    restored = restore(out.out, tmp_path / "from-stdout")
    assert restored.marked("written")
    restored.close()

    inside = data / "backup.tar.gz"  # a backup kept in the data folder itself
    for _ in range(2):
        assert bot.main(["backup", str(inside), "--config", str(config)]) == 0
    with tarfile.open(inside) as archive:
        assert archive.getnames() == ["desk.json"]
    assert inside.stat().st_mode & 0o777 == 0o600
    assert not list(data.glob(".backup-*")), "the staging folder is gone"
