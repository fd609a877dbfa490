"""A tampered data folder or backup: every name read from a data file is checked before it
becomes a path, no link is followed, and nothing outside the data folder is read or written.

Each test keeps a sentinel folder beside the data folder (a "secret" and a "victim" file) and
asserts at the end that it is exactly as it was, and that nothing of it reached Telegram.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

import bot
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import CHAIN_TOML, START, World, file_complaint, start_world

SECRET = b"TELEGRAM_BOT_TOKEN=123456:NEVER-SEND-THIS"
ATTACKER = 666


class Outside:
    """The files beside the data folder that nothing may touch."""

    def __init__(self, root: Path):
        self.folder = root / "outside"
        self.folder.mkdir()
        self.secret = self.folder / "secret.txt"
        self.secret.write_bytes(SECRET)
        self.victim = self.folder / "victim.json"
        self.victim.write_bytes(b"{}")
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, tuple[bytes, int, int]]:
        return {p.name: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
                for p in sorted(self.folder.iterdir())}

    def untouched(self) -> bool:
        return self.snapshot() == self.before


def record_uploads(world: World) -> list[bytes]:
    """Every file the bot uploads to the fake Telegram from now on, whole."""
    seen: list[bytes] = []
    original = world.telegram._send_file

    def spy(params, files, kind):
        for upload in files.values():
            if isinstance(upload, tuple):
                seen.append(upload[1])
        return original(params, files, kind)

    world.telegram._send_file = spy
    return seen


def entry(entry_id: str, **fields) -> dict:
    base = {"id": entry_id, "chat_id": ATTACKER, "kind": "export", "priority": 4,
            "method": "document", "seq": 900, "text": "here", "status": "pending",
            "created_at": START.isoformat(), "filename": "a.txt"}
    return {**base, **fields}


def ticket_doc(good: dict, key: str, **fields) -> dict:
    return {**good, "key": key, "number": None, "card_message_id": None, **fields}


async def test_tampered_records_are_set_aside_and_nothing_outside_is_touched(
        tmp_path: Path) -> None:
    outside = Outside(tmp_path)
    data = tmp_path / "data"
    world = await start_world(data)
    await world.client.send(world.manager, "/start")
    number = await file_complaint(world)
    await world.stop()

    hot_path = data / "desk.json"
    hot = json.loads(hot_path.read_text(encoding="utf-8"))
    good = next(d for d in hot["tickets"].values() if d["number"] == number)
    relative_secret = "../../outside/secret.txt"  # from data/outbox/
    bad_entries = {
        "dots": entry("dots", file=f"outbox/{relative_secret}"),
        "absolute": entry("absolute", file=str(outside.secret)),
        "bare": entry("bare", file=relative_secret),
        "linked": entry("linked", file="outbox/link.txt"),  # a link planted later
        "odd-ticket": entry("odd-ticket", method="send", ticket="../../outside/x",
                            remember="card_message_id"),
        "odd-field": entry("odd-field", method="send", ticket=good["key"], remember="state"),
        "odd-target": entry("odd-target", method="edit",
                            target={"ticket": good["key"], "field": "__class__"}),
        "odd-fallback": entry("odd-fallback", method="send",
                              fallback=entry("x", file=str(outside.secret))),
    }
    hot["outbox"].update(bad_entries)
    bad_tickets = {
        "../../outside/victim": ticket_doc(good, "../../outside/victim", customer_id=1003),
        "abs": ticket_doc(good, str(outside.victim), customer_id=1004),
        "month": ticket_doc(good, "monthkey", customer_id=1005, number=77,
                            confirmed_at="../../../outside/victim"),
        "nokey": ticket_doc(good, "", customer_id=1006),
    }
    hot["tickets"].update(bad_tickets)
    hot_path.write_text(json.dumps(hot, ensure_ascii=False), encoding="utf-8")
    campaigns_path = data / "greetings.json"
    campaigns_path.write_text(json.dumps({"campaigns": {"1": {
        "id": "../outside/victim", "store_id": "hq", "day": "2026-11-23", "key": "new_year",
        "name": "New Year", "custom": False, "state": "running",
        "created_at": START.isoformat(), "recipients": [1001], "skipped": {}, "reported": 0}}}),
        encoding="utf-8")
    # Files with odd names in the folders the bot lists: never taken for its own.
    (data / "archive").mkdir(exist_ok=True)
    (data / "archive" / "..json").write_text("{}", encoding="utf-8")
    (data / "archive" / "2026-13.json").write_text("{}", encoding="utf-8")
    (data / "customers" / "99.json").write_text("{}", encoding="utf-8")

    world = await start_world(data)
    seen = record_uploads(world)
    (data / "outbox").mkdir(exist_ok=True)
    (data / "outbox" / "link.txt").symlink_to(outside.secret)  # planted while it runs
    # Links where the bot writes: its temp files, a ticket's side file.
    (data / "heartbeat.json.tmp").symlink_to(outside.victim)
    (data / "desk.json.tmp").symlink_to(outside.victim)
    (data / "followups").mkdir(exist_ok=True)
    (data / "followups" / f"{good['key']}.jsonl").symlink_to(outside.victim)

    c = world.client
    from schedules.deadlines import JOB_NAME as DEADLINES
    from schedules.greetings import JOB_NAME as GREETINGS
    from schedules.heartbeat import JOB_NAME as HEARTBEAT

    world.outbox.sender.load()
    for name in (DEADLINES, GREETINGS, HEARTBEAT):
        for job in world.app.job_queue.get_jobs_by_name(name):
            await job.run(world.app)
    await c.settle()
    # The bot goes on: a follow-up (its side file is a link), a new complaint, a service.
    await c.send(world.customer, "补充一下:是上周六在店里买的")
    assert any("上周六" in str(f) for f in world.db.by_number(number).followups)
    second = await file_complaint(world, "空气净化器有异味,我要退货", user=world.other_customer)
    assert any(f"#{second}" in t for t in c.texts(world.other_customer))
    for job in world.app.job_queue.get_jobs_by_name(DEADLINES):
        await job.run(world.app)
    await c.settle()

    # Nothing reached the attacker's chat, no upload held the secret.
    assert [call for call in world.telegram.calls
            if str(call.params.get("chat_id")) == str(ATTACKER)] == []
    assert all(SECRET not in (blob or b"") for blob in seen)
    assert all(SECRET.decode() not in json.dumps(call.params, default=str)
               for call in world.telegram.calls)
    # Told: one notice per bad record, to the managers, never the record's content.
    told = [t for t in c.texts(world.manager) if "无法读取" in t or "无法安全使用" in t]
    # Every bad ticket, every bad entry but "linked" (its name is fine: it fails when sent,
    # and the digest lists it), and the campaign.
    assert len(told) == len(bad_tickets) + len(bad_entries) - 1 + 1
    assert all(SECRET.decode() not in t for t in told)
    failed = {e.id: e.error for e in world.db.failed_outgoing()}
    assert "linked" in failed and "link.txt" in (failed["linked"] or "")
    assert c.errors == []
    await world.stop()

    assert outside.untouched(), "nothing outside the data folder was read into or written"
    assert sorted(p.name for p in outside.folder.iterdir()) == ["secret.txt", "victim.json"]
    kept = json.loads(hot_path.read_text(encoding="utf-8"))
    for doc in bad_tickets.values():
        assert doc in kept["tickets"].values(), "set aside: kept exactly as it was"
    assert {k for k in bad_entries if k != "linked"} <= set(kept["outbox"])
    assert not (data / "campaigns" / "victim.log").exists()


async def test_a_link_in_the_data_folder_stops_start_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """At start-up (`sundown run`) a link anywhere in the data folder is one line, exit 2:
    nothing is read through it, nothing written."""
    outside = Outside(tmp_path)
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv")
    for place in ("archive/2026-10.json", "customers", "outbox/sent-2026-11-23.jsonl"):
        target = data / place
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(outside.victim if place.endswith("json") else outside.folder)
        assert bot.run(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 2
        err = capsys.readouterr().err
        assert err.startswith("data error: ") and "symbolic link" in err
        assert err.count("\n") == 1
        target.unlink()
    assert outside.untouched()


def _backup_with(tmp_path: Path, name: str, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    path = tmp_path / name
    with tarfile.open(path, "w:gz") as archive:
        for info, content in members:
            info.size = len(content) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(content) if info.isreg() else None)
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = 0o644
    return info


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


GOOD_HOT = json.dumps({"meta": {"1": {"last_number": 0}}}).encode()


@pytest.mark.parametrize(("members", "why"), [
    ([(_file("../outside/victim.json"), b"{}")], "a path outside the data folder"),
    ([(_file("/tmp/sundown-restore-abs"), b"{}")], "a path outside the data folder"),
    ([(_file("desk.json"), GOOD_HOT), (_link("archive/2026-10.json", "/etc/passwd"), b"")],
     "not a regular file"),
    ([(_link("desk.json", "../outside/victim.json", tarfile.LNKTYPE), b"")],
     "not a regular file"),
    ([(_file("desk.json"), GOOD_HOT), (_file("evil.sh"), b"#!/bin/sh")],
     "a file the bot does not make"),
    ([(_file("customers/99.json"), b"{}")], "a file the bot does not make"),
    ([(_file("desk.json"), json.dumps({"tickets": {"x": {"key": "../../x"}}}).encode())],
     "ValueError"),
    ([(_file("desk.json"), json.dumps({"outbox": {"e": entry("e", file="/etc/passwd")}})
       .encode())], "outbox:e"),
    ([(_file("greetings.json"), json.dumps({"campaigns": {"1": {"id": "../x"}}}).encode())],
     "campaign:1"),
    ([(_file("archive/2026-11.json"), b'{"tickets": {"1": {"key": "a/b", "number": 1}}}')],
     "ValueError"),
    ([(_file("desk.json"), b'{"tickets": {"1": ')], "not valid JSON"),
])
def test_restore_refuses_a_bad_backup_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture, members, why: str) -> None:
    outside = Outside(tmp_path)
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    archive = _backup_with(tmp_path, "bad.tar.gz", members)
    assert bot.main(["restore", str(archive), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("restore refused: ") and err.count("\n") == 1
    assert why in err
    assert [p.name for p in data.iterdir()] in ([], ["sundown.lock"]), "the folder stays empty"
    assert outside.untouched()
    assert not Path("/tmp/sundown-restore-abs").exists()


async def test_a_good_backup_restores_and_the_bot_starts_on_it(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    world = await start_world(data)
    number = await file_complaint(world)
    await world.stop()
    bot.webhook_secret(data)
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    target = tmp_path / "good.tar.gz"
    assert bot.main(["backup", str(target), "--config", str(config)]) == 0

    restored = tmp_path / "restored"
    other = tmp_path / "other.toml"
    other.write_text(CHAIN_TOML.format(data_dir=restored.as_posix()), encoding="utf-8")
    assert bot.main(["restore", str(target), "--config", str(other)]) == 0
    assert "restored into" in capsys.readouterr().out
    assert not (restored / bot.WEBHOOK_SECRET_FILE).exists(), "the secret is not in a backup"
    assert not [p for p in restored.iterdir() if p.name.startswith(".restore-")]
    world = await start_world(restored)
    assert world.db.by_number(number) is not None
    await world.stop()
    # Into a folder that holds data: refused, nothing changed.
    before = (restored / "desk.json").read_bytes()
    assert bot.main(["restore", str(target), "--config", str(other)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (restored / "desk.json").read_bytes() == before


async def test_every_folder_and_file_of_the_data_folder_is_private_whatever_the_umask(
        tmp_path: Path) -> None:
    """The README promises 0700 folders and 0600 files; campaigns/ was 0755 and its logs 0644.
    The whole demo story (tickets, archive, customers, a chart, a greeting campaign), the
    webhook secret, a backup and a restore, all under umask 0."""
    import stat

    from desk.files import walk
    from sandbox.story import play

    data = tmp_path / "data"
    old = os.umask(0)
    try:
        await play(bot.build_application, data_dir=str(data), out=lambda *_: None)
        bot.webhook_secret(data)
        config = tmp_path / "config.toml"
        config.write_text(CHAIN_TOML.format(data_dir=(tmp_path / "restored").as_posix()),
                          encoding="utf-8")
        from desk.backup import backup

        backup(data, tmp_path / "b.tar.gz")
        assert bot.main(["restore", str(tmp_path / "b.tar.gz"), "--config", str(config)]) == 0
    finally:
        os.umask(old)
    for folder in (data, tmp_path / "restored"):
        found = {str(relative): stat.S_IMODE(info.st_mode) for relative, info in walk(folder)}
        assert "campaigns" in found and any(p.startswith("campaigns/") for p in found)
        assert any(p.startswith("archive/") for p in found)
        wrong = {p: oct(mode) for p, mode in found.items()
                 if mode != (0o700 if (folder / p).is_dir() else 0o600)}
        assert wrong == {}
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "b.tar.gz").stat().st_mode) == 0o600


def test_restore_from_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture) -> None:
    """As the systemd and Docker steps do: `... | sundown restore - --config ...`."""
    import sys

    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    for members, code in (([(_file("desk.json"), GOOD_HOT), (_file("../x"), b"")], 2),
                          ([(_file("desk.json"), GOOD_HOT)], 0)):
        archive = _backup_with(tmp_path, "in.tar.gz", members)
        stdin = io.TextIOWrapper(io.BytesIO(archive.read_bytes()))
        monkeypatch.setattr(sys, "stdin", stdin)
        assert bot.main(["restore", "-", "--config", str(config)]) == code
    assert "'../x' is a path outside the data folder" in capsys.readouterr().err
    assert json.loads((data / "desk.json").read_bytes()) == json.loads(GOOD_HOT)
    assert not (tmp_path / "x").exists()


async def test_the_data_folder_itself_may_be_a_link(tmp_path: Path) -> None:
    """An operator may place the data folder by a link (/var/lib/sundown -> /srv/...); links
    inside it are what is refused."""
    real = tmp_path / "srv" / "sundown"
    real.mkdir(parents=True)
    (tmp_path / "data").symlink_to(real, target_is_directory=True)
    world = await start_world(tmp_path / "data")
    number = await file_complaint(world)
    await world.stop()
    assert json.loads((real / "desk.json").read_bytes())["tickets"]
    world = await start_world(tmp_path / "data")
    world.db.check_files()
    assert world.db.by_number(number) is not None
    await world.stop()


def test_restore_leaves_out_an_older_backups_secret_and_locks(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=data.as_posix()), encoding="utf-8")
    archive = _backup_with(tmp_path, "old.tar.gz", [
        (_file("desk.json"), GOOD_HOT), (_file("webhook-secret"), b"x" * 43),
        (_file("write.lock"), b""), (_file("heartbeat.json"), b"{}")])
    assert bot.main(["restore", str(archive), "--config", str(config)]) == 0
    assert sorted(p.name for p in data.iterdir()) == ["desk.json", "sundown.lock"]


def test_an_archived_ticket_with_an_odd_key_is_set_aside(tmp_path: Path) -> None:
    from desk.storage import Database

    data = tmp_path / "data"
    (data / "archive").mkdir(parents=True)
    good = {"key": "abc123", "store_id": "hq", "customer_id": 1, "customer_name": "A",
            "kind": "quality", "state": "done", "text": "t", "number": 1, "language": "zh_CN",
            "created_at": START.isoformat(), "confirmed_at": START.isoformat()}
    bad = {**good, "key": "../../outside/victim", "number": 2}
    (data / "archive" / "2026-11.json").write_text(json.dumps(
        {"tickets": {"1": good, "2": bad}}), encoding="utf-8")
    db = Database(data)
    assert db.archived(2) is None and db.archived(1) is not None
    assert [t.number for t in db.archived_tickets("2026-11")] == [1]
    assert "../../outside/victim" in db.unreadable
    with pytest.raises(ValueError):
        db.archived(1, month="../../outside")
    db.close()
