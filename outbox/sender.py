"""The sender: delivers the outbox within Telegram's limits, in order, through its faults.

One task decides what goes next; each request runs in a task of its own, so a slow answer
from one chat never holds up another. Rules:

- Each chat is a line: one request at a time, in order of priority, then age (FIFO within a
  priority). In a staff group that means new cards, then notices, then card edits.
- Before a request the limiters are asked: the overall limit (29 in any second; bulk
  messages evenly paced at 28 a second), the group's 20 in a minute, the private chat's small
  burst then one a second. The best-placed message among all chats that may go, goes.
- 429: only that chat waits, as long as Telegram asks. 5xx, timeouts and network errors:
  that chat retries with backoff, for up to a day, then the message is marked failed and the
  next digest lists it. 403 in a private chat: the person blocked the bot; they are marked
  unreachable and their queued messages fail. 403 in a group: the bot was removed; the group
  waits until it is added back. 400: permanent, logged with the message's kind; a card whose
  message was deleted is posted again; HTML Telegram cannot parse goes out as plain text.
  Topics mode (outbox/topics.py): a ticket's topic deleted by hand is made again with its
  card; a group that refuses topics falls back to cards. Making and renaming a topic count
  against the group's minute, closing, reopening and pinning do not.
- An edit identical to the last one sent is not sent.

Delivery is at-least-once: Telegram can execute a request and lose the answer, and the message
is then sent again (a rare duplicate beats a lost promise). Entries marked ``at_most_once``
(holiday greetings: nobody gets two) are never sent again after such an answer.

A delivery is recorded (dropped from the hot file, its message ids kept) as soon as its answer
is in, together with every other answer that came in meanwhile: one write for all of them, on
the loop's next turn. One write per answer fell behind in a burst (each rewrites the hot file
with an fsync), and a crash then sent again every message whose answer was still waiting for
its write: 20 of 20 after a burst of follow-ups. Now a crash costs the messages whose answers
are on their way, and those of one write.
"""

from __future__ import annotations

import asyncio
import collections
import html
import itertools
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from desk.clock import Clock
from desk.files import FileRefused, read_outbox_file
from desk.outgoing import Method, Outgoing, Priority, Ref, Status
from desk.storage import Database
from desk.storage.layout import is_outbox_file
from outbox.limits import Limits, Pacer, SlidingWindow, TokenBucket
from outbox.split import CAPTION_LIMIT, TEXT_LIMIT, shorten_html

log = logging.getLogger(__name__)

SHOWN_KEPT = 20_000  # last rendering per message, to skip identical edits
REAP_AT_MOST = 5  # unknown message ids probed for a duplicate after a lost answer
SENDS = frozenset({Method.SEND, Method.PHOTO, Method.DOCUMENT, Method.VOICE, Method.VIDEO,
                   Method.COPY})
# Forum topics (outbox/topics.py): creating and renaming one count as group messages; closing,
# reopening and pinning are not messages and do not count against the group's minute.
TOPIC_METHODS = frozenset({Method.TOPIC, Method.RENAME, Method.CLOSE, Method.REOPEN, Method.PIN})
UNCOUNTED = frozenset({Method.CLOSE, Method.REOPEN, Method.PIN})
REPLY_HOLD_MARGIN = 0.05  # seconds added to Telegram's retry_after
PRUNE_EVERY = 60.0  # seconds between sweeps of idle chats' lines
_TAGS = re.compile(r"<[^>]+>")


@dataclass(eq=False)
class Job:
    """An entry on its way: durable ones come from the hot file, others (greetings) do not."""

    entry: Outgoing
    durable: bool = True
    on_dispatch: Callable[[], None] | None = None
    future: asyncio.Future[str] | None = None
    # The highest id of ours in the chat when a try of this message failed without an answer:
    # if Telegram did execute that try, the duplicate's id lies above it.
    ghost_after: int | None = None


