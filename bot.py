#!/usr/bin/env python
"""Sundown: a Telegram complaint desk for stores and store chains.

Usage:
    TELEGRAM_BOT_TOKEN=123:abc python bot.py init    # set up in Telegram, write config.toml, run
    TELEGRAM_BOT_TOKEN=123:abc python bot.py run --config config.toml
    python bot.py demo [--lang en]          # no token, no network: a scripted story
    python bot.py links --config config.toml [--username MyStoreBot]   # deep links, QR posters

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
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ChatAction, ChatMemberStatus, ParseMode
from telegram.error import (
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from desk import backup as snapshot
from desk import health, instance, preflight
from desk import setup as setting_up
from desk.clock import Clock, system_clock
from desk.config import PROXY_SCHEMES, ConfigError, Settings, load_settings
from desk.context import Desk
from desk.storage import Database, DataError
from handlers import customer, errors, manager, relay, staff, survey, topics, whoami
from handlers import setup as setup_chat
from outbox import campaigns, menus
from outbox.context import DESK_KEY, OUTBOX_KEY, DeskContext, desk_of, outbox_of
from outbox.digests import close_pool, orphaned_tickets
from outbox.limits import Limits
from outbox.post import Outbox
from outbox.sender import Sender
from schedules import callbacks, deadlines, digest, drafts, greetings, heartbeat
from schedules import topics as topic_overview
from webapp import server as webdesk
from webapp import webhook

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
    application = _desk_application(settings, request=request, clock=clock, token=token,
                                    limits=limits, hooks=(_started, _stopping, _closed))

    # Handlers: audiences first, the catch-all and the error handler last.
    # Managers and technicians first: their /start, /help and replies in private are their
    # own, and everything else in a private chat is a customer's.
    whoami.register(application)
    relay.register(application)
    manager.register(application)
    topics.register(application)  # a ticket's forum topic, before the staff group's handlers
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
    topic_overview.register(application)  # General's daily overview in topics mode
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
    await topics.detect_groups(application)  # forums, and the right to manage topics
    outbox_of(application).start()
    # Once the application runs: a task made here, before it runs, would not be awaited at
    # stop, and PTB warned so at every start.
    application.job_queue.run_once(_set_menus, 0, name="command-menus")
    await webdesk.start(application)
    for store_id, numbers in orphaned_tickets(desk_of(application)).items():
        log.warning("store %s is not in the config: its open tickets %s stay where they are "
                    "(put the store back to go on with them)", store_id,
                    ", ".join(f"#{n}" for n in numbers))


async def _set_menus(context: DeskContext) -> None:
    await menus.set_menus(context.application)


async def _stopping(application: Application) -> None:
    await webdesk.stop(application)
    await campaigns.stop_all(application)
    await outbox_of(application).stop()


async def _closed(application: Application) -> None:
    await close_pool(application)
    desk_of(application).db.close()



def _desk_application(settings: Settings, *, request: BaseRequest | None, clock: Clock | None,
                      token: str | None, limits: Limits | None,
                      hooks: tuple[Callable, Callable, Callable]) -> Application:
    """The Application on the data folder's database and outbox, before its handlers: the bot's
    and the set-up mode's (each with its own start, stop and shutdown hooks)."""
    post_init, post_stop, post_shutdown = hooks
    builder = (
        ApplicationBuilder()
        .token(token or OFFLINE_TOKEN)
        .base_url(settings.base_url)
        .context_types(ContextTypes(context=DeskContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
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
    return application

def build_setup_application(
    settings: Settings,
    config_path: Path,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    limits: Limits | None = None,
) -> Application:
    """The set-up mode of `sundown init`: only the set-up conversation (handlers/setup.py),
    on the data folder's database and outbox; nothing of the complaint desk runs. What it says
    and has not delivered when it stops is delivered by the bot that runs next."""
    application = _desk_application(settings, request=request, clock=clock, token=token,
                                    limits=limits,
                                    hooks=(_setup_started, _setup_stopping, _setup_closed))
    desk = desk_of(application)
    application.bot_data[setup_chat.SETUP_KEY] = setup_chat.SetupRun(config_path, desk.clock)
    setup_chat.register(application)
    application.add_error_handler(errors.on_error)
    return application


async def _setup_started(application: Application) -> None:
    outbox_of(application).start()


async def _setup_stopping(application: Application) -> None:
    await outbox_of(application).stop()


async def _setup_closed(application: Application) -> None:
    desk_of(application).db.close()


def _load(path: str) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        print(f"config error: {exc.key}: {exc.problem}", file=sys.stderr)
        raise SystemExit(2) from exc


def run(args: argparse.Namespace, *, request: BaseRequest | None = None) -> int:
    """Poll Telegram until stopped. Start-up problems are one line on stderr and exit 2: a
    data file that cannot be read (never overwritten), a data folder that cannot be used, a
    rejected token (never printed). A Bot API that cannot be reached yet is waited for."""
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
    except OSError as exc:
        return _folder_error(settings.data_dir, exc)
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
    except OSError as exc:
        return _folder_error(settings.data_dir, exc)
    except InvalidToken:
        print(f"Telegram rejected the token: check {TOKEN_ENV}", file=sys.stderr)
        return 2
    # `status` then asks Telegram how its pushes fare (nothing polls in webhook mode).
    application.bot_data[heartbeat.WEBHOOK_KEY] = bool(getattr(args, "webhook_url", None))
    if getattr(args, "webhook_url", None):
        url = urlsplit(args.webhook_url)
        secret = webhook_secret(settings.data_dir)
        redact(secret)
        # Our own server, not PTB's: the secret is checked before the body is read, and slow
        # or greedy clients are cut off (webapp/webhook.py).
        webhook.run_webhook(
            application, listen=args.listen, port=args.port, url_path=url.path.lstrip("/"),
            webhook_url=args.webhook_url, secret=secret, allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _folder_error(data_dir: Path, exc: OSError) -> int:
    """A data folder the bot cannot use (not writable, a file in its path): one line, exit 2."""
    if isinstance(exc, NotADirectoryError | FileExistsError):
        why = "a file is in the way (a part of the path is a file, not a folder)"
    elif isinstance(exc, PermissionError):
        why = "permission denied: the user running the bot must own it (chown) or may write it"
    else:
        why = exc.strerror or str(exc)
    print(f"data folder error: {data_dir}: {why}; check data_dir in the config",
          file=sys.stderr)
    return 2


def init(args: argparse.Namespace, *, request: BaseRequest | None = None) -> int:
    """`sundown init`: with only a token, the owner sets the bot up in Telegram (a one-time
    link makes them the owner); the bot writes the config and then runs as `sundown run`."""
    config = Path(os.path.abspath(args.config))
    if config.exists():
        print(f"{config} already exists: start the bot with `sundown run --config "
              f"{args.config}` (move the file away to set up again)", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(f"{TOKEN_ENV} is not set. Create a bot with @BotFather in Telegram "
              "(https://t.me/BotFather, command /newbot), then run:\n"
              f"  {TOKEN_ENV}=<the token> sundown init --config {args.config}", file=sys.stderr)
        return 2
    proxy = getattr(args, "proxy", None)
    if proxy and not proxy.startswith(PROXY_SCHEMES):
        print(f"--proxy must start with http://, https://, socks5:// or socks5h://, got {proxy!r}",
              file=sys.stderr)
        return 2
    settings = setting_up.setup_settings(config, proxy=proxy)
    try:
        lock = instance.hold(settings.data_dir)
    except instance.AlreadyRunning:
        print(f"another Sundown is already running on {settings.data_dir}: one bot per data "
              "folder", file=sys.stderr)
        return 2
    try:
        application = build_setup_application(settings, config, token=token, request=request)
        username = asyncio.run(_bot_username(settings, token, request))
        with desk_of(application).db.transaction() as tx:
            doc = tx.setup_state()
            state = (setting_up.SetupState.from_dict(doc) if doc else
                     setting_up.SetupState.new(proxy=proxy))
            state.bot_username = username
            tx.save_setup_state(state.to_dict())
        _print_owner_link(state)
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    except DataError as exc:
        print(f"data error: {exc.path}: {exc.problem}", file=sys.stderr)
        return 2
    except InvalidToken:
        print(f"Telegram rejected the token: check {TOKEN_ENV}", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"cannot reach the Bot API at {settings.base_url}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        lock.close()
    if not application.bot_data[setup_chat.SETUP_KEY].done:
        print("The set-up is not finished: `sundown init` goes on where it stopped.")
        return 1
    print(f"{config} is written. Sundown starts now (from now on: sundown run --config "
          f"{args.config}).")
    return run(argparse.Namespace(config=str(config), webhook_url=None), request=request)


def _print_owner_link(state: setting_up.SetupState) -> None:
    if state.owner_id is not None:
        print(f"The set-up goes on in Telegram with {state.owner_name}, in the bot's chat.")
        return
    link = f"https://t.me/{state.bot_username}?start=setup-{state.code}"
    print("Open this link in Telegram (or scan the code with your phone) and press Start: you "
          "become the bot's owner and finish the set-up there. The link works once; keep it "
          f"to yourself.\n\n  {link}\n")
    try:
        import segno

        segno.make(link, error="l").terminal(out=sys.stdout, compact=True)
    except (ImportError, UnicodeEncodeError):
        pass
    print("\nKeep this running: when you press ✅ Finish in Telegram, the bot starts.")
    sys.stdout.flush()


async def _bot_username(settings: Settings, token: str, request: BaseRequest | None) -> str:
    async with _bare_bot(settings, token, request) as bare:
        return bare.bot.username


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


# Waiting for the Bot API at start-up: 1 s doubling to a minute between tries, a log line a
# minute. A shop server often boots before its router: the bot waits for the network rather
# than exiting (and leaving systemd to give up after a few restarts).
REACH_FIRST_WAIT = 1.0
REACH_MAX_WAIT = 60.0
REACH_LOG_EVERY = 60.0


async def _reach_telegram(settings: Settings, token: str, request: BaseRequest | None, *,
                          sleep=asyncio.sleep) -> None:
    """getMe before anything starts. A rejected token (``InvalidToken``) is permanent and goes
    up; a network failure, a timeout, a 5xx or a 429 is temporary: tried again with backoff
    until it gets through, logged once a minute."""
    wait, waited, logged_at = REACH_FIRST_WAIT, 0.0, None
    while True:
        try:
            async with _bare_bot(settings, token, request):
                pass
        except (NetworkError, RetryAfter) as exc:  # TimedOut and 5xx are NetworkErrors
            if logged_at is None or waited - logged_at >= REACH_LOG_EVERY:
                log.warning("cannot reach the Bot API at %s (%s): trying again, for %d s so far",
                            settings.base_url, exc.message, int(waited))
                logged_at = waited
            pause = _seconds(exc.retry_after) if isinstance(exc, RetryAfter) else wait
            await sleep(pause)
            waited += pause
            wait = min(wait * 2, REACH_MAX_WAIT)
            continue
        if waited:
            log.info("reached the Bot API at %s after %d s", settings.base_url, int(waited))
        return


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def check(args: argparse.Namespace, *, request: BaseRequest | None = None,
          fetch: webdesk.Fetch | None = None, clock: Clock | None = None) -> int:
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
    now = (clock or system_clock)()
    for store in settings.stores:
        problem = preflight.calendar_problem(store, now)
        what = f"{store.id}: time zone {store.timezone}, holidays, sunset"
        if problem is None:  # what the bot takes for now and today there, to compare
            what += f"\n    {store.id}: {preflight.store_today(store, now)}"
        rows.append((problem is None, what, problem or ""))
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
        rows += await topics.check_rows(bot, store)
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
    if beat is not None and not instance.is_held(settings.data_dir):
        # The heartbeat stays fresh-looking for minutes after a stop; the lock goes with it.
        found.insert(0, f"not running: no Sundown holds {settings.data_dir / instance.LOCK_FILE}")
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
    if args.file != "-" and not Path(args.file).parent.is_dir():
        target = Path(args.file)
        print(f"backup error: no folder {target.parent} to write {target.name} in: create "
              "it first", file=sys.stderr)
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
    except OSError as exc:
        print(f"backup error: {exc.filename or args.file}: {exc.strerror or exc}",
              file=sys.stderr)
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
    from desk import poster  # Pillow, segno and the CJK font: only this command needs them
    from desk.i18n import translator

    folder = Path(args.posters) if args.posters else Path(args.config).parent / "posters"
    for store in settings.stores:
        url = f"https://t.me/{username}?start=s_{store.id}"
        print(f"{store.id}\t{store.name}\t{url}")
        caption = translator(store.language).gettext("Scan to tell us what went wrong")
        poster.write(folder / f"{store.id}.png", store.name, url, caption)
    print(f"QR posters (PNG, A5): {folder}/<store id>.png", file=sys.stderr)
    return 0


def demo(args: argparse.Namespace) -> int:
    from sandbox.story import play  # the offline fake Telegram is only needed here

    lock = None
    if args.data_dir:  # never into a running bot's folder, nor over an earlier demo's
        folder = Path(args.data_dir)
        if instance.is_held(folder):
            print(f"{folder} is in use by a running Sundown: give the demo a folder of its own",
                  file=sys.stderr)
            return 2
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            print(f"{folder} is not an empty folder: give the demo a new or empty one",
                  file=sys.stderr)
            return 2
        try:
            lock = instance.hold(folder)
        except instance.AlreadyRunning:
            print(f"{folder} is in use by a running Sundown: give the demo a folder of its own",
                  file=sys.stderr)
            return 2
        except OSError as exc:
            return _folder_error(folder, exc)
    try:
        asyncio.run(play(build_application, language=args.lang, data_dir=args.data_dir))
    finally:
        if lock is not None:
            lock.close()
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
    # Python's warnings (PTB's, a library's deprecation) go through the same handler: one JSON
    # object under --log-format json, not a bare text line in between.
    logging.captureWarnings(True)
    for name, least in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, least))
    return handler


CONFIG_HELP = "the config file (see config.example.toml)"


class HelpFormat(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default after its help, unless the help already says it (or it is none)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, "") or "default:" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name or "sundown",
                                     description=__doc__.splitlines()[0],
                                     epilog="`COMMAND --help` lists each command's options.",
                                     formatter_class=HelpFormat)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_cmd = commands.add_parser("run", help="run the bot on Telegram (needs a token)",
                                  description="Run the bot. The token comes from "
                                  f"{TOKEN_ENV}; polling unless --webhook-url is given.",
                                  formatter_class=HelpFormat)
    run_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    run_cmd.add_argument("--log-level", default="INFO",
                         choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                         help="the least level logged (DEBUG: what is sent, not the token)")
    run_cmd.add_argument("--webhook-url", default=None,
                         help="receive updates at this public HTTPS URL instead of polling")
    run_cmd.add_argument("--listen", default="127.0.0.1",
                         help="the webhook server's address (behind a reverse proxy)")
    run_cmd.add_argument("--port", type=int, default=8443,
                         help="the webhook server's port (with --webhook-url)")
    run_cmd.add_argument("--log-format", default="text", choices=["text", "json"],
                         help="json: one object per line, for log collectors")
    init_cmd = commands.add_parser("init", help="set the bot up in Telegram with only a "
                                   "token: writes the config, then runs the bot",
                                   formatter_class=HelpFormat)
    init_cmd.add_argument("--config", default="config.toml", help="the config to write")
    init_cmd.add_argument("--proxy", default=None, help="an HTTP or SOCKS5 proxy to the Bot "
                          "API (also written into the config)")
    init_cmd.add_argument("--log-level", default="INFO",
                          choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                          help="how much the log says")
    init_cmd.add_argument("--log-format", default="text", choices=["text", "json"],
                          help="json: one object per line, for log collectors")
    demo_cmd = commands.add_parser("demo", help="play a scripted story offline",
                                   description="Play a scripted story on an offline fake "
                                   "Telegram: no token, no network.", formatter_class=HelpFormat)
    demo_cmd.add_argument("--lang", default="zh_CN", choices=["zh_CN", "zh_TW", "en"],
                          help="the story's language")
    demo_cmd.add_argument("--data-dir", default=None,
                          help="keep the demo's data in this new or empty folder (default: a "
                          "temporary one)")
    check_cmd = commands.add_parser("check", help="check the config against Telegram before "
                                    "going live (exit 1 on any ✗)", formatter_class=HelpFormat)
    check_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    status_cmd = commands.add_parser("status", help="is the bot alive and keeping up? (exit 1 "
                                     "if not)", formatter_class=HelpFormat)
    status_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    backup_cmd = commands.add_parser("backup", help="snapshot the data folder (also while the "
                                     "bot runs)", formatter_class=HelpFormat)
    backup_cmd.add_argument("file", help="the .tar.gz to write (-: standard output)")
    backup_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    restore_cmd = commands.add_parser("restore", help="unpack a backup into an empty data "
                                      "folder, after checking all of it (the bot stopped)",
                                      formatter_class=HelpFormat)
    restore_cmd.add_argument("file", help="the .tar.gz written by `sundown backup` (-: standard "
                             "input)")
    restore_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    links_cmd = commands.add_parser("links", help="print each store's deep link and write its "
                                    "QR poster", formatter_class=HelpFormat)
    links_cmd.add_argument("--config", default="config.toml", help=CONFIG_HELP)
    links_cmd.add_argument("--username", default="",
                           help="the bot's @username (default: bot_username in the config)")
    links_cmd.add_argument("--posters", default=None, help="write each store's QR poster "
                           "here as <store id>.png (default: posters/ beside the config)")
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:  # a test runner's own capture stays as it is
        configure_logging(getattr(logging, args.log_level) if args.command in ("run", "init") else
                          logging.ERROR, getattr(args, "log_format", "text"),
                          secrets=[os.environ.get(TOKEN_ENV, ""),
                                   os.environ.get(WEBHOOK_SECRET_ENV, "")])
    return {"run": run, "init": init, "demo": demo, "links": links, "status": status,
            "backup": backup, "restore": restore, "check": check}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
