"""Webhook mode (``sundown run --webhook-url``): Telegram pushes updates to the bot's own server.

PTB's webhook server read a body of up to 100 MB before it looked at the secret, and waited an
hour for a request's headers; anyone who found the address could hold hundreds of file
descriptors with half-sent requests, or the memory of a few huge uploads. This server is
tornado too, with the limits of :mod:`webapp.limits`:

- the secret (``X-Telegram-Bot-Api-Secret-Token``) and the JSON content type are checked as soon
  as the headers are in, before a byte of the body is read: without them, 403 and the
  connection is closed;
- a body is at most 1 MB (an update is a few kilobytes): a larger ``Content-Length`` gets 400
  and the connection is closed, unread;
- headers within ``header_seconds`` (also the idle time of a kept-alive connection), the body
  within ``body_seconds``; at most ``max_connections`` connections at once.

:func:`run_webhook` runs the application around this server, in the order of PTB's own
``Application.run_webhook``: initialize, post_init, setWebhook, listen, start; on SIGINT,
SIGTERM or SIGABRT: stop listening, stop, post_stop, shutdown, post_shutdown.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import time
from collections.abc import Sequence
from http import HTTPStatus

import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer

from webapp.limits import WEBHOOK, ServerLimits

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """One webhook call: an update, as JSON, with the secret in a header."""

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot, queue: asyncio.Queue, secret: str) -> None:
        self.bot = bot
        self.queue = queue
        self.secret = secret.encode()
        self.chunks: list[bytes] = []

    def prepare(self) -> None:
        """The headers are in, the body is not: refuse here, and it is never read."""
        given = self.request.headers.get(SECRET_HEADER, "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, self.secret):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)

    def data_received(self, chunk: bytes) -> None:
        self.chunks.append(chunk)  # at most max_body in all: tornado stops at the limit

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except Exception as exc:  # not JSON, or not an update: nothing to hand on
            log.warning("a webhook call with a body that is not an update: %s",
                        type(exc).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from exc
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        await self.queue.put(update)
        self.set_status(HTTPStatus.OK)

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", 'application/json; charset="utf-8"')

    def write_error(self, status_code: int, **kwargs) -> None:
        self.finish()  # no page, no traceback: the status says it

    def log_exception(self, typ, value, tb) -> None:
        log.debug("webhook call refused: %s", value)


class LimitedHTTPServer(HTTPServer):
    """tornado's server, with at most ``max_connections`` connections open at once."""

    def initialize(self, *args, max_connections: int = WEBHOOK.max_connections,
                   **kwargs) -> None:
        super().initialize(*args, **kwargs)
        self.max_connections = max_connections
        self._warned = 0.0

    def handle_stream(self, stream, address) -> None:
        if len(self._connections) >= self.max_connections:
            stream.close()
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning("the webhook has %d connections open: refusing more",
                            self.max_connections)
            return
        super().handle_stream(stream, address)


class WebhookServer:
    """The server: ``start`` listens (returns the port), ``stop`` closes every connection."""

    def __init__(self, bot, queue: asyncio.Queue, secret: str, path: str,
                 limits: ServerLimits = WEBHOOK):
        if not secret:
            raise ValueError("the webhook needs a secret")
        app = tornado.web.Application(
            [(rf"/{path.strip('/')}/?" if path.strip("/") else r"/", UpdateHandler,
              {"bot": bot, "queue": queue, "secret": secret})],
            log_function=lambda handler: None)
        self.http = LimitedHTTPServer(
            app, max_connections=limits.max_connections,
            idle_connection_timeout=limits.header_seconds, body_timeout=limits.body_seconds,
            max_body_size=limits.max_body, max_buffer_size=limits.max_body,
            max_header_size=16 * 1024)
        self.port: int | None = None

    def start(self, listen: str, port: int) -> int:
        sockets = tornado.netutil.bind_sockets(port, address=listen)
        self.http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.http.stop()
        await self.http.close_all_connections()


async def serve(application: Application, *, listen: str, port: int, url_path: str,
                webhook_url: str, secret: str, allowed_updates: Sequence[str],
                stop: asyncio.Event) -> None:
    """Run ``application`` on webhook updates until ``stop`` is set (see the module's doc)."""
    server = WebhookServer(application.bot, application.update_queue, secret, url_path)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.bot.set_webhook(webhook_url, secret_token=secret,
                                          allowed_updates=allowed_updates)
        server.start(listen, port)
        log.info("the webhook listens on %s:%s", listen, server.port)
        try:
            await application.start()
            await stop.wait()
        finally:
            await server.stop()
            if application.running:
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_webhook(application: Application, **options) -> None:
    """:func:`serve` until a stop signal (SIGINT, SIGTERM, SIGABRT)."""
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        await serve(application, stop=stop, **options)

    asyncio.run(main())
