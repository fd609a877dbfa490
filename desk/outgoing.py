"""What the bot has to say, as a durable record: the outbox's entries.

An entry is written in the same atomic write of the hot file as the state change that causes it
(a confirmation writes the ticket, the acknowledgement and the card together), so a crash after
that write still delivers it after a restart. The sender (``outbox.sender``) delivers entries
within Telegram's limits and records the outcome: a delivered entry leaves the hot file (its
message id is kept where it is needed, e.g. as the ticket's card); a failed one stays, with its
reason, until a digest has listed it.

Messages are addressed by chat; a message may also point at another message: the one it
replies to, or the one it edits. Such a pointer is either a Telegram message id or a
:class:`Ref` to a field of a ticket (its card, its restatement), which the sender reads when
it sends, so an edit queued before the card was posted still finds the card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Priority(IntEnum):
    """Who goes first when Telegram's limits leave room for only some (lower is sooner)."""

    REPLY = 0  # a customer's own replies, manager alerts, prompts staff asked for
    CARD = 1  # a new ticket's card
    NOTICE = 2  # something staff must notice: a new message in the group, under the card
    EDIT = 3  # a card shown again in its new state
    BULK = 4  # digests, greeting campaigns, progress reports: whatever room is left


class Method(StrEnum):
    SEND = "send"  # sendMessage
    EDIT = "edit"  # editMessageText (with its keyboard)
    KEYBOARD = "keyboard"  # editMessageReplyMarkup
    PHOTO = "photo"  # sendPhoto, a file from the data folder or a Telegram file id
    DOCUMENT = "document"
    VOICE = "voice"
    VIDEO = "video"
    COPY = "copy"  # copyMessage: a user's own message passed on as it is
    DELETE = "delete"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"  # delivered: the entry leaves the hot file for the day's sent log
    FAILED = "failed"  # for good: the reason says why; listed in the next digest


@dataclass(frozen=True)
class Ref:
    """A message id kept in a field of a ticket: ``Ref(key, "card_message_id")``."""

    ticket: str
    field: str

    def to_dict(self) -> dict[str, str]:
        return {"ticket": self.ticket, "field": self.field}


Pointer = int | Ref | None


def _pointer(value: Any) -> Pointer:
    if isinstance(value, dict):
        return Ref(value["ticket"], value["field"])
    return None if value is None else int(value)


def _pointer_dict(value: Pointer) -> Any:
    return value.to_dict() if isinstance(value, Ref) else value


@dataclass
class Outgoing:
    id: str
    chat_id: int
    kind: str  # what it is, in logs and the digest: "acknowledgement", "card", "alert", ...
    priority: Priority = Priority.REPLY
    method: Method = Method.SEND
    seq: int = 0  # the order of entries, for FIFO within a chat and a priority
    text: str | None = None  # HTML (or plain, when ``plain``)
    markup: dict[str, Any] | None = None  # reply_markup as the Bot API's JSON
    target: Pointer = None  # the message an edit, keyboard change or delete applies to
    reply_to: Pointer = None
    file: str | None = None  # a photo or document: a path in the data folder, or a file id
    filename: str | None = None
    source: tuple[int, int] | None = None  # COPY: (from chat, message id)
    ticket: str | None = None  # the ticket's key, when the message belongs to one
    number: int | None = None  # its number, for logs
    store_id: str | None = None
    remember: str | None = None  # a ticket field that keeps the sent message's id
    merge: str | None = None  # a pending entry with the same merge key absorbs a newer one
    fallback: dict[str, Any] | None = None  # an entry to queue if this one fails for good
    at_most_once: bool = False  # after an answer Telegram may have lost: never send again
    plain: bool = False  # no parse mode (a last resort when Telegram rejected the HTML)
    status: Status = Status.PENDING
    created_at: str = ""  # ISO, the desk's clock: retries give up a day after this
    attempts: int = 0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # Bot API parameters passed as they are

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["priority"] = int(self.priority)
        data["method"] = self.method.value
        data["status"] = self.status.value
        data["target"] = _pointer_dict(self.target)
        data["reply_to"] = _pointer_dict(self.reply_to)
        data["source"] = list(self.source) if self.source else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outgoing:
        data = dict(data)
        data["priority"] = Priority(data.get("priority", Priority.REPLY))
        data["method"] = Method(data.get("method", Method.SEND))
        data["status"] = Status(data.get("status", Status.PENDING))
        data["target"] = _pointer(data.get("target"))
        data["reply_to"] = _pointer(data.get("reply_to"))
        data["source"] = tuple(data["source"]) if data.get("source") else None
        data["markup"] = dict(data["markup"]) if data.get("markup") else None
        data["extra"] = dict(data.get("extra") or {})
        return cls(**data)

    @property
    def order(self) -> tuple[int, int]:
        return (int(self.priority), self.seq)
