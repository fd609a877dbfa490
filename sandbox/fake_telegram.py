"""An offline Telegram: a Bot API transport that answers in process, and users who use it.

``FakeTelegram`` is a ``telegram.request.BaseRequest``: inject it with
``build_application(settings, request=FakeTelegram())``. It records every call, keeps every
chat's messages (HTML rendered to the plain text a user reads), and answers like the Bot API,
errors included: "message is not modified", a user who blocked the bot (403), texts over 4,096
characters and captions over 1,024 (400), flood control (429 with retry_after). With
``limits=TelegramLimits()`` it enforces Telegram's rate limits (30 messages a second overall,
20 a minute per group, about one a second per private chat after a small burst) and answers
429 past them; with ``faults=0.2`` one message request in five fails, seeded: 500, 502, a
timeout, or executed with the answer lost. ``TelegramClient`` plays the users:

    client = TelegramClient(application, telegram)
    await client.send(alice, "水壶漏水")
    await client.press_action(alice, client.last(alice), Action.CONFIRM)
    assert "#1" in client.last(alice).text

Tests press buttons by what they do (``press_action`` with a ``desk.buttons.Action`` and, when
several buttons share it, the last arguments), so a changed translation breaks no test;
``click`` by a label's words is for the tests about labels.
"""

from __future__ import annotations

import asyncio
import collections
import html
import itertools
import json
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

from desk.buttons import Action, Press, decode
from outbox.context import outbox_of
from sandbox.telegram_html import HTMLParseError
from sandbox.telegram_html import parse as parse_html

BOT_ID = 900_000_001
_TAG = re.compile(r"<[^>]+>")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# What Telegram counts against its rate limits: every message sent or edited.
MESSAGE_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "copyMessage",
    "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "sendMediaGroup",
    # A topic made or renamed is a message in the group, for the limits too.
    "createForumTopic", "editForumTopic",
})
MEDIA_KINDS = ("photo", "voice", "video", "video_note", "document", "sticker")
FAULT_KINDS = ("server_error", "bad_gateway", "timeout", "lost")


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's limits as the Bot API enforces them (a little looser than the sender)."""

    overall: int = 30  # messages in any second, the whole bot
    group: int = 20  # messages in any 60 s, one group, edits included
    group_window: float = 60.0
    private_burst: int = 3  # then one a second in one private chat
    private_interval: float = 1.0


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render_html(text: str) -> str:
    """What a user reads of an HTML message (lenient: for display of what was accepted)."""
    try:
        return parse_html(text, strict=False)
    except HTMLParseError:
        return html.unescape(_TAG.sub("", text))


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str = ""
    language_code: str | None = "zh-hans"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeGroup:
    id: int
    title: str
    is_forum: bool = False  # Topics switched on (register it with FakeTelegram.forum too)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class Topic:
    """A forum topic as the group shows it."""

    chat_id: int
    thread_id: int
    name: str
    closed: bool = False
    deleted: bool = False
    renames: int = 0


