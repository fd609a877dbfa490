"""Who is asking: Telegram's Mini App init data, checked the way Telegram specifies it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app

The page sends the init data Telegram gave it with every API call (``Authorization: tma
<initData>``). It is signed with a key derived from the bot token: the data-check string (every
field but ``hash``, sorted, ``key=value`` joined by newlines) hashed with HMAC-SHA256 under
HMAC-SHA256("WebAppData", token). Data older than the configured age is refused, so a leaked
link stops working; so is data dated in the future beyond a little clock skew.

Download links (the CSV export) cannot carry a header: they carry a short-lived token signed
with the same secret instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

CLOCK_SKEW = 300  # seconds a client's auth_date may be ahead of ours
SCHEME = "tma"


class Unauthorized(Exception):
    """No init data, or init data Telegram did not sign, or too old: HTTP 401."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    last_name: str
    username: str
    language_code: str | None
    auth_date: int

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.username


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """Init data as Telegram makes it: ``fields`` plus their hash (for tests and dev links)."""
    digest = hmac.new(_secret(token), data_check_string(fields).encode(),
                      hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_data_for(user: dict, token: str, auth_date: int) -> str:
    """Signed init data for ``user`` (id, first_name, language_code...) at ``auth_date``."""
    return sign({"auth_date": str(auth_date), "query_id": "AAH-sundown",
                 "user": json.dumps(user, ensure_ascii=False, separators=(",", ":"))}, token)


def verify(init_data: str, token: str, now: float, max_age: int) -> WebAppUser:
    """The user the init data names, if Telegram signed it for this bot within ``max_age``
    seconds; else Unauthorized."""
    if not init_data or len(init_data) > 8192:
        raise Unauthorized("no init data")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise Unauthorized("init data is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Unauthorized("a field appears twice")
    given = fields.get("hash", "")
    expected = hmac.new(_secret(token), data_check_string(fields).encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("the signature does not match")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthorized("init data without a user") from exc
    if auth_date + max_age < now:
        raise Unauthorized("init data expired")
    if auth_date > now + CLOCK_SKEW:
        raise Unauthorized("init data from the future")
    return WebAppUser(id=user_id, first_name=str(user.get("first_name", "")),
                      last_name=str(user.get("last_name", "")),
                      username=str(user.get("username", "")),
                      language_code=user.get("language_code"), auth_date=auth_date)


def from_header(value: str | None) -> str:
    """The init data of an ``Authorization: tma <initData>`` header."""
    scheme, _, data = (value or "").partition(" ")
    return data.strip() if scheme.lower() == SCHEME else ""


# -- download links ------------------------------------------------------------------------


def _link_key(token: str) -> bytes:
    return hmac.new(b"SundownDownload", token.encode(), hashlib.sha256).digest()


def download_token(claims: dict, token: str, expires: float) -> str:
    body = base64.urlsafe_b64encode(json.dumps({**claims, "exp": int(expires)},
                                               separators=(",", ":")).encode()).decode()
    mac = hmac.new(_link_key(token), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def read_download_token(value: str, token: str, now: float | None = None) -> dict:
    body, _, mac = value.rpartition(".")
    expected = hmac.new(_link_key(token), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise Unauthorized("the link is not ours")
    try:
        claims = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError as exc:
        raise Unauthorized("the link is damaged") from exc
    if not isinstance(claims, dict) or claims.get("exp", 0) < (time.time() if now is None
                                                                else now):
        raise Unauthorized("the link expired")
    return claims
