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

    assert not list(data.glob(".backup-*")), "the staging folder is gone"


def _config(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    db = Database(data)
    with db.transaction() as tx:
        tx.mark("written", NOW)
    db.close()
    return data, config


def test_a_backup_into_the_data_folder_is_refused(tmp_path: Path, capsys) -> None:
    """Kept in the data folder, each backup held every earlier one (27 -> 55 -> 110 MB)."""
    data, config = _config(tmp_path)
    (tmp_path / "via").symlink_to(data)  # the data folder under another name
    (data / "customers").mkdir()
    for target in (data / "backup.tar.gz", data / "customers" / "b.tar.gz",
                   tmp_path / "via" / "b.tar.gz"):
        assert bot.main(["backup", str(target), "--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("backup refused: ") and "inside the data folder" in err
        assert err.count("\n") == 1
        assert not target.exists()
    assert not [p for p in data.rglob("*") if p.is_file() and p.name not in (
        "desk.json", "write.lock")], "nothing written there"


def test_a_symlinked_target_is_refused_and_left_alone(tmp_path: Path, capsys) -> None:
    _, config = _config(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("do not overwrite", encoding="utf-8")
    link = tmp_path / "backup.tar.gz"
    link.symlink_to(precious)
    assert bot.main(["backup", str(link), "--config", str(config)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert precious.read_text(encoding="utf-8") == "do not overwrite"
    assert link.is_symlink()


def test_a_killed_backup_leaves_the_previous_one_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk import backup as snapshot

    data, config = _config(tmp_path)
    target = tmp_path / "out" / "backup.tar.gz"
    target.parent.mkdir()
    assert bot.main(["backup", str(target), "--config", str(config)]) == 0
    good = target.read_bytes()

    def dies(staging, sizes, out) -> None:
        out.write(b"\x1f\x8b half a backup")
        raise KeyboardInterrupt  # killed midway

    monkeypatch.setattr(snapshot, "_pack", dies)
    with pytest.raises(KeyboardInterrupt):
        bot.main(["backup", str(target), "--config", str(config)])
    assert target.read_bytes() == good, "the previous backup is whole"
    assert [p.name for p in target.parent.iterdir()] == ["backup.tar.gz"], "no temp file left"
    assert not list(data.glob(".backup-*"))


def test_the_webhook_secret_is_not_in_the_backup_and_the_file_is_private(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    data, config = _config(tmp_path)
    monkeypatch.delenv(bot.WEBHOOK_SECRET_ENV, raising=False)
    bot.webhook_secret(data)
    assert (data / bot.WEBHOOK_SECRET_FILE).exists()
    target = tmp_path / "b.tar.gz"
    old = os.umask(0)
    try:
        assert bot.main(["backup", str(target), "--config", str(config)]) == 0
    finally:
        os.umask(old)
    with tarfile.open(target) as archive:
        assert archive.getnames() == ["desk.json"]
    assert target.stat().st_mode & 0o777 == 0o600