@dataclass
class Shown:
    """One message as its chat shows it now (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    sender_id: int
    html: str = ""
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    reply_to: int | None = None
    kind: str = "text"
    document: bytes | None = None
    filename: str | None = None
    edits: int = 0
    at: float = 0.0  # time.monotonic() when it was sent
    file_id: str | None = None
    thread_id: int | None = None  # the forum topic it is in
    pinned: bool = False

    @property
    def from_bot(self) -> bool:
        return self.sender_id == BOT_ID

    @property
    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def data_for(self, label: str) -> str:
        """The callback data of the button whose label contains ``label``."""
        matches = [b for row in self.buttons for b in row if label in b["text"]]
        if len(matches) != 1:
            raise AssertionError(f"{len(matches)} buttons match {label!r} in {self.labels}")
        return matches[0]["callback_data"]

    @property
    def presses(self) -> list[Press]:
        """What each button asks for, decoded from its callback data (links and forged data
        left out), in the order shown."""
        return [press for row in self.buttons for b in row
                if (press := decode(b.get("callback_data"))) is not None]

    @property
    def actions(self) -> list[Action]:
        """The actions of the buttons, in the order shown: what a test asserts instead of
        labels a translator may change."""
        return [press.action for press in self.presses]

    def data_of(self, action: Action, *args: int | str) -> str:
        """The callback data of the one button that asks for ``action`` with arguments that
        end with ``args``: ``data_of(Action.OUTCOME, Outcome.SOLVED)`` on a card (the ticket
        number, the first argument, need not be given)."""
        matches = [b["callback_data"] for row in self.buttons for b in row
                   if (press := decode(b.get("callback_data"))) is not None
                   and press.action is action and _ends_with(press.args, args)]
        if len(matches) != 1:
            shown = [(p.action.name, *p.args) for p in self.presses]
            raise AssertionError(f"{len(matches)} buttons ask for {action.name} {args} in {shown}")
        return matches[0]


def _ends_with(values: tuple[int | str, ...], wanted: tuple[int | str, ...]) -> bool:
    # Compared as the data holds them: Outcome.SOLVED is "solved", a score 4 is "4".
    tail = values[len(values) - len(wanted):] if wanted else ()
    return len(wanted) <= len(values) and [str(v) for v in tail] == [str(w) for w in wanted]


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram(BaseRequest):
    """The Bot API, in process."""

    def __init__(self, bot_username: str = "SundownDeskBot",
                 limits: TelegramLimits | None = None, faults: float = 0.0, seed: int = 1,
                 fault_kinds: tuple[str, ...] = FAULT_KINDS):
        """``limits``: enforce Telegram's rate limits (429 past them, nothing delivered).
        ``faults``: the share of message requests that fail, drawn from ``fault_kinds`` with
        a seeded generator."""
        self.bot_username = bot_username
        self.latency = 0.0  # seconds each request takes
        self.limits = limits
        self.faults = faults
        self.fault_kinds = fault_kinds
        self.random = random.Random(seed)
        self._overall: collections.deque[float] = collections.deque()
        self._groups: dict[int, collections.deque[float]] = {}
        self._privates: dict[int, tuple[float, float]] = {}  # chat -> (tokens, stamp)
        self.rejected = 0  # 429 answers
        self.rejected_by: collections.Counter[str] = collections.Counter()  # which limit
        self.html_errors: list[tuple[str, str, str]] = []  # (method, text, Telegram's 400)
        self.deleted: list[Shown] = []
        self.injected: collections.Counter[str] = collections.Counter()
        self.calls: list[Call] = []
        self.chats: dict[int, list[Shown]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.listeners: list[Callable[[str, Shown], None]] = []
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._failures: list[tuple[str, int | None, str, int]] = []
        # Like Telegram: each chat numbers its own messages, users' and the bot's alike.
        self._message_ids: dict[int, itertools.count] = {}
        # Forum groups (Topics on), whether the bot may manage topics there, and the topics
        # (a topic's thread id is the id of the service message that opened it).
        self.forums: set[int] = set()
        self.topic_rights: dict[int, bool] = {}
        self.topics: dict[tuple[int, int], Topic] = {}

    def forum(self, group: FakeGroup, may_manage: bool = True) -> None:
        """Switch Topics on in ``group``; ``may_manage``: the bot is an administrator with the
        right to manage topics."""
        group.is_forum = True
        self.forums.add(group.id)
        self.topic_rights[group.id] = may_manage
        # An administrator (with or without "Manage topics"), for this fake only.
        self.bot_status = {**self.bot_status, group.id: "administrator"}  # type: ignore[misc]

    def topic_list(self, chat_id: int) -> list[Topic]:
        """The group's topics that exist (not deleted), oldest first."""
        return [tp for (chat, _), tp in sorted(self.topics.items())
                if chat == chat_id and not tp.deleted]

    def in_topic(self, chat_id: int, thread_id: int) -> list[Shown]:
        return [m for m in self.chats.get(chat_id, []) if m.thread_id == thread_id]

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes a topic by hand: it and every message in it are gone."""
        self._api_deleteForumTopic({"chat_id": chat_id, "message_thread_id": thread_id}, {})

    # -- BaseRequest -----------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        # A real request suspends; let concurrent updates interleave.
        await asyncio.sleep(self.latency)
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        self.calls.append(Call(name, params))
        failure = self._take_failure(name, params)
        if isinstance(failure, tuple):
            return failure
        fault = failure or self._draw_fault(name)
        if fault in ("server_error", "bad_gateway", "timeout"):  # never reached the API
            self.injected[fault] += 1
            if fault == "timeout":
                raise TimedOut("fake timeout")
            code = 500 if fault == "server_error" else 502
            return _error(code, "Internal Server Error" if code == 500 else "Bad Gateway")
        chat_id = params.get("chat_id")
        if name in MESSAGE_METHODS and chat_id is not None:
            wait = self._over_limits(int(chat_id))
            if wait is not None:
                self.rejected += 1
                return _error(429, f"Too Many Requests: retry after {wait}",
                              {"retry_after": wait})
        if chat_id is not None and int(chat_id) in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        api = getattr(self, "_api_" + name, None)
        if api is None:
            return _error(404, "Not Found: method not found")
        rejected = self._check_markup(name, params)
        if rejected is not None:
            return rejected
        result = api(params, files)
        if isinstance(result, tuple):
            return result
        if fault == "lost":  # executed, and then the answer never came back
            self.injected[fault] += 1
            raise NetworkError("fake connection reset after the request was executed")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _check_markup(self, name: str, params: dict) -> tuple[int, bytes] | None:
        """Telegram parses parse_mode=HTML strictly and rejects the whole message on one bare
        ``<`` or ``&``: so does this fake, and it remembers, so a test can fail on it."""
        if params.get("parse_mode") != "HTML":
            return None
        text = params.get("text", params.get("caption"))
        if text is None:
            return None
        try:
            parse_html(text)
        except HTMLParseError as exc:
            self.html_errors.append((name, text, exc.description))
            return _error(400, exc.description)
        return None

    def _draw_fault(self, name: str) -> str | None:
        if not self.faults or name not in MESSAGE_METHODS:
            return None
        if self.random.random() >= self.faults:
            return None
        return self.random.choice(self.fault_kinds)

    def _over_limits(self, chat_id: int) -> int | None:
        """Seconds to wait (as Telegram's retry_after) when this message would break a limit;
        None when it may go (and then it is counted)."""
        limits = self.limits
        if limits is None:
            return None
        now = time.monotonic()
        overall = self._overall
        while overall and overall[0] <= now - 1.0:
            overall.popleft()
        if len(overall) >= limits.overall:
            self.rejected_by["overall"] += 1
            return max(1, math.ceil(overall[0] + 1.0 - now))
        if chat_id < 0:
            window = self._groups.setdefault(chat_id, collections.deque())
            while window and window[0] <= now - limits.group_window:
                window.popleft()
            if len(window) >= limits.group:
                self.rejected_by["group"] += 1
                return max(1, math.ceil(window[0] + limits.group_window - now))
            window.append(now)
        else:
            tokens, stamp = self._privates.get(chat_id, (float(limits.private_burst), now))
            tokens = min(limits.private_burst, tokens + (now - stamp) / limits.private_interval)
            if tokens < 1:
                self.rejected_by["private"] += 1
                return max(1, math.ceil((1 - tokens) * limits.private_interval))
            self._privates[chat_id] = (tokens - 1, now)
        overall.append(now)
        return None

    # -- error injection -------------------------------------------------------------------------

    def fail(self, method: str, kind: str, chat_id: int | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail: kind is network, timeout,
        server_error, retry_after, forbidden, not_found (a deleted message), bad_request, or
        lost (executed, and the answer never comes back)."""
        self._failures.append((method, chat_id, kind, times))

    def _take_failure(self, name: str, params: dict[str, Any]) -> tuple[int, bytes] | str | None:
        for index, (method, chat_id, kind, times) in enumerate(self._failures):
            if method != name or (chat_id is not None and params.get("chat_id") != chat_id):
                continue
            if times <= 1:
                del self._failures[index]
            else:
                self._failures[index] = (method, chat_id, kind, times - 1)
            if kind == "lost":
                return "lost"  # executed below, then the answer is lost
            if kind == "network":
                raise NetworkError("fake network failure")
            if kind == "timeout":
                raise TimedOut("fake timeout")
            if kind == "server_error":
                return _error(500, "Internal Server Error")
            if kind == "retry_after":
                return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            if kind == "unauthorized":
                return _error(401, "Unauthorized")
            if kind == "forbidden":
                return _error(403, "Forbidden: bot was kicked from the group chat")
            if kind == "not_found":
                return _error(400, "Bad Request: message to edit not found")
            return _error(400, "Bad Request: fake failure")
        return None

    # -- the API ---------------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Sundown",
                "username": self.bot_username, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _api_getMe(self, params: dict, files: dict) -> dict:
        return self.bot_user()

    def _api_deleteWebhook(self, params: dict, files: dict) -> bool:
        return True

    # What getWebhookInfo answers: Telegram's view of its pushes to the bot's webhook.
    webhook_info: ClassVar[dict[str, Any]] = {}

    def _api_getWebhookInfo(self, params: dict, files: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0,
                **self.webhook_info}

    _api_setMyCommands = _api_deleteWebhook
    _api_setChatMenuButton = _api_deleteWebhook
    _api_setWebhook = _api_deleteWebhook
    _api_close = _api_deleteWebhook
    _api_logOut = _api_deleteWebhook

    # What `sundown check` asks: a chat exists (groups: the bot is in them; private chats: the
    # person has pressed Start), and what the bot may do in a group.
    missing_chats: frozenset[int] = frozenset()
    bot_status: ClassVar[dict[int, str]] = {}  # group -> "member" (default), "left", ...
    migrated: ClassVar[dict[int, int]] = {}  # a group that became a supergroup -> its new id
    members_may_post: ClassVar[dict[int, bool]] = {}  # group -> its default permission

    def _missing(self, chat_id: int) -> tuple[int, bytes] | None:
        if chat_id in self.missing_chats:
            return _error(400, "Bad Request: chat not found")
        if chat_id in self.migrated:
            return _error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                          {"migrate_to_chat_id": self.migrated[chat_id]})
        return None

    def _api_sendChatAction(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        return self._missing(int(params["chat_id"])) or True

    def _api_getChat(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        chat_id = int(params["chat_id"])
        missing = self._missing(chat_id)
        if missing:
            return missing
        full = {"accent_color_id": 0, "max_reaction_count": 11}
        if chat_id < 0:
            may_post = self.members_may_post.get(chat_id, True)
            forum = {"is_forum": True} if chat_id in self.forums else {}
            return {"id": chat_id, "type": "supergroup", "title": f"group {chat_id}",
                    "permissions": {"can_send_messages": may_post}, **forum, **full}
        return {"id": chat_id, "type": "private", "first_name": "user", **full}

    def _api_getChatMember(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        chat_id = int(params["chat_id"])
        missing = self._missing(chat_id)
        if missing:
            return missing
        status = self.bot_status.get(chat_id, "member")
        member: dict[str, Any] = {"status": status, "user": self.bot_user()}
        if status == "restricted":
            member.update({"is_member": True, "until_date": 0, **{name: False for name in (
                "can_send_messages", "can_send_audios", "can_send_documents",
                "can_send_photos", "can_send_videos", "can_send_video_notes",
                "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
                "can_add_web_page_previews", "can_change_info", "can_invite_users",
                "can_pin_messages", "can_manage_topics", "can_edit_tag",
                "can_react_to_messages")}})
        if status == "kicked":
            member["until_date"] = 0
        if status == "administrator":
            member.update({"can_be_edited": False, "is_anonymous": False, **{
                name: True for name in (
                "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories", "can_pin_messages")},
                "can_manage_topics": self.topic_rights.get(chat_id, True)})
        return member

    def _api_getUpdates(self, params: dict, files: dict) -> list:
        return []

    def _api_sendMessage(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        markup = params.get("reply_markup") or {}
        too_long = self._check_length(params["text"], params.get("parse_mode"), TEXT_LIMIT)
        if too_long:
            return _error(400, "Bad Request: message is too long")
        thread = self._thread(params)
        if isinstance(thread, tuple):
            return thread
        shown = self._add(int(params["chat_id"]), BOT_ID, params["text"], markup,
                          html_mode=params.get("parse_mode") == "HTML",
                          reply_to=(params.get("reply_parameters") or {}).get("message_id"),
                          thread_id=thread)
        return self._to_api(shown)

    def _check_length(self, text: str, parse_mode: str | None, limit: int) -> bool:
        visible = render_html(text) if parse_mode == "HTML" else text
        return _utf16_len(visible) > limit

    def _api_sendVoice(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        return self._send_file(params, files, "voice")

    def _api_sendVideo(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        return self._send_file(params, files, "video")

    def _api_copyMessage(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        source = self.find(int(params["from_chat_id"]), int(params["message_id"]))
        if source is None:
            return _error(400, "Bad Request: message to copy not found")
        caption = params.get("caption")
        text = caption if caption is not None else source.html or source.text
        thread = self._thread(params)
        if isinstance(thread, tuple):
            return thread
        shown = self._add(int(params["chat_id"]), BOT_ID, text, params.get("reply_markup") or {},
                          html_mode=caption is None or params.get("parse_mode") == "HTML",
                          reply_to=(params.get("reply_parameters") or {}).get("message_id"),
                          kind=source.kind, file_id=source.file_id, thread_id=thread)
        return {"message_id": shown.message_id}

    def _api_sendDocument(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        return self._send_file(params, files, "document")

    def _api_sendPhoto(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        return self._send_file(params, files, "photo")

    def _send_file(self, params: dict, files: dict, kind: str) -> dict | tuple[int, bytes]:
        upload = next(iter(files.values()), None)
        filename, content = (upload[0], upload[1]) if isinstance(upload, tuple) else (None, None)
        caption = params.get("caption", "")
        if self._check_length(caption, params.get("parse_mode"), CAPTION_LIMIT):
            return _error(400, "Bad Request: message caption is too long")
        file_id = params.get(kind) if isinstance(params.get(kind), str) else None
        thread = self._thread(params)
        if isinstance(thread, tuple):
            return thread
        shown = self._add(int(params["chat_id"]), BOT_ID, caption,
                          params.get("reply_markup") or {}, html_mode=True, kind=kind,
                          document=content, filename=filename, file_id=file_id,
                          reply_to=(params.get("reply_parameters") or {}).get("message_id"),
                          thread_id=thread)
        return self._to_api(shown)

    def _api_editMessageText(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        shown = self.find(int(params["chat_id"]), int(params["message_id"]))
        if shown is None:
            return _error(400, "Bad Request: message to edit not found")
        if not shown.from_bot:
            return _error(400, "Bad Request: message can't be edited")
        markup = params.get("reply_markup") or {}
        buttons = markup.get("inline_keyboard", [])
        if self._check_length(params["text"], params.get("parse_mode"), TEXT_LIMIT):
            return _error(400, "Bad Request: message is too long")
        if shown.html == params["text"] and shown.buttons == buttons:
            return _error(400, "Bad Request: message is not modified: specified new message "
                               "content and reply markup are exactly the same as a current "
                               "content and reply markup of the message")
        shown.html = params["text"]
        shown.text = render_html(params["text"]) if params.get("parse_mode") == "HTML" \
            else params["text"]
        shown.buttons = buttons
        shown.edits += 1
        self._notify("edit", shown)
        return self._to_api(shown)

    def _api_editMessageReplyMarkup(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        shown = self.find(int(params["chat_id"]), int(params["message_id"]))
        if shown is None:
            return _error(400, "Bad Request: message to edit not found")
        if not shown.from_bot:
            return _error(400, "Bad Request: message can't be edited")
        buttons = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        if shown.buttons == buttons:
            return _error(400, "Bad Request: message is not modified")
        shown.buttons = buttons
        shown.edits += 1
        self._notify("edit", shown)
        return self._to_api(shown)

    def _api_deleteMessage(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        chat = self.chats.get(int(params["chat_id"]), [])
        shown = self.find(int(params["chat_id"]), int(params["message_id"]))
        if shown is None:
            return _error(400, "Bad Request: message to delete not found")
        chat.remove(shown)
        self.deleted.append(shown)
        return True

    # -- forum topics ----------------------------------------------------------------------------

    def _topic(self, params: dict) -> Topic | tuple[int, bytes]:
        topic = self.topics.get((int(params["chat_id"]), int(params["message_thread_id"])))
        if topic is None or topic.deleted:
            return _error(400, "Bad Request: TOPIC_ID_INVALID")
        return topic

    def _may_manage(self, chat_id: int) -> tuple[int, bytes] | None:
        if chat_id not in self.forums:
            return _error(400, "Bad Request: the chat is not a forum")
        if not self.topic_rights.get(chat_id, True):
            return _error(400, "Bad Request: not enough rights to create a topic")
        return None

    def _api_createForumTopic(self, params: dict, files: dict) -> dict | tuple[int, bytes]:
        chat_id = int(params["chat_id"])
        refused = self._may_manage(chat_id)
        if refused:
            return refused
        name = params["name"]
        if not 1 <= len(name) <= 128:
            return _error(400, "Bad Request: TOPIC_NAME_INVALID")
        # The service message "topic created" takes the next id: that is the thread id.
        thread_id = next(self._message_ids.setdefault(chat_id, itertools.count(1)))
        self.topics[(chat_id, thread_id)] = Topic(chat_id, thread_id, name)
        self._notify_topic("topic_created", self.topics[(chat_id, thread_id)])
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    def _api_editForumTopic(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        refused = self._may_manage(int(params["chat_id"]))
        topic = refused or self._topic(params)
        if not isinstance(topic, Topic):
            return topic
        if params.get("name") in (None, topic.name):
            return _error(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.name = params["name"]
        topic.renames += 1
        self._notify_topic("topic_renamed", topic)
        return True

    def _close(self, params: dict, closed: bool) -> bool | tuple[int, bytes]:
        refused = self._may_manage(int(params["chat_id"]))
        topic = refused or self._topic(params)
        if not isinstance(topic, Topic):
            return topic
        if topic.closed == closed:
            return _error(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = closed
        self._notify_topic("topic_closed" if closed else "topic_reopened", topic)
        return True

    def _api_closeForumTopic(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        return self._close(params, True)

    def _api_reopenForumTopic(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        return self._close(params, False)

    def _api_deleteForumTopic(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        topic = self._topic(params)
        if not isinstance(topic, Topic):
            return topic
        topic.deleted = True
        chat = self.chats.get(topic.chat_id, [])
        for shown in [m for m in chat if m.thread_id == topic.thread_id]:
            chat.remove(shown)
            self.deleted.append(shown)
        return True

    def _notify_topic(self, event: str, topic: Topic) -> None:
        """Listeners hear of a topic made, renamed, closed or reopened as a ``Shown`` of kind
        "topic" (its message id is the thread id, its text the topic's name)."""
        self._notify(event, Shown(chat_id=topic.chat_id, message_id=topic.thread_id,
                                  text=topic.name, sender_id=BOT_ID, kind="topic",
                                  thread_id=topic.thread_id, at=time.monotonic()))

    def _api_pinChatMessage(self, params: dict, files: dict) -> bool | tuple[int, bytes]:
        shown = self.find(int(params["chat_id"]), int(params["message_id"]))
        if shown is None:
            return _error(400, "Bad Request: message to pin not found")
        shown.pinned = True
        return True

    def _thread(self, params: dict) -> int | tuple[int, bytes] | None:
        """The topic a message goes into: the one asked for, or the replied-to message's."""
        chat_id = int(params["chat_id"])
        thread = params.get("message_thread_id")
        if thread is not None:
            topic = self.topics.get((chat_id, int(thread)))
            if topic is None or topic.deleted:
                return _error(400, "Bad Request: message thread not found")
            return int(thread)
        replied = (params.get("reply_parameters") or {}).get("message_id")
        shown = self.find(chat_id, int(replied)) if replied else None
        return shown.thread_id if shown else None

    def _api_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        self.callback_answers[params["callback_query_id"]] = params
        return True

    # -- chats -----------------------------------------------------------------------------------

    def _add(self, chat_id: int, sender_id: int, text: str, markup: dict[str, Any],
             html_mode: bool = False, reply_to: int | None = None, kind: str = "text",
             document: bytes | None = None, filename: str | None = None,
             file_id: str | None = None, thread_id: int | None = None) -> Shown:
        shown = Shown(
            chat_id=chat_id,
            message_id=next(self._message_ids.setdefault(chat_id, itertools.count(1))),
            text=render_html(text) if html_mode else text, html=text, sender_id=sender_id,
            buttons=markup.get("inline_keyboard", []), reply_keyboard=markup.get("keyboard", []),
            reply_to=reply_to, kind=kind, document=document, filename=filename,
            at=time.monotonic(), file_id=file_id, thread_id=thread_id,
        )
        self.chats.setdefault(chat_id, []).append(shown)
        self._notify("send", shown)
        return shown

    def _notify(self, event: str, shown: Shown) -> None:
        for listener in self.listeners:
            listener(event, shown)

    def find(self, chat_id: int, message_id: int) -> Shown | None:
        return next((m for m in self.chats.get(chat_id, []) if m.message_id == message_id), None)

    def _to_api(self, shown: Shown) -> dict[str, Any]:
        chat = ({"id": shown.chat_id, "type": "private", "first_name": "user"}
                if shown.chat_id > 0 else
                {"id": shown.chat_id, "type": "supergroup", "title": "group"})
        data: dict[str, Any] = {
            "message_id": shown.message_id, "date": int(self.clock().timestamp()),
            "chat": chat, "from": self.bot_user() if shown.from_bot else {"id": shown.sender_id,
                                                                          "is_bot": False,
                                                                          "first_name": "user"},
        }
        data["text" if shown.kind == "text" else "caption"] = shown.text
        if shown.thread_id is not None:
            data["message_thread_id"] = shown.thread_id
            data["is_topic_message"] = True
        if shown.buttons:
            data["reply_markup"] = {"inline_keyboard": shown.buttons}
        return data

    def sent(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]


def _error(code: int, description: str, parameters: dict | None = None) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, json.dumps(body).encode()


class TelegramClient:
    """Users acting on the bot through ``FakeTelegram``; every action is one processed update."""

    def __init__(self, application: Application, telegram: FakeTelegram):
        self.app = application
        self.telegram = telegram
        self.errors: list[BaseException] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        application.add_error_handler(self._record_error)

    async def _record_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    def _now(self) -> int:
        return int(self.telegram.clock().timestamp())

    async def _process(self, data: dict[str, Any], settle: bool = True) -> None:
        data["update_id"] = next(self._update_ids)
        await self.app.process_update(Update.de_json(data, self.app.bot))
        if settle:
            await self.settle()

    async def settle(self) -> None:
        """Let the bot finish what the update started: handlers that run beside the update
        queue, and the outbox delivering what they said."""
        await asyncio.sleep(0)
        beside = [t for t in asyncio.all_tasks()
                  if "non_blocking" in t.get_name() and not t.done()]
        if beside:
            await asyncio.gather(*beside, return_exceptions=True)
        await outbox_of(self.app).settle()

    def _chat(self, user: FakeUser, group: FakeGroup | None) -> dict[str, Any]:
        if group is not None:
            return group.to_api()
        return {"id": user.id, "type": "private", "first_name": user.first_name}

    def _message(self, user: FakeUser, group: FakeGroup | None, display: str | None = None,
                 **content: Any) -> dict[str, Any]:
        chat_id = group.id if group else user.id
        text = display or content.get("text") or content.get("caption") or ""
        kind = next((k for k in MEDIA_KINDS if k in content), "text")
        media = content.get(kind)
        file_id = (media[-1] if isinstance(media, list) else media or {}).get("file_id") \
            if kind != "text" else None
        shown = self.telegram._add(chat_id, user.id, text, {},
                                   reply_to=content.get("reply_to_message", {}).get("message_id"),
                                   kind=kind, file_id=file_id,
                                   thread_id=content.get("message_thread_id"))
        return {"message_id": shown.message_id, "date": self._now(),
                "chat": self._chat(user, group), "from": user.to_api(), **content}

    # -- what users do ---------------------------------------------------------------------------

    def _topic_message(self, content: dict[str, Any], group: FakeGroup | None,
                       thread: int | None) -> None:
        """A message in a forum topic, as Telegram sends it: with the thread id, and (unless
        it replies to something) replying to the service message that opened the topic."""
        if group is None or thread is None:
            return
        content["message_thread_id"] = thread
        content["is_topic_message"] = True
        if "reply_to_message" not in content:
            topic = self.telegram.topics.get((group.id, thread))
            content["reply_to_message"] = {
                "message_id": thread, "date": self._now(), "chat": group.to_api(),
                "from": self.telegram.bot_user(), "message_thread_id": thread,
                "is_topic_message": True,
                "forum_topic_created": {"name": topic.name if topic else "?",
                                        "icon_color": 7322096}}

    async def send(self, user: FakeUser, text: str, group: FakeGroup | None = None,
                   reply_to: Shown | None = None, settle: bool = True,
                   thread: int | None = None) -> None:
        """``settle=False``: do not wait for the bot's answer (a user typing fast).
        ``thread``: in that forum topic of ``group`` (a reply is in its message's topic)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/") and text[1:2].isalnum():  # "//" is no command
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            content["reply_to_message"] = self.telegram._to_api(reply_to)
            thread = thread or reply_to.thread_id
        self._topic_message(content, group, thread)
        await self._process({"message": self._message(user, group, **content)}, settle)

    async def send_photo(self, user: FakeUser, caption: str | None = None,
                         group: FakeGroup | None = None, reply_to: Shown | None = None,
                         thread: int | None = None) -> None:
        await self.send_media(user, "photo", caption, group, reply_to, thread=thread)

    async def send_media(self, user: FakeUser, kind: str, caption: str | None = None,
                         group: FakeGroup | None = None, reply_to: Shown | None = None,
                         settle: bool = True, thread: int | None = None) -> None:
        """A photo, voice, video, video note or document, with an optional caption."""
        file_id = f"{kind}-{next(self._query_ids)}"
        media: Any = {
            "photo": [{"file_id": file_id, "file_unique_id": "u", "width": 800, "height": 600}],
            "voice": {"file_id": file_id, "file_unique_id": "v", "duration": 3},
            "video": {"file_id": file_id, "file_unique_id": "w", "width": 640, "height": 480,
                      "duration": 5},
            "video_note": {"file_id": file_id, "file_unique_id": "n", "length": 240,
                           "duration": 5},
            "document": {"file_id": file_id, "file_unique_id": "d", "file_name": "a.pdf"},
        }[kind]
        content: dict[str, Any] = {kind: media}
        if caption is not None:
            content["caption"] = caption
        if reply_to is not None:
            content["reply_to_message"] = self.telegram._to_api(reply_to)
            thread = thread or reply_to.thread_id
        self._topic_message(content, group, thread)
        icon = {"photo": "📷", "voice": "🎤", "video": "🎬", "video_note": "⏺",
                "document": "📄"}[kind]
        await self._process({"message": self._message(
            user, group, display=f"{icon} {caption or ''}".strip(), **content)}, settle)

    async def send_sticker(self, user: FakeUser) -> None:
        sticker = {"file_id": "sticker", "file_unique_id": "s", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        await self._process({"message": self._message(user, None, display="🐼 (sticker)",
                                                      sticker=sticker)})

    async def send_voice(self, user: FakeUser) -> None:
        await self.send_media(user, "voice")

    async def share_contact(self, user: FakeUser, phone: str, owner: int | None = None,
                            name: tuple[str, str] | None = None) -> None:
        """Share a phone number; the contact carries the user's names unless ``name`` (first,
        last) says otherwise, as one from the phone's address book does."""
        first, last = name or (user.first_name, user.last_name)
        contact = {"phone_number": phone, "first_name": first,
                   "user_id": owner if owner is not None else user.id}
        if last:
            contact["last_name"] = last
        await self._process({"message": self._message(user, None, display=f"📞 {phone}",
                                                      contact=contact)})

    async def edit(self, user: FakeUser, message: Shown, text: str) -> None:
        data = {"message_id": message.message_id, "date": self._now(), "edit_date": self._now(),
                "chat": self._chat(user, None), "from": user.to_api(), "text": text}
        await self._process({"edited_message": data})

    async def click(self, user: FakeUser, message: Shown, label: str,
                    settle: bool = True) -> str | None:
        """Press the button whose label contains ``label``; return the bot's answer, if any."""
        return await self.press(user, message, message.data_for(label), settle)

    async def press_action(self, user: FakeUser, message: Shown, action: Action,
                           *args: int | str, settle: bool = True) -> str | None:
        """Press the button that asks for ``action`` (with arguments ending with ``args``,
        when several do); return the bot's answer, if any."""
        return await self.press(user, message, message.data_of(action, *args), settle)

    async def press(self, user: FakeUser, message: Shown, data: str,
                    settle: bool = True) -> str | None:
        """Press a button with any callback data, forged or not."""
        query_id = str(next(self._query_ids))
        await self._process({"callback_query": {
            "id": query_id, "from": user.to_api(), "chat_instance": "ci", "data": data,
            "message": self.telegram._to_api(message),
        }}, settle)
        answer = self.telegram.callback_answers.get(query_id)
        return answer.get("text") if answer else None

    async def bot_joins(self, group: FakeGroup, by: FakeUser) -> None:
        await self._membership(group, by, "left", "member")

    async def bot_removed(self, group: FakeGroup, by: FakeUser) -> None:
        await self._membership(group, by, "member", "kicked")

    async def _membership(self, group: FakeGroup, by: FakeUser, old: str, new: str) -> None:
        bot = self.telegram.bot_user()
        member: dict[str, Any] = {"user": bot, "status": new}
        if new == "kicked":
            member["until_date"] = 0
        await self._process({"my_chat_member": {
            "chat": group.to_api(), "from": by.to_api(), "date": self._now(),
            "old_chat_member": {"user": bot, "status": old}, "new_chat_member": member,
        }})

    # -- what users see --------------------------------------------------------------------------

    def chat(self, chat: FakeUser | FakeGroup | int) -> list[Shown]:
        chat_id = chat if isinstance(chat, int) else chat.id
        return list(self.telegram.chats.get(chat_id, []))

    def inbox(self, chat: FakeUser | FakeGroup | int) -> list[Shown]:
        """The bot's messages in a chat, oldest first."""
        return [m for m in self.chat(chat) if m.from_bot]

    def last(self, chat: FakeUser | FakeGroup | int) -> Shown:
        inbox = self.inbox(chat)
        if not inbox:
            raise AssertionError("the bot has sent nothing to this chat")
        return inbox[-1]

    def card(self, group: FakeGroup | int, number: int) -> Shown:
        """A ticket's card in a staff group: the bot's own message (not a reply) whose first
        line names the ticket."""
        for message in self.inbox(group):
            first = message.text.split("\n", 1)[0]
            if message.reply_to is None and re.search(rf"#{number}\b", first):
                return message
        raise AssertionError(f"no card of ticket #{number} in this group")

    def texts(self, chat: FakeUser | FakeGroup | int) -> list[str]:
        return [m.text for m in self.inbox(chat)]
