#!/usr/bin/env python
"""Sundown: a Telegram complaint desk for stores and store chains.

Usage:
    TELEGRAM_BOT_TOKEN=123:abc python bot.py run --config config.toml
    python bot.py demo [--lang en]          # no token, no network: a scripted story
    python bot.py links --config config.toml [--username MyStoreBot]   # QR deep links

``build_application`` wires the handlers and jobs, in this visible order, around one database
(the single source of truth) and its outbox; tests and the demo inject a fake transport and a
fake clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ChatAction, ChatMemberStatus, ParseMode
from telegram.error import ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from desk import backup as snapshot
from desk import health, instance, preflight
from desk.clock import Clock, system_clock
from desk.config import ConfigError, Settings, load_settings
from desk.context import Desk
from desk.storage import Database, DataError
from handlers import customer, errors, manager, relay, staff, survey
from outbox import campaigns, menus
from outbox.context import DESK_KEY, OUTBOX_KEY, DeskContext, desk_of, outbox_of
from outbox.digests import close_pool, orphaned_tickets
from outbox.limits import Limits
from outbox.post import Outbox
from outbox.sender import Sender
from schedules import callbacks, deadlines, digest, drafts, greetings, heartbeat
from webapp import server as webdesk

log = logging.getLogger("sundown")

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "SUNDOWN_WEBHOOK_SECRET"
WEBHOOK_SECRET_FILE = instance.WEBHOOK_SECRET_FILE
# Any well-formed token does for the offline fake transport.
OFFLINE_TOKEN = "123456:OFFLINE-DEMO-TOKEN"


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    limits: Limits | None = None,
) -> Application:
    """The Application with every handler and job registered, its database opened.

    ``limits`` are the sender's (Telegram's, by default); tests that are not about limits
    pass ``Limits.unlimited()``.
    """
    builder = (
        ApplicationBuilder()
        .token(token or OFFLINE_TOKEN)
        .base_url(settings.base_url)
        .context_types(ContextTypes(context=DeskContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_started)
        .post_stop(_stopping)
        .post_shutdown(_closed)
    )
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    if request is not None:
        builder = builder.request(request)
    elif settings.proxy:  # both connections: sending, and the long poll
        builder = builder.proxy(settings.proxy)
    # The long poll's connection notes when a poll last came back, for the heartbeat.
    polls = heartbeat.PollWatch(request if request is not None else
                                HTTPXRequest(connection_pool_size=1, proxy=settings.proxy))
    application = builder.get_updates_request(polls).build()
    desk = Desk(settings=settings, db=Database(settings.data_dir), clock=clock or system_clock)
    polls.clock = desk.clock
    application.bot_data[DESK_KEY] = desk
    application.bot_data[heartbeat.POLL_WATCH_KEY] = polls
    sender = Sender(application.bot, desk.db, desk.clock, limits)
    application.bot_data[OUTBOX_KEY] = Outbox(desk, sender)

    # Handlers: audiences first, the catch-all and the error handler last.
    # Managers and technicians first: their /start, /help and replies in private are their
    # own, and everything else in a private chat is a customer's.
    relay.register(application)
    manager.register(application)
    staff.register(application)
    customer.register(application)
    survey.register(application)
    errors.register(application)

    # Jobs: sweeps that re-derive everything from the database, at start-up and then on a beat.
    deadlines.register(application)
    callbacks.register(application)
    digest.register(application)
    greetings.register(application)
    drafts.register(application)
    heartbeat.register(application)

    # The managers' desk (a Mini App): it listens once the application has started.
    webdesk.register(application)
    return application


async def _started(application: Application) -> None:
    """The sender starts with the application: what was queued before a crash goes out now.
    Tickets of a store removed from the config are named: they stay where they are."""
    desk = desk_of(application)
    down = health.downtime(health.read(desk.db.data_dir), desk.clock())
    if down is not None:  # the next digest says how long the bot was away
        with desk.db.transaction() as tx:
            tx.mark(f"downtime:{down[0].isoformat()}", down[1], since=down[0].isoformat())
        log.warning("the bot was down from %s to %s", down[0].isoformat(), down[1].isoformat())
    outbox_of(application).start()
    application.create_task(menus.set_menus(application), name="command-menus")
    await webdesk.start(application)
    for store_id, numbers in orphaned_tickets(desk_of(application)).items():
        log.warning("store %s is not in the config: its open tickets %s stay where they are "
                    "(put the store back to go on with them)", store_id,
                    ", ".join(f"#{n}" for n in numbers))


async def _stopping(application: Application) -> None:
    await webdesk.stop(application)
    await campaigns.stop_all(application)
    await outbox_of(application).stop()


async def _closed(application: Application) -> None:
    await close_pool(application)
    desk_of(application).db.close()


def _load(path: str) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        print(f"config error: {exc.key}: {exc.problem}", file=sys.stderr)
        raise SystemExit(2) from exc


def run(args: argparse.Namespace, *, request: BaseRequest | None = None) -> int:
    """Poll Telegram until stopped. Start-up problems are one line on stderr and exit 2: a
    data file that cannot be read (never overwritten), a rejected token (never printed), a
    Bot API that cannot be reached."""
    settings = _load(args.config)
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(
            f"{TOKEN_ENV} is not set. Create a bot with @BotFather in Telegram "
            "(https://t.me/BotFather, command /newbot), then run:\n"
            f"  {TOKEN_ENV}=<the token> python bot.py run --config {args.config}",
            file=sys.stderr,
        )
        return 2
    try:
        lock = instance.hold(settings.data_dir)  # noqa: F841 - held until the process ends
    except instance.AlreadyRunning:
        print(f"another Sundown is already running on {settings.data_dir}: one bot per data "
              "folder", file=sys.stderr)
        return 2
    if getattr(args, "webhook_url", None):
        try:  # an empty or short secret: Telegram would be refused with 403, or anyone let in
            webhook_secret(settings.data_dir)
        except instance.BadSecret as exc:
            print(f"webhook error: {exc}", file=sys.stderr)
            return 2
    try:
        application = build_application(settings, token=token, request=request)
        desk_of(application).db.check_files()
        asyncio.run(_reach_telegram(settings, token, request))
    except DataError as exc:
        print(f"data error: {exc.path}: {exc.problem}", file=sys.stderr)
        return 2
    except InvalidToken:
        print(f"Telegram rejected the token: check {TOKEN_ENV}", file=sys.stderr)
        return 2
    except NetworkError as exc:  # timeouts included: getMe at start-up could not get through
        print(f"cannot reach the Bot API at {settings.base_url}: {exc.message}", file=sys.stderr)
        return 2
    # `status` then asks Telegram how its pushes fare (nothing polls in webhook mode).
    application.bot_data[heartbeat.WEBHOOK_KEY] = bool(getattr(args, "webhook_url", None))
    if getattr(args, "webhook_url", None):
        url = urlsplit(args.webhook_url)
        secret = webhook_secret(settings.data_dir)
        redact(secret)
        application.run_webhook(
            listen=args.listen, port=args.port, url_path=url.path.lstrip("/"),
            webhook_url=args.webhook_url, secret_token=secret,
            allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def webhook_secret(data_dir: Path) -> str:
    """The secret Telegram sends with every webhook call (a request without it gets 403):
    ``SUNDOWN_WEBHOOK_SECRET``, else one made once (atomically) and kept in the data folder.
    An empty or short one raises :class:`desk.instance.BadSecret`."""
    return instance.webhook_secret(data_dir, os.environ.get(WEBHOOK_SECRET_ENV, ""))


def _bare_bot(settings: Settings, token: str, request: BaseRequest | None) -> Bot:
    """A Bot for the calls before (or instead of) the application, on the same road to the Bot
    API as the application's: the configured proxy included."""
    if request is None:
        request = HTTPXRequest(proxy=settings.proxy)
    return Bot(token, base_url=settings.base_url, request=request)