@dataclass
class Result:
    """How a request went: ``sent``, ``hold`` (429), ``retry``, ``blocked``, ``unreachable``
    (a group without the bot), ``failed``, ``repost`` or ``plain``; in topics mode also
    ``topic_gone`` (the ticket's topic was deleted by hand) and ``no_topics`` (the group
    refuses topics: no right to manage them, or no forum)."""

    kind: str
    message_ids: tuple[int, ...] = ()
    wait: float = 0.0
    reason: str = ""
    never_sent: bool = False
    new_chat_id: int | None = None


class Line:
    """One chat's queue and limiter."""

    def __init__(self, chat_id: int, limits: Limits):
        self.chat_id = chat_id
        self.jobs: list[Job] = []
        self.busy = False
        self.hold_until = 0.0
        self.limiter: SlidingWindow | TokenBucket = (
            SlidingWindow(limits.group_messages, limits.group_window) if chat_id < 0
            else TokenBucket(limits.private_burst, limits.private_interval))

    def add(self, job: Job) -> None:
        self.jobs.append(job)
        self.jobs.sort(key=lambda j: j.entry.order)

    def idle(self, now: float) -> bool:
        if self.jobs or self.busy or self.hold_until > now:
            return False
        if isinstance(self.limiter, SlidingWindow):
            return not self.limiter.times or self.limiter.times[-1] <= now - self.limiter.window
        return self.limiter.stamp <= now - (self.limiter.capacity or 0) * self.limiter.interval


