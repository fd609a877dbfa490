#!/usr/bin/env python
"""Sundown: a Telegram complaint desk for stores and store chains.

Usage:
    TELEGRAM_BOT_TOKEN=123:abc python bot.py run --config config.toml
    python bot.py demo [--lang en]          # no token, no network: a scripted story
    python bot.py links --config config.toml [--username MyStoreBot]   # QR deep links

``build_application`` wires the handlers and jobs, in this visible order, around one store
(the single source of truth); tests and the demo inject a fake transport and a fake clock.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest

from desk.clock import Clock, system_clock
from desk.config import ConfigError, Settings, load_settings
from desk.context import Desk
from desk.storage import Store
from handlers import customer, errors, manager, staff, survey
from handlers.common import DESK_KEY
from handlers.digests import close_pool
from schedules import callbacks, deadlines, delivery, digest, greetings

log = logging.getLogger("sundown")

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
# Any well-formed token does for the offline fake transport.
OFFLINE_TOKEN = "123456:OFFLINE-DEMO-TOKEN"
# Retries for flood control (RetryAfter) in run mode; each waits as long as Telegram asks.
RATE_LIMIT_RETRIES = 3


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    rate_limiter: bool | None = None,
) -> Application:
    """The Application with every handler and job registered, its store opened."""
    builder = ApplicationBuilder().token(token or OFFLINE_TOKEN).base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limiter if rate_limiter is not None else request is None:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
    builder = builder.post_shutdown(_close_store)
    application = builder.build()
    application.bot_data[DESK_KEY] = Desk(
        settings=settings, store=Store(settings.data_dir), clock=clock or system_clock
    )

    # Handlers: audiences first, the catch-all and the error handler last.
    customer.register(application)
    survey.register(application)
    staff.register(application)
    manager.register(application)
    errors.register(application)

    # Jobs: sweeps that re-derive everything from the store; the first runs at start-up.
    delivery.register(application)
    deadlines.register(application)
    callbacks.register(application)
    digest.register(application)
    greetings.register(application)
    return application


async def _close_store(application: Application) -> None:
    await greetings.stop_campaigns(application)
    await close_pool(application)
    application.bot_data[DESK_KEY].store.close()


def _load(path: str) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        print(f"config error: {exc.key}: {exc.problem}", file=sys.stderr)
        raise SystemExit(2) from exc


def run(args: argparse.Namespace) -> int:
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
    application = build_application(settings, token=token)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
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

    asyncio.run(play(language=args.lang, data_dir=args.data_dir))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the bot on Telegram (needs a token)")
    run_cmd.add_argument("--config", default="config.toml")
    demo_cmd = commands.add_parser("demo", help="play a scripted story offline")
    demo_cmd.add_argument("--lang", default="zh_CN", choices=["zh_CN", "zh_TW", "en"])
    demo_cmd.add_argument("--data-dir", default=None, help="keep the demo's data here")
    links_cmd = commands.add_parser("links", help="print each store's deep link for its QR code")
    links_cmd.add_argument("--config", default="config.toml")
    links_cmd.add_argument("--username", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return {"run": run, "demo": demo, "links": links}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