async def _reach_telegram(settings: Settings, token: str, request: BaseRequest | None) -> None:
    """getMe once before anything starts: a wrong token or an unreachable Bot API is then one
    clear line instead of a traceback from deep inside the polling loop."""
    async with _bare_bot(settings, token, request):
        pass


def check(args: argparse.Namespace, *, request: BaseRequest | None = None,
          fetch: webdesk.Fetch | None = None) -> int:
    """Preflight against the real Bot API: a table of ✓ and ✗ with what to do; exit 1 on ✗.
    With the desk set up, its public address must answer too (``fetch`` stands in for the
    internet in tests)."""
    settings = _load(args.config)
    rows: list[tuple[bool, str, str]] = []
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        rows.append((False, f"{TOKEN_ENV} is set", "create a bot with @BotFather and set it"))
    else:
        rows += asyncio.run(_check_telegram(settings, token, request))
    now = system_clock()
    for store in settings.stores:
        problem = preflight.calendar_problem(store, now)
        rows.append((problem is None, f"{store.id}: time zone {store.timezone}, holidays, sunset",
                     problem or ""))
    if settings.webapp_url:
        rows.append(asyncio.run(webdesk.check_public_url(settings, fetch)))
    for ok, what, fix in rows:
        print(f"{'✓' if ok else '✗'} {what}" + (f"\n    → {fix}" if not ok and fix else ""))
    return 0 if all(ok for ok, _, _ in rows) else 1