class Sender:
    """Delivers queued entries; see the module docstring for the rules."""

    def __init__(self, bot: Bot, db: Database, clock: Clock, limits: Limits | None = None):
        self.bot = bot
        self.db = db
        self.clock = clock
        self.limits = limits or Limits()
        self.lines: dict[int, Line] = {}
        self.jobs: dict[str, Job] = {}
        self.flying: set[str] = set()
        # Delivered, and recorded in the next write (see the module docstring).
        self.recording: dict[str, tuple[Job, tuple[int, ...]]] = {}
        self._record_soon: asyncio.Handle | None = None
        self.overall = SlidingWindow(self.limits.overall_messages, self.limits.overall_window)
        self.bulk = Pacer(self.limits.bulk_per_second)
        self.shown: collections.OrderedDict[tuple[int, int], str] = collections.OrderedDict()
        self.stats: collections.Counter[str] = collections.Counter()
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._pruned_at = 0.0
        self._ephemeral_seq = itertools.count(1 << 40)
        # Set by the outbox (outbox/topics.py): what to do when a ticket's topic is gone, or
        # the group refuses topics. Each gets the entry and the reason.
        self.on_topic_gone: Callable[[Outgoing], None] | None = None
        self.on_no_topics: Callable[[Outgoing, str], None] | None = None
        db.listeners.append(self.accept)

    # -- what comes in -------------------------------------------------------------------------

    def load(self) -> int:
        """Queue every pending entry of the hot file (at start-up)."""
        count = 0
        for entry in self.db.outgoings():
            if entry.status is Status.PENDING and entry.id not in self.jobs:
                self._add(Job(entry))
                count += 1
        return count

    def accept(self, tx) -> None:
        """A transaction was written: take its new and changed entries, forget dropped ones."""
        for entry_id in tx.dropped:
            job = self.jobs.get(entry_id)
            if job is not None and entry_id not in self.flying:
                self._remove(job)
        for entry in tx.added:
            if entry.status is not Status.PENDING or entry.id in self.flying \
                    or entry.id in self.recording:
                continue
            job = self.jobs.get(entry.id)
            if job is None:
                self._add(Job(entry))
            else:
                job.entry = entry
                self._line(entry.chat_id).jobs.sort(key=lambda j: j.entry.order)
        if tx.added or tx.dropped:
            self._wake.set()

    def submit(self, entry: Outgoing,
               on_dispatch: Callable[[], None] | None = None) -> asyncio.Future[str]:
        """Queue an entry that is not in the hot file (a greeting: its campaign keeps its own
        log); the future gets the outcome: ``sent`` or ``failed:<reason>``."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # After every durable entry of the same priority: those were queued first.
        entry.seq = entry.seq or next(self._ephemeral_seq)
        self._add(Job(entry, durable=False, on_dispatch=on_dispatch, future=future))
        self._wake.set()
        return future

    def withdraw(self, entry_id: str) -> bool:
        """Take back a queued entry that is not under way (a cancelled campaign's greeting)."""
        job = self.jobs.get(entry_id)
        if job is None or entry_id in self.flying:
            return False
        self._remove(job)
        return True

    def is_flying(self, entry_id: str) -> bool:
        """Under way, or delivered and not yet recorded: no longer to be changed."""
        return entry_id in self.flying or entry_id in self.recording

    def answer(self, query_id: str, text: str | None = None, alert: bool = False) -> None:
        """Answer a button press. Not a message and not durable: a lost answer only leaves the
        button's spinner turning a little longer, so it never waits behind messages."""
        self._spawn(self._answer(query_id, text, alert))

    async def _answer(self, query_id: str, text: str | None, alert: bool) -> None:
        for attempt in range(2):
            try:
                await self.bot.answer_callback_query(query_id, text, show_alert=alert)
                return
            except (NetworkError, RetryAfter) as exc:
                if attempt == 0 and not isinstance(exc, RetryAfter):
                    await asyncio.sleep(0.5)
                    continue
                log.info("answering a button press failed: %s", exc)
                return
            except TelegramError as exc:  # too old, or already answered
                log.info("answering a button press failed: %s", exc)
                return

    def _add(self, job: Job) -> None:
        self.jobs[job.entry.id] = job
        self._line(job.entry.chat_id).add(job)

    def _remove(self, job: Job) -> None:
        self.jobs.pop(job.entry.id, None)
        line = self.lines.get(job.entry.chat_id)
        if line is not None and job in line.jobs:
            line.jobs.remove(job)

    def _prune(self, now: float) -> None:
        """Forget lines that are idle and whose limiter has forgotten them too: a chat's
        limiter must outlive its queue, or a new message would get a fresh burst."""
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        for chat_id, line in list(self.lines.items()):
            if line.idle(now):
                del self.lines[chat_id]

    def _line(self, chat_id: int) -> Line:
        line = self.lines.get(chat_id)
        if line is None:
            line = self.lines[chat_id] = Line(chat_id, self.limits)
        return line

    def release(self, chat_id: int) -> None:
        """The bot is back in a group: try its queue now."""
        line = self.lines.get(chat_id)
        if line is not None:
            line.hold_until = 0.0
            self._wake.set()

    # -- figures, for the heartbeat and benchmarks -----------------------------------------------

    def backlog(self) -> int:
        return sum(1 for job in self.jobs.values() if job.durable)

    def oldest_pending(self) -> datetime | None:
        times = [job.entry.created_at for job in self.jobs.values()
                 if job.durable and job.entry.created_at]
        return datetime.fromisoformat(min(times)) if times else None

    # -- running -------------------------------------------------------------------------------

    def _time(self) -> float:
        return asyncio.get_running_loop().time()

    def start(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._stopping = False
            self.load()
            self._loop_task = asyncio.get_running_loop().create_task(
                self._run(), name="outbox-sender")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop picking; let requests under way finish (their outcome is recorded) for up to
        ``grace`` seconds. What is still queued stays in the hot file for the next start."""
        self._stopping = True
        if self._loop_task is not None:
            self._wake.set()
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._record()

    async def settle(self, limit: float = 10.0, horizon: float = 3.0) -> None:
        """Wait until nothing is under way and nothing could go within ``horizon`` seconds
        (tests and the demo: "everything the bot had to say by now has been said")."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            await asyncio.sleep(0)
            if not self._tasks and not self.recording and not self._due_within(horizon):
                await asyncio.sleep(0)
                if not self._tasks and not self.recording and not self._due_within(horizon):
                    return
            if loop.time() > deadline:
                raise TimeoutError(f"the outbox did not settle: {len(self.jobs)} queued")
            await asyncio.sleep(0.002)

    def _due_within(self, horizon: float) -> bool:
        now = self._time()
        for line in self.lines.values():
            if not line.jobs:
                continue
            if line.busy:
                return True
            if max(line.hold_until, line.limiter.available_at(now)) <= now + horizon \
                    and self._head(line) is not None:
                return True
        return False

    async def _run(self) -> None:
        # A flag as well as the cancellation: Python 3.11's wait_for swallows a cancel that
        # arrives while the event it waits on is being set.
        while not self._stopping:
            now = self._time()
            self._prune(now)
            job, wake_at = self._pick(now)
            if job is not None:
                at = self.overall.available_at(now)
                if job.entry.priority is Priority.BULK:
                    at = max(at, self.bulk.available_at(now))
                if at <= now:
                    self._dispatch(job, now)
                    continue
                wake_at = min(wake_at, at)
            self._wake.clear()
            timeout = None if wake_at == float("inf") else max(0.0, wake_at - now)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    def _pick(self, now: float) -> tuple[Job | None, float]:
        """The best-placed job that may go now, and when to look again otherwise."""
        if len(self.flying) >= self.limits.max_in_flight:
            return None, float("inf")
        best: Job | None = None
        wake_at = float("inf")
        for line in self.lines.values():
            if line.busy or not line.jobs:
                continue
            if line.hold_until > now:
                wake_at = min(wake_at, line.hold_until)
                continue
            job = self._head(line)
            if job is None:
                continue  # waits for a message in another line; its completion wakes us
            free_at = now if job.entry.method in UNCOUNTED else line.limiter.available_at(now)
            if free_at > now:
                wake_at = min(wake_at, free_at)
                continue
            if best is None or job.entry.order < best.entry.order:
                best = job
        return best, wake_at

    def _head(self, line: Line) -> Job | None:
        """The first job of the line whose pointers can be resolved (or never will be)."""
        for job in line.jobs:
            if self._ready(job.entry):
                return job
        return None

    def _ready(self, entry: Outgoing) -> bool:
        for pointer in (entry.target, entry.reply_to, entry.thread):
            if isinstance(pointer, Ref) and self._resolve(pointer) is None \
                    and self._coming(pointer):
                return False
        return True

    def _coming(self, ref: Ref) -> bool:
        """Whether a queued message will fill ``ref`` once it is sent."""
        return any(j.entry.ticket == ref.ticket and j.entry.remember == ref.field
                   for j in [*self.jobs.values(), *(job for job, _ in self.recording.values())])

    def _resolve(self, pointer: int | Ref | None) -> int | None:
        if not isinstance(pointer, Ref):
            return pointer
        ticket = self.db.by_key(pointer.ticket)
        value = getattr(ticket, pointer.field, None) if ticket else None
        if isinstance(value, list):
            return value[-1] if value else None
        return value if isinstance(value, int) else None

    def _dispatch(self, job: Job, now: float) -> None:
        line = self._line(job.entry.chat_id)
        line.busy = True
        self.flying.add(job.entry.id)
        self.overall.record(now)
        if job.entry.priority is Priority.BULK:
            self.bulk.record(now)
        if job.entry.method not in UNCOUNTED:
            line.limiter.record(now)
        if job.on_dispatch is not None:
            job.on_dispatch()
        self._spawn(self._deliver(job))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- one request ---------------------------------------------------------------------------

    async def _deliver(self, job: Job) -> None:
        try:
            try:
                result = Result("sent", await self._request(job.entry))
            except Exception as exc:  # every failure is classified; none stops the sender
                result = self._classify(job.entry, exc)
            self._finish(job, result)
        except Exception:
            log.exception("the sender could not record the outcome of %s", job.entry.id)
            self.flying.discard(job.entry.id)
            self._line(job.entry.chat_id).busy = False
        finally:
            self._wake.set()

    async def _request(self, entry: Outgoing) -> tuple[int, ...]:
        chat = entry.chat_id
        parse_mode = None if entry.plain else ParseMode.HTML
        markup = _markup(entry.markup)
        reply_id = self._resolve(entry.reply_to)
        reply = ReplyParameters(reply_id, allow_sending_without_reply=True) if reply_id else None
        method = entry.method
        if method in TOPIC_METHODS:
            return await self._topic(entry)
        thread = self._resolve(entry.thread)
        options: dict[str, Any] = {"message_thread_id": thread} if thread is not None else {}
        if method in (Method.EDIT, Method.KEYBOARD, Method.DELETE):
            target = self._resolve(entry.target)
            if target is None:
                log.info("nothing to %s for %s (%s)", method.value, entry.kind, entry.id)
                return ()
            if method is Method.DELETE:
                if entry.extra.get("probe"):
                    try:
                        await self.bot.edit_message_reply_markup(chat, target, reply_markup=None)
                    except BadRequest as exc:
                        if "not modified" not in exc.message.lower():
                            return ()  # someone else's message, or gone: not a duplicate
                    self.stats["duplicates_deleted"] += 1
                    log.warning("deleting a duplicate message %s in chat %s", target, chat)
                await self.bot.delete_message(chat, target)
                return (target,)
            rendering = f"{entry.text}\x00{entry.markup}"
            if self.shown.get((chat, target)) == rendering:
                self.stats["identical_edits_skipped"] += 1
                return (target,)
            if method is Method.KEYBOARD:
                await self.bot.edit_message_reply_markup(chat, target, reply_markup=markup)
            else:
                await self.bot.edit_message_text(
                    shorten_html(entry.text or "", TEXT_LIMIT), chat, target,
                    parse_mode=parse_mode, reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True))
            self._remember_shown(chat, target, rendering)
            return (target,)
        if method is Method.COPY and entry.source:
            copied = await self.bot.copy_message(
                chat, entry.source[0], entry.source[1], reply_parameters=reply, **options,
                caption=shorten_html(entry.text, CAPTION_LIMIT) if entry.text else None,
                parse_mode=parse_mode if entry.text else None, reply_markup=markup)
            return (copied.message_id,)
        caption = shorten_html(entry.text, CAPTION_LIMIT) if entry.text else None
        sent: Message
        if method is Method.PHOTO:
            sent = await self.bot.send_photo(chat, self._file(entry), caption=caption, **options,
                                             parse_mode=parse_mode, reply_markup=markup,
                                             reply_parameters=reply)
        elif method is Method.DOCUMENT:
            sent = await self.bot.send_document(chat, self._file(entry), caption=caption, **options,
                                                parse_mode=parse_mode, reply_markup=markup,
                                                reply_parameters=reply)
        elif method is Method.VOICE:
            sent = await self.bot.send_voice(chat, self._file(entry), caption=caption, **options,
                                             parse_mode=parse_mode, reply_markup=markup,
                                             reply_parameters=reply)
        elif method is Method.VIDEO:
            sent = await self.bot.send_video(chat, self._file(entry), caption=caption, **options,
                                             parse_mode=parse_mode, reply_markup=markup,
                                             reply_parameters=reply)
        else:
            sent = await self.bot.send_message(
                chat, shorten_html(entry.text or "", TEXT_LIMIT), parse_mode=parse_mode, **options,
                reply_markup=markup, reply_parameters=reply,
                link_preview_options=LinkPreviewOptions(is_disabled=True))
        self._remember_shown(chat, sent.message_id, f"{entry.text}\x00{entry.markup}")
        return (sent.message_id,)

    async def _topic(self, entry: Outgoing) -> tuple[int, ...]:
        """A forum topic made, renamed, closed or reopened; or a message pinned."""
        chat = entry.chat_id
        if entry.method is Method.TOPIC:
            topic = await self.bot.create_forum_topic(chat, (entry.text or "")[:128])
            return (topic.message_thread_id,)
        target = self._resolve(entry.target)
        if target is None:
            log.info("nothing to %s for %s (%s)", entry.method.value, entry.kind, entry.id)
            return ()
        if entry.method is Method.RENAME:
            await self.bot.edit_forum_topic(chat, target, name=(entry.text or "")[:128])
        elif entry.method is Method.CLOSE:
            await self.bot.close_forum_topic(chat, target)
        elif entry.method is Method.REOPEN:
            await self.bot.reopen_forum_topic(chat, target)
        else:
            await self.bot.pin_chat_message(chat, target, disable_notification=True)
        return (target,)

    def _file(self, entry: Outgoing) -> InputFile | str:
        name = entry.file or ""
        if is_outbox_file(name):  # a file we made (a chart, an export): never a link
            data = read_outbox_file(Path(self.db.data_dir), name)
            return InputFile(data, filename=entry.filename or Path(name).name)
        return name  # a Telegram file id: a photo a user sent

    def _remember_shown(self, chat: int, message_id: int, rendering: str) -> None:
        self.shown[(chat, message_id)] = rendering
        self.shown.move_to_end((chat, message_id))
        while len(self.shown) > SHOWN_KEPT:
            self.shown.popitem(last=False)

    def _classify(self, entry: Outgoing, exc: Exception) -> Result:
        if isinstance(exc, RetryAfter):
            value = exc.retry_after
            seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
            return Result("hold", wait=seconds + REPLY_HOLD_MARGIN)
        if isinstance(exc, ChatMigrated):
            return Result("migrated", new_chat_id=exc.new_chat_id)
        if isinstance(exc, Forbidden):
            kind = "blocked" if entry.chat_id > 0 else "unreachable"
            return Result(kind, reason=exc.message)
        if isinstance(exc, BadRequest):
            text = exc.message.lower()
            if "not modified" in text:
                target = self._resolve(entry.target)
                return Result("sent", (target,) if target else ())
            if "message to delete not found" in text:
                return Result("sent")
            if "topic_not_modified" in text:  # already so: closed, reopened, that name
                return Result("sent")
            if ("thread not found" in text or "topic_id_invalid" in text
                    or "topic_deleted" in text) and (
                    isinstance(entry.thread, Ref) or entry.method in TOPIC_METHODS):
                return Result("topic_gone", reason=exc.message)
            if entry.method is Method.TOPIC and ("not enough rights" in text
                                                 or "not a forum" in text):
                return Result("no_topics", reason=exc.message)
            if ("message to edit not found" in text or "message can't be edited" in text) \
                    and isinstance(entry.target, Ref) and entry.method is Method.EDIT:
                return Result("repost", reason=exc.message)
            if "can't parse entities" in text and not entry.plain:
                return Result("plain", reason=exc.message)
            return Result("failed", reason=exc.message)
        if isinstance(exc, FileRefused):  # a tampered entry or file: never read, never retried
            log.error("%s %s names a file it may not send: %s", entry.kind, entry.id, exc)
            return Result("failed", reason=str(exc))
        if isinstance(exc, InvalidToken):
            log.critical("Telegram rejected the bot's token: nothing can be sent")
            return Result("retry", reason="invalid token", wait=60.0, never_sent=True)
        if isinstance(exc, NetworkError):  # timeouts, 5xx, connection errors
            never = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout
                               | httpx.PoolTimeout)
            return Result("retry", reason=str(exc), never_sent=never)
        log.error("unexpected error sending %s %s", entry.kind, entry.id, exc_info=exc)
        return Result("retry", reason=repr(exc))

    # -- recording the outcome -----------------------------------------------------------------

    def _finish(self, job: Job, result: Result) -> None:
        entry = job.entry
        line = self._line(entry.chat_id)
        self.flying.discard(entry.id)
        line.busy = False
        now = self._time()
        kind = result.kind
        if kind == "hold":
            self.stats["rate_limited"] += 1
            line.hold_until = max(line.hold_until, now + result.wait)
            return
        if kind == "migrated" and result.new_chat_id is not None:
            log.error("chat %s became %s: put the new id in the config", entry.chat_id,
                      result.new_chat_id)
            self._move(entry.chat_id, result.new_chat_id)
            return
        if kind == "sent":
            self._sent(job, result.message_ids)
            return
        if kind == "repost":
            self._repost(job)
            return
        if kind in ("topic_gone", "no_topics"):
            self._remove(job)
            hook = self.on_topic_gone if kind == "topic_gone" else None
            log.warning("%s for %s %s (ticket #%s): %s", kind, entry.kind, entry.id,
                        entry.number, result.reason)
            if hook is not None:
                hook(entry)
            elif self.on_no_topics is not None:
                self.on_no_topics(entry, result.reason)
            return
        if kind == "plain":
            log.error("Telegram could not parse the HTML of %s (%s): %s; sending it as plain "
                      "text", entry.kind, entry.id, result.reason)
            entry.plain = True
            entry.text = html.unescape(_TAGS.sub("", entry.text or ""))
            return
        if kind == "blocked":
            self._blocked(line, result.reason)
            return
        entry.attempts += 1
        self.stats["retried"] += 1
        if kind == "retry" and not result.never_sent and entry.method in SENDS \
                and job.ghost_after is None and entry.chat_id < 0:
            ours = self.db.ours(entry.chat_id)
            # Nothing of ours known in the group yet: every earlier id may be the duplicate.
            job.ghost_after = max(ours) if ours else 0
        if kind == "retry" and entry.at_most_once and not result.never_sent:
            self._failed(job, "unconfirmed: " + result.reason)
            return
        if kind == "failed" or self._too_old(entry):
            self._failed(job, result.reason or "gave up")
            return
        if kind == "unreachable":
            line.hold_until = now + self.limits.unreachable_group_retry
            log.warning("group %s cannot be reached (%s); retrying later", entry.chat_id,
                        result.reason)
            return
        wait = result.wait or min(self.limits.backoff_max,
                                  self.limits.backoff_first * 2 ** (entry.attempts - 1))
        line.hold_until = now + wait * random.uniform(0.8, 1.2)
        log.info("retrying %s %s in %.1f s: %s", entry.kind, entry.id, wait, result.reason)

    def _too_old(self, entry: Outgoing) -> bool:
        if not entry.created_at:
            return False
        age = self.clock() - datetime.fromisoformat(entry.created_at)
        return age > self.limits.give_up_after

    def _sent(self, job: Job, message_ids: tuple[int, ...]) -> None:
        entry = job.entry
        self._remove(job)
        self.stats["sent"] += 1
        if job.future is not None and not job.future.done():
            job.future.set_result("sent")
        if not job.durable:
            return
        self.recording[entry.id] = (job, message_ids)
        if self._record_soon is None:
            self._record_soon = asyncio.get_running_loop().call_soon(self._record)

    def _record(self) -> None:
        """Record every delivery whose answer is in, in one write."""
        if self._record_soon is not None:
            self._record_soon.cancel()
            self._record_soon = None
        if not self.recording:
            return
        delivered = list(self.recording.values())
        try:
            with self.db.transaction() as tx:
                for job, message_ids in delivered:
                    self._record_one(tx, job, message_ids)
        except Exception:
            log.exception("the sender could not record %d deliveries", len(delivered))
        finally:
            for job, _ids in delivered:
                self.recording.pop(job.entry.id, None)
            self._wake.set()
        now = self.clock()
        for job, message_ids in delivered:
            self.db.log_sent(job.entry, message_ids, now)

    def _record_one(self, tx, job: Job, message_ids: tuple[int, ...]) -> None:
        entry = job.entry
        if message_ids and entry.method in SENDS:
            ghosts = self._ghosts(job, tx.ours(entry.chat_id), min(message_ids))
            tx.add_ours(entry.chat_id, message_ids)
            for ghost in ghosts:
                self._reap(entry.chat_id, ghost)
        if entry.remember and entry.ticket and message_ids:
            ticket = tx.ticket(entry.ticket)
            if ticket is not None:
                value = getattr(ticket, entry.remember)
                if isinstance(value, list):
                    setattr(ticket, entry.remember, [*value[-99:], message_ids[-1]])
                else:
                    setattr(ticket, entry.remember, message_ids[-1])
                tx.save(ticket)
        if entry.ticket and message_ids and entry.method in SENDS | {Method.TOPIC}:
            tx.add_route(entry.ticket, entry.chat_id, message_ids)  # replies find it
        tx.drop(entry.id)

    def _ghosts(self, job: Job, ours: list[int], sent_id: int) -> list[int]:
        """Ids that may hold a duplicate of this message: a try whose answer was lost may have
        been executed. Only in groups, where every message of ours is recorded: there an
        unknown message of ours between the last one we knew and this one is a duplicate."""
        if job.ghost_after is None:
            return []
        known = set(ours)
        window = [i for i in range(job.ghost_after + 1, sent_id) if i not in known]
        return window if len(window) <= REAP_AT_MOST else []

    def _reap(self, chat_id: int, message_id: int) -> None:
        """Queue a probe of ``message_id``: a harmless keyboard edit, which Telegram refuses
        for other people's messages; one of ours that we never recorded is a duplicate, and
        is deleted."""
        entry = Outgoing(id=f"reap:{chat_id}:{message_id}", chat_id=chat_id, kind="duplicate",
                         priority=Priority.EDIT, method=Method.DELETE, target=message_id,
                         extra={"probe": True})
        self.stats["duplicates_probed"] += 1
        self._add(Job(entry, durable=False))

    def _repost(self, job: Job) -> None:
        """The card's message is gone (deleted by someone): post the card again."""
        entry = job.entry
        assert isinstance(entry.target, Ref)
        field = entry.target.field
        log.warning("the message of %s %s is gone; posting it again", entry.kind, entry.id)
        entry.method = Method.SEND
        entry.remember = field
        entry.target = None
        with self.db.transaction() as tx:
            ticket = tx.ticket(entry.ticket or "")
            if ticket is not None:
                setattr(ticket, field, None)
                tx.save(ticket)
            if job.durable:
                tx.put(entry)

    def _blocked(self, line: Line, reason: str) -> None:
        """A private chat answered 403: the person blocked the bot (or never started it)."""
        def mark(customer) -> None:
            customer.blocked = True

        self.db.update_customer(line.chat_id, mark)
        log.info("chat %s blocked the bot: %s", line.chat_id, reason)
        for job in list(line.jobs):
            if job.entry.id not in self.flying:
                self._failed(job, "blocked: " + reason)

    def _failed(self, job: Job, reason: str) -> None:
        entry = job.entry
        self._remove(job)
        self.stats["failed"] += 1
        log.warning("could not deliver %s %s to chat %s (ticket #%s): %s", entry.kind, entry.id,
                    entry.chat_id, entry.number, reason)
        if job.future is not None and not job.future.done():
            job.future.set_result("failed:" + reason.split(":", 1)[0].replace(" ", "_"))
        if not job.durable:
            return
        entry.status = Status.FAILED
        entry.error = reason[:500]
        with self.db.transaction() as tx:
            tx.put(entry)
            if entry.fallback:
                fallback = Outgoing.from_dict(entry.fallback)
                fallback.created_at = self.clock().isoformat()
                tx.put(fallback)

    def _move(self, old: int, new: int) -> None:
        line = self.lines.pop(old, None)
        if line is None:
            return
        with self.db.transaction() as tx:
            for job in line.jobs:
                job.entry.chat_id = new
                if job.durable:
                    tx.put(job.entry)
        target = self._line(new)
        for job in line.jobs:
            target.add(job)


def _markup(data: dict[str, Any] | None):
    """A stored reply_markup back as PTB's object (the Bot API's JSON in, the same JSON out)."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("force_reply"):
        return ForceReply.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, None)
    return None
