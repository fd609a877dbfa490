"""The managers' desk: a Telegram Mini App served by the bot's own process.

Usage: set ``webapp_url`` (a public HTTPS address a reverse proxy forwards to ``webapp_listen``
and ``webapp_port``); managers open the desk with /desk or the menu button in their chat.

An aiohttp server on the bot's event loop, over the same database: no second copy of the data.
Every ``/api/`` call carries Telegram's init data and is checked on its own (a forged, expired
or foreign request gets 401, a non-manager or another store's data 403, and nothing else).
Decisions are verbs of actions/, the same as the chat's buttons (``DECISIONS``): the customer
and technician are told by the sender, never from here.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

from aiohttp import web

import actions
from actions import Actor, Surface
from desk import policy
from desk.buttons import Action
from desk.calendar import local_day, parse_day
from desk.config import StoreConfig
from desk.context import Desk
from desk.export import EXPORT_DAYS, export_csv, export_filename
from desk.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, negotiate, translator
from desk.lifecycle import Reason
from desk.listing import Filters, open_tickets
from desk.models import ACTIVE_STATES, KIND_LABELS, STATE_LABELS, State
from desk.promises import REPLY_KEYS
from desk.search import ArchiveIndex, Query, archived_ticket, row_of, search
from desk.trends import PERIODS, Trends, trends_job
from outbox.context import DESK_KEY, OUTBOX_KEY
from outbox.post import Outbox
from outbox.refusals import refusal
from webapp import auth, views
from webapp.limits import DESK, ServerLimits
from webapp.texts import page_texts

log = logging.getLogger(__name__)

LIST_LIMIT = 500
DOWNLOAD_SECONDS = 300
TRENDS_CACHE_SECONDS = 60
STATIC = {"/": ("index.html", "text/html"), "/app.js": ("app.js", "text/javascript"),
          "/app.css": ("app.css", "text/css")}
# The page loads only its own files; charts are inline SVG drawn here. Only Telegram's web
# clients (Web K and Web A, https://web.telegram.org/k and /a) may frame it; the apps open it in
# a web view of their own, where it has no ancestor.
FRAME_ANCESTORS = "https://web.telegram.org https://*.web.telegram.org"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                               f"base-uri 'none'; frame-ancestors {FRAME_ANCESTORS}",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# What a manager may decide from the desk: the body's field, and the decision it feeds (the
# same as the chat's buttons).
# (the desk's reply choices carry the option's key, desk.policy.reply_options).
DECISIONS: dict[str, tuple[str, str, Callable[[Any], bool], Action]] = {
    "reply-by": ("choice", "one of " + ", ".join(REPLY_KEYS),
                 lambda v: isinstance(v, str) and v in REPLY_KEYS, Action.REPLY_BY),
    "assign": ("technician", "a number",
               lambda v: isinstance(v, int) and not isinstance(v, bool), Action.ASSIGN)}


class Denied(Exception):
    """An answer with a status and a reason as JSON, and no data."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Caller:
    user: auth.WebAppUser
    stores: list[StoreConfig]
    t: Translator

    def store(self, store_id: str | None) -> list[StoreConfig]:
        """The stores a request is about: one named (403 if not theirs), else all theirs."""
        if not store_id:
            return self.stores
        chosen = [s for s in self.stores if s.id == store_id]
        if not chosen:
            raise Denied(403, "not your store")
        return chosen