async def _check_telegram(settings: Settings, token: str,
                          request: BaseRequest | None) -> list[tuple[bool, str, str]]:
    bot = _bare_bot(settings, token, request)
    try:
        await bot.initialize()
    except InvalidToken:
        return [(False, "Telegram accepts the token", f"check {TOKEN_ENV} (ask @BotFather)")]
    except NetworkError as exc:
        return [(False, f"the Bot API at {settings.base_url} answers",
                 f"{exc.message}: check the network, `proxy` or `telegram_base_url`")]
    try:
        return await _check_chats(bot, settings)
    finally:
        await bot.shutdown()


async def _check_chats(bot: Bot, settings: Settings) -> list[tuple[bool, str, str]]:
    me = bot.bot
    rows: list[tuple[bool, str, str]] = [
        (True, f"Telegram accepts the token: @{me.username}", ""),
        (True, "privacy mode " + ("off: the bot reads every group message"
                                  if me.can_read_all_group_messages else
                                  "on: in groups the bot reads commands and replies to "
                                  "its own messages, which is all it needs"), "")]
    for store in settings.stores:
        rows.append(await _check_group(bot, store.id, store.staff_chat_id))
        for manager_id in store.managers:
            what = f"{store.id}: manager {manager_id} has started the bot"
            try:  # shows "typing…" to the manager for a moment: the bot may write to them
                await bot.send_chat_action(manager_id, ChatAction.TYPING)
                rows.append((True, what, ""))
            except Forbidden:
                rows.append((False, what, "the manager has blocked the bot: unblock it in "
                             "Telegram, then press Start"))
            except TelegramError:
                rows.append((False, what, "the manager opens a private chat with the bot "
                             "and presses Start"))
    return rows


async def _check_group(bot: Bot, store_id: str, chat_id: int) -> tuple[bool, str, str]:
    """The staff group exists, the bot is in it and may post there."""
    group = f"{store_id}: staff group {chat_id}"
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.bot.id)
    except ChatMigrated as exc:
        return (False, f"{group} exists", "the group became a supergroup: set staff_chat_id = "
                f"{exc.new_chat_id}")
    except TelegramError as exc:
        return (False, f"{group} exists and has the bot",
                f"{exc.message}: add the bot to the group and check staff_chat_id")
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return (False, f"{group} has the bot", "add the bot to the group again")
    if member.status == ChatMemberStatus.RESTRICTED and not getattr(
            member, "can_send_messages", True):
        return (False, f"{group}: the bot may post", "allow it to send messages")
    if (member.status == ChatMemberStatus.MEMBER and chat.permissions is not None
            and chat.permissions.can_send_messages is False):
        return (False, f"{group}: the bot may post", "members may not send messages in this "
                "group: make the bot an administrator, or let members send messages")
    return (True, f"{group}: the bot is a member and may post", "")


def status(args: argparse.Namespace) -> int:
    """Print the heartbeat; exit 1 when the bot is not running or its outbox is stuck."""
    settings = _load(args.config)
    beat = health.read(settings.data_dir)
    if beat is not None:
        for name, value in vars(beat).items():
            print(f"{name}: {value if value is not None else '—'}")
    found = health.problems(beat, system_clock())
    for problem in found:
        print(f"✗ {problem}")
    if not found:
        print("✓ running and keeping up")
    return 1 if found else 0


def backup(args: argparse.Namespace) -> int:
    """Snapshot the data folder into a .tar.gz (``-``: standard output), also while the bot
    runs."""
    settings = _load(args.config)
    if not settings.data_dir.is_dir():
        print(f"no data folder at {settings.data_dir}", file=sys.stderr)
        return 2
    try:
        if args.file == "-":
            count = snapshot.backup(settings.data_dir, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            count = snapshot.backup(settings.data_dir, Path(args.file))
    except snapshot.BackupError as exc:  # inside the data folder, a link: refused
        print(f"backup refused: {exc}", file=sys.stderr)
        return 2
    print(f"{count} files of {settings.data_dir} saved in {args.file}",
          file=sys.stderr if args.file == "-" else sys.stdout)
    return 0


def restore(args: argparse.Namespace) -> int:
    """Unpack a backup into the (empty) data folder, only after checking all of it: every name
    one the bot gives, no link, every file and record readable. A bad backup: one line, exit 2."""
    settings = _load(args.config)
    try:
        lock = instance.hold(settings.data_dir)  # noqa: F841 - no bot may start meanwhile
    except instance.AlreadyRunning:
        print(f"the bot is running on {settings.data_dir}: stop it first", file=sys.stderr)
        return 2
    try:
        count = snapshot.restore(sys.stdin.buffer if args.file == "-" else Path(args.file),
                                 settings.data_dir)
    except snapshot.BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"{count} files of {args.file} restored into {settings.data_dir}")
    return 0


def links(args: argparse.Namespace) -> int:
    settings = _load(args.config)
    username = (args.username or settings.bot_username).lstrip("@")
    if not username:
        print("Give the bot's username: --username MyStoreBot (or bot_username in the config).",
              file=sys.stderr)
        return 2
    for store in settings.stores:
        print(f"{store.id}\t{store.name}\thttps://t.me/{username}?start=s_{store.id}")
    return 0


def demo(args: argparse.Namespace) -> int:
    from sandbox.story import play  # the offline fake Telegram is only needed here

    asyncio.run(play(build_application, language=args.lang, data_dir=args.data_dir))
    return 0


class JsonLines(logging.Formatter):
    """One JSON object per log line: time, level, logger, message (and the error, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class Redacting(logging.Formatter):
    """Any secret (the token, the webhook secret) that reaches a log line becomes ``<secret>``:
    PTB puts the token into InvalidToken's message, httpx into every URL it logs."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]):
        super().__init__()
        self.inner = inner
        self.secrets = [s for s in secrets if len(s) >= 8]

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, "<secret>")
        return line


def redact(secret: str) -> None:
    """From now on, ``secret`` never appears in a log line."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, Redacting) and len(secret) >= 8:
            handler.formatter.secrets.append(secret)


# Other people's loggers, and the least level they log at whatever --log-level says: httpx logs
# every request's URL (the token is in it), APScheduler every job run (some 17,000 lines a
# day of sweeps), tornado every webhook call; PTB at DEBUG logs what the bot sends, customers'
# phone numbers on staff cards included.
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING,
                 "apscheduler": logging.WARNING, "tornado.access": logging.WARNING,
                 "telegram": logging.INFO}


def configure_logging(level: int, log_format: str = "text", *, secrets: list[str] | None = None,
                      stream: IO[str] | None = None) -> logging.Handler:
    """A handler on the root logger, to stderr (or ``stream``); returns it."""
    handler = logging.StreamHandler(stream)
    inner = (JsonLines() if log_format == "json" else
             logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setFormatter(Redacting(inner, secrets or []))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name, least in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, least))
    return handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name or "sundown",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the bot on Telegram (needs a token)")
    run_cmd.add_argument("--config", default="config.toml")
    run_cmd.add_argument("--log-level", default="INFO",
                         choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run_cmd.add_argument("--webhook-url", default=None,
                         help="receive updates at this public HTTPS URL instead of polling")
    run_cmd.add_argument("--listen", default="127.0.0.1",
                         help="the webhook server's address (behind a reverse proxy)")
    run_cmd.add_argument("--port", type=int, default=8443)
    run_cmd.add_argument("--log-format", default="text", choices=["text", "json"],
                         help="json: one object per line, for log collectors")
    demo_cmd = commands.add_parser("demo", help="play a scripted story offline")
    demo_cmd.add_argument("--lang", default="zh_CN", choices=["zh_CN", "zh_TW", "en"])
    demo_cmd.add_argument("--data-dir", default=None, help="keep the demo's data here")
    check_cmd = commands.add_parser("check", help="check the config against Telegram before "
                                    "going live (exit 1 on any ✗)")
    check_cmd.add_argument("--config", default="config.toml")
    status_cmd = commands.add_parser("status", help="is the bot alive and keeping up? (exit 1 "
                                     "if not)")
    status_cmd.add_argument("--config", default="config.toml")
    backup_cmd = commands.add_parser("backup", help="snapshot the data folder (also while the "
                                     "bot runs)")
    backup_cmd.add_argument("file", help="the .tar.gz to write (-: standard output)")
    backup_cmd.add_argument("--config", default="config.toml")
    restore_cmd = commands.add_parser("restore", help="unpack a backup into an empty data "
                                      "folder, after checking all of it (the bot stopped)")
    restore_cmd.add_argument("file", help="the .tar.gz written by `sundown backup` (-: standard "
                             "input)")
    restore_cmd.add_argument("--config", default="config.toml")
    links_cmd = commands.add_parser("links", help="print each store's deep link for its QR code")
    links_cmd.add_argument("--config", default="config.toml")
    links_cmd.add_argument("--username", default="")
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:  # a test runner's own capture stays as it is
        configure_logging(getattr(logging, args.log_level) if args.command == "run" else
                          logging.ERROR, getattr(args, "log_format", "text"),
                          secrets=[os.environ.get(TOKEN_ENV, ""),
                                   os.environ.get(WEBHOOK_SECRET_ENV, "")])
    return {"run": run, "demo": demo, "links": links, "status": status,
            "backup": backup, "restore": restore, "check": check}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