@dataclass
class WebDesk:
    """The desk's server and what it keeps between requests."""

    desk: Desk
    outbox: Outbox
    token: str
    index: ArchiveIndex
    runner: web.AppRunner | None = None
    port: int | None = None
    limits: ServerLimits = DESK
    _first_read: asyncio.Task | None = None
    trends_cache: dict[tuple, tuple[float, Trends]] = field(default_factory=dict)

    # -- who is asking -------------------------------------------------------------------------

    def caller(self, request: web.Request) -> Caller:
        settings = self.desk.settings
        try:
            user = auth.verify(auth.from_header(request.headers.get("Authorization")),
                               self.token, self.desk.clock().timestamp(), settings.webapp_max_age)
        except auth.Unauthorized as exc:
            raise Denied(401, str(exc)) from exc
        stores = settings.stores_managed_by(user.id)
        if not stores:
            raise Denied(403, "the desk is for the store's managers")
        return Caller(user, stores, translator(self.language(request, user, stores[0])))

    def language(self, request: web.Request, user: auth.WebAppUser, store: StoreConfig) -> str:
        """The page's choice, else what the manager chose in the chat, else Telegram's."""
        asked = request.query.get("lang")
        if asked in LANGUAGES:
            return asked
        return self.desk.language_of(self.desk.db.customer(user.id), user.language_code,
                                     fallback=store.language)

    # -- pages and API -------------------------------------------------------------------------

    async def static(self, request: web.Request) -> web.Response:
        name, content_type = STATIC[request.path]
        body = resources.files("webapp").joinpath("static", name).read_bytes()
        return web.Response(body=body, content_type=content_type,
                            headers={"Cache-Control": "no-cache"})

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text=HEALTH_TEXT)

    async def texts(self, request: web.Request) -> web.Response:
        asked = request.query.get("lang", "")[:16]
        default = self.desk.settings.default_language
        language = asked if asked in LANGUAGES else negotiate(asked, default)
        return _json({"language": language, "texts": page_texts(language)})

    async def me(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        t = c.t
        return _json({
            "user": {"id": c.user.id, "name": c.user.name},
            "language": t.language,
            "languages": [{"code": code, "name": LANGUAGE_NAMES[code]} for code in LANGUAGES],
            "texts": page_texts(t.language),
            "stores": [{"id": s.id, "name": s.name,
                        "technicians": [{"id": x.user_id, "name": x.name}
                                        for x in s.technicians]} for s in c.stores],
            "states": [{"value": s.value, "label": t.gettext(STATE_LABELS[s])}
                       for s in State if s in ACTIVE_STATES],
            "kinds": [{"value": k.value, "label": t.gettext(label)}
                      for k, label in KIND_LABELS.items()],
            "periods": list(PERIODS),
        })

    async def tickets(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        q = request.query
        stores = c.store(q.get("store"))
        try:
            state = State(q["state"]) if q.get("state") else None
            technician = int(q["technician"]) if q.get("technician") else None
        except ValueError as exc:
            raise Denied(400, "unknown filter") from exc
        if state is not None and state not in ACTIVE_STATES:
            raise Denied(400, "unknown filter")
        filters = Filters(store_ids=frozenset(s.id for s in stores), state=state,
                          kind=q.get("kind") or None, technician=technician,
                          overdue_only=q.get("overdue") == "1")
        now = self.desk.clock()
        found = open_tickets(self.desk.db.open_tickets(), filters, now,
                             {s.id: s for s in stores})
        return _json({"count": len(found),
                      "tickets": [views.ticket_line(c.t, self.desk, tk, now)
                                  for tk in found[:LIST_LIMIT]]})

    async def search(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        stores = c.store(request.query.get("store"))
        query = Query.parse(request.query.get("q", "")[:200])
        await asyncio.to_thread(self.index.refresh)
        hot = [r for d in self.desk.db.hot_docs() if (r := row_of(d, None))]
        hot_numbers = {r.number for r in hot}
        rows = hot + [r for r in self.index.rows if r.number not in hot_numbers]
        phones = self.index.phones
        shown, count = search(rows, query, phones, {s.id for s in stores})
        return _json({"count": count, "shown": len(shown),
                      "results": [views.search_line(c.t, self.desk, r) for r in shown]})

    async def _ticket(self, c: Caller, number: int):
        """The ticket (hot or archived) and whether it is archived; 403 for another store's."""
        ticket = self.desk.db.by_number(number)
        archived = False
        if ticket is None:
            month = self.index.month_of(number)
            ticket = await asyncio.to_thread(archived_ticket, self.desk.db.data_dir, month,
                                             number) if month else None
            archived = ticket is not None
        if ticket is None or ticket.number is None:
            raise Denied(404, "no such ticket")
        if ticket.store_id not in {s.id for s in c.stores}:
            raise Denied(403, "not your store")
        return ticket, archived

    async def ticket(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        number = _number(request)
        await asyncio.to_thread(self.index.refresh)
        ticket, archived = await self._ticket(c, number)
        followups = ticket.followups if archived else await asyncio.to_thread(
            self.desk.db.all_followups, ticket)
        profile = self.desk.db.customer(ticket.customer_id)
        store = self.desk.store(ticket.store_id)
        choices = (policy.reply_choices(store, ticket)
                   if store and ticket.state is State.ESCALATED and ticket.reply_by is None
                   else [])
        return _json(views.ticket_detail(c.t, self.desk, ticket, followups,
                                         profile.phone if profile else None, self.desk.clock(),
                                         archived, choices))

    async def decide(self, request: web.Request) -> web.Response:
        """A manager's decision (``DECISIONS``), re-checked against the ticket as it is now."""
        c = self.caller(request)
        number = _number(request)
        name = request.match_info["decision"]
        field_name, expected, valid, verb = DECISIONS[name]
        try:
            body = await request.json()
        except (ValueError, RecursionError) as exc:
            # JSONDecodeError and UnicodeDecodeError are ValueErrors, and so is an integer of
            # over 4,300 digits (Python's limit on converting one).
            raise Denied(400, "the body is not JSON, or holds a number too long to read") \
                from exc
        value = body.get(field_name) if isinstance(body, dict) else None
        if not valid(value):
            raise Denied(400, f"{field_name} must be {expected}")
        actor = Actor(c.user.id, c.user.name, Surface.DESK, c.t)
        answer = actions.apply(self.outbox, number, actor, verb, (value,))
        if answer.missing or answer.invalid:
            raise Denied(404, "no open ticket with this number")
        if answer.refused is Reason.MANAGERS_ONLY:
            raise Denied(403, "not your store")
        if answer.refused is not None:
            return _json({"error": refusal(c.t, answer.refused, answer.ticket)}, status=409)
        log.info("ticket #%s: %s from the desk by %s", number, name, c.user.id)
        return _json({"ok": True, "message": page_texts(c.t.language)["done"]})

    async def trends(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        store_id = request.query.get("store") or c.stores[0].id
        store = c.store(store_id)[0]
        try:
            days = int(request.query.get("days", "30"))
        except ValueError as exc:
            raise Denied(400, "days must be 7, 30 or 90") from exc
        if days not in PERIODS:
            raise Denied(400, "days must be 7, 30 or 90")
        now = self.desk.clock()
        today = local_day(store, now)
        key = (store.id, days, today)
        cached = self.trends_cache.get(key)
        if cached is None or cached[0] + TRENDS_CACHE_SECONDS < time.monotonic():
            db = self.desk.db
            result = await asyncio.to_thread(
                trends_job, db.data_dir, db.hot_snapshot(), store, today, days,
                db.served(store.id), db.fed_back(store.id), now)
            cached = (time.monotonic(), result)
            # Yesterday's figures are never asked for again: keep today's only.
            self.trends_cache = {k: v for k, v in self.trends_cache.items() if k[2] == today}
            self.trends_cache[key] = cached
        return _json(views.trends_view(c.t, store, cached[1], page_texts(c.t.language)))

    async def export_link(self, request: web.Request) -> web.Response:
        c = self.caller(request)
        stores = c.store(request.query.get("store"))
        today = local_day(stores[0], self.desk.clock())
        first = _day(request.query.get("from"), today - timedelta(days=EXPORT_DAYS - 1), today)
        last = _day(request.query.get("to"), today, today + timedelta(days=366))
        if first > last:
            first, last = last, first
        claims = {"u": c.user.id, "s": [s.id for s in stores], "f": first.isoformat(),
                  "l": last.isoformat()}
        link = auth.download_token(claims, self.token, time.time() + DOWNLOAD_SECONDS)
        name = export_filename(first, last)
        return _json({"url": f"download/{link}/{name}", "filename": name})

    async def download(self, request: web.Request) -> web.Response:
        try:
            claims = auth.read_download_token(request.match_info["token"], self.token)
        except auth.Unauthorized as exc:
            raise Denied(401, str(exc)) from exc
        # Still a manager of those stores now, not only when the link was made.
        managed = {s.id for s in self.desk.settings.stores_managed_by(int(claims["u"]))}
        if not set(claims["s"]) <= managed or not managed:
            raise Denied(403, "not your store")
        first, last = date.fromisoformat(claims["f"]), date.fromisoformat(claims["l"])
        tickets, data = await export_csv(self.desk, set(claims["s"]), first, last)
        log.info("export of %d tickets from the desk by %s", len(tickets), claims["u"])
        return web.Response(body=data, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export_filename(first, last)}"',
            "Cache-Control": "no-store"})

    # -- the server ----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_headers, _body_within(self.limits)],
                              client_max_size=self.limits.max_body)
        app.router.add_get("/", self.static)
        app.router.add_get("/app.js", self.static)
        app.router.add_get("/app.css", self.static)
        app.router.add_get("/health", self.health)
        app.router.add_get("/api/texts", self.texts)
        app.router.add_get("/api/me", self.me)
        app.router.add_get("/api/tickets", self.tickets)
        app.router.add_get("/api/search", self.search)
        app.router.add_get(r"/api/tickets/{number}", self.ticket)
        app.router.add_post(r"/api/tickets/{number}/{decision:reply-by|assign}", self.decide)
        app.router.add_get("/api/trends", self.trends)
        app.router.add_post("/api/export", self.export_link)
        app.router.add_get(r"/download/{token}/{name}", self.download)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0: any free port); returns the port."""
        # keepalive_timeout: aiohttp closes a connection whose request has not fully arrived
        # when it fires, so it bounds the headers as well as the idle time between requests.
        # No lingering: a refused body is not read, the connection is closed.
        self.runner = web.AppRunner(self.app(), access_log=None,
                                    keepalive_timeout=self.limits.header_seconds,
                                    lingering_time=0)
        await self.runner.setup()
        _limit_connections(self.runner.server, self.limits.max_connections)
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        self.port = self.runner.addresses[0][1]
        self._first_read = asyncio.create_task(self._read_archive(), name="desk-archive-index")
        return self.port

    async def _read_archive(self) -> None:
        """Read the archive index once now, beside the bot, so the first search is fast; then
        freeze what is alive: tens of thousands of rows that live as long as the bot need not
        be walked by every full garbage collection (each walk held a request for ~70 ms)."""
        await asyncio.to_thread(self.index.refresh)
        gc.freeze()

    async def stop(self) -> None:
        if self._first_read is not None:
            await asyncio.gather(self._first_read, return_exceptions=True)
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json", headers={"Cache-Control": "no-store"})


def _number(request: web.Request) -> int:
    value = request.match_info["number"]
    # ASCII digits only: str.isdigit() also takes "²" and "𝟙", which int() refuses or reads.
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= 9):
        raise Denied(400, "a ticket number is 1 to 9 digits")
    return int(value)


def _day(value: str | None, default: date, latest: date) -> date:
    if not value:
        return default
    day = parse_day(value, latest)
    if day is None:
        raise Denied(400, "dates are YYYY-MM-DD")
    return day


def _body_within(limits: ServerLimits):
    """A body larger than the limit is refused before it is read; one that arrives slower
    than ``limits.body_seconds`` is given up (read here, whole, before any handler runs)."""
    @web.middleware
    async def body_within(request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > limits.max_body:
            raise Denied(413, "the body is too large")
        if request.body_exists:
            try:
                async with asyncio.timeout(limits.body_seconds):
                    await request.read()  # a chunked body past the limit: 413 from aiohttp
            except TimeoutError as exc:
                raise Denied(408, "the body came too slowly") from exc
        return await handler(request)

    return body_within


def _limit_connections(server, limit: int) -> None:
    """At most ``limit`` connections at once: one more is closed as soon as it is accepted."""
    made = server.connection_made
    warned = [0.0]

    def connection_made(handler, transport) -> None:
        made(handler, transport)
        if len(server.connections) > limit:
            transport.close()
            if time.monotonic() - warned[0] > 60:
                warned[0] = time.monotonic()
                log.warning("the desk has %d connections open: refusing more", limit)

    server.connection_made = connection_made


@web.middleware
async def _headers(request: web.Request,
                   handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                   ) -> web.StreamResponse:
    try:
        response = await handler(request)
    except Denied as exc:
        response = _json({"error": exc.reason}, status=exc.status)
    except web.HTTPException as exc:  # aiohttp's own: no such path, wrong method
        response = _json({"error": exc.reason}, status=exc.status)
    except Exception:
        log.exception("the desk failed on %s", request.path)
        response = _json({"error": "internal error"}, status=500)
    response.headers.update(SECURITY_HEADERS)
    return response


# -- wiring ------------------------------------------------------------------------------------

WEBDESK_KEY = "webdesk"


def register(application) -> WebDesk:
    """The desk for this application's database and token (it listens once started)."""
    desk = application.bot_data[DESK_KEY]
    webdesk = WebDesk(desk=desk, outbox=application.bot_data[OUTBOX_KEY],
                      token=application.bot.token, index=ArchiveIndex(desk.db.data_dir))
    application.bot_data[WEBDESK_KEY] = webdesk
    return webdesk


async def start(application) -> int | None:
    """Start listening when the desk is configured (``webapp_url``); returns the port."""
    webdesk: WebDesk = application.bot_data[WEBDESK_KEY]
    settings = webdesk.desk.settings
    if settings.webapp_url is None:
        return None
    try:
        port = await webdesk.start(settings.webapp_listen, settings.webapp_port)
    except OSError as exc:  # the port is taken: customers must not lose the bot over the desk
        log.error("the managers' desk cannot listen on %s:%s (%s): the bot runs without it",
                  settings.webapp_listen, settings.webapp_port, exc.strerror or exc)
        await webdesk.stop()
        return None
    log.info("the managers' desk listens on %s:%s for %s", settings.webapp_listen, port,
             settings.webapp_url)
    return port


async def stop(application) -> None:
    await application.bot_data[WEBDESK_KEY].stop()


HEALTH_TEXT = "sundown desk"
Fetch = Callable[[str], Awaitable[tuple[int, str]]]


async def _fetch(url: str) -> tuple[int, str]:
    import httpx  # PTB's own HTTP client; only `sundown check` asks from the outside

    async with httpx.AsyncClient(timeout=10, follow_redirects=True) as client:
        response = await client.get(url)
        return response.status_code, response.text


async def check_public_url(settings, fetch: Fetch | None = None) -> tuple[bool, str, str]:
    """Does the desk answer at its public address, through the reverse proxy, to this port?

    Before going live nothing listens yet: a stand-in answers on the desk's port for the
    time of the check. When the bot already runs, the port is taken and the bot answers."""
    url = f"{settings.webapp_url}/health"
    what = f"the desk answers at {settings.webapp_url}"
    async def health(request: web.Request) -> web.Response:
        return web.Response(text=HEALTH_TEXT)

    stand_in = web.Application()
    stand_in.router.add_get("/health", health)
    runner = web.AppRunner(stand_in, access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.webapp_listen, settings.webapp_port).start()
        except OSError:
            pass  # the port is taken: the running bot (or something else) answers
        try:
            status, text = await (fetch or _fetch)(url)
        except Exception as exc:  # DNS, TLS, refused, timeout: all the same to the manager
            return (False, what, f"{type(exc).__name__}: {exc}: the address must reach this "
                    f"machine over HTTPS, and the reverse proxy forward it to "
                    f"{settings.webapp_listen}:{settings.webapp_port}")
    finally:
        await runner.cleanup()
    if status != 200 or text.strip() != HEALTH_TEXT:
        return (False, what, f"got HTTP {status} from someone else: point the reverse proxy "
                f"at {settings.webapp_listen}:{settings.webapp_port}")
    return (True, what, "")
