"""`sundown init`: the set-up's state and the config it writes. No Telegram here.

The owner finishes the set-up in Telegram (handlers/setup.py); what they chose so far is one
document in the data folder's hot file, written in the same transaction as the bot's answers,
so an interrupted set-up goes on where it stopped. At the end ``render_config`` turns it into a
commented ``config.toml`` that ``desk.config`` loads, and ``write_config`` puts it in place
atomically, readable by its owner only.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desk.config import WEEKDAYS, Settings, parse_settings
from desk.i18n import N_

# Roles an invitation gives.
TECHNICIAN = "technician"
MANAGER = "manager"


@dataclass(frozen=True)
class City:
    key: str
    name: str  # a message id: the city's name in the reader's language
    timezone: str
    lat: float
    lon: float


# The city buttons, and the reference points a shared location's time zone is taken from (the
# nearest one's). Every zone the bot offers this way is one `sundown check` resolves.
CITIES = (
    City("beijing", N_("Beijing"), "Asia/Shanghai", 39.9042, 116.4074),
    City("shanghai", N_("Shanghai"), "Asia/Shanghai", 31.2304, 121.4737),
    City("guangzhou", N_("Guangzhou"), "Asia/Shanghai", 23.1291, 113.2644),
    City("shenzhen", N_("Shenzhen"), "Asia/Shanghai", 22.5431, 114.0579),
    City("chengdu", N_("Chengdu"), "Asia/Shanghai", 30.5728, 104.0668),
    City("wuhan", N_("Wuhan"), "Asia/Shanghai", 30.5928, 114.3055),
    City("hongkong", N_("Hong Kong"), "Asia/Hong_Kong", 22.3193, 114.1694),
    City("macau", N_("Macau"), "Asia/Macau", 22.1987, 113.5439),
    City("taipei", N_("Taipei"), "Asia/Taipei", 25.0330, 121.5654),
    City("singapore", N_("Singapore"), "Asia/Singapore", 1.3521, 103.8198),
    City("kualalumpur", N_("Kuala Lumpur"), "Asia/Kuala_Lumpur", 3.1390, 101.6869),
    City("tokyo", N_("Tokyo"), "Asia/Tokyo", 35.6762, 139.6503),
)
# Only for a shared location: more zones than buttons.
_MORE_POINTS = (
    ("Asia/Shanghai", 43.8256, 87.6168),  # Ürümqi: China keeps Beijing time
    ("Asia/Shanghai", 29.6520, 91.1721),  # Lhasa
    ("Asia/Shanghai", 45.8038, 126.5350),  # Harbin
    ("Asia/Seoul", 37.5665, 126.9780),
    ("Asia/Bangkok", 13.7563, 100.5018),
    ("Asia/Ho_Chi_Minh", 10.8231, 106.6297),
    ("Asia/Manila", 14.5995, 120.9842),
    ("Asia/Jakarta", -6.2088, 106.8456),
    ("Asia/Dubai", 25.2048, 55.2708),
    ("Australia/Sydney", -33.8688, 151.2093),
    ("Europe/London", 51.5074, -0.1278),
    ("Europe/Paris", 48.8566, 2.3522),
    ("Europe/Berlin", 52.5200, 13.4050),
    ("America/New_York", 40.7128, -74.0060),
    ("America/Los_Angeles", 34.0522, -118.2437),
    ("America/Toronto", 43.6532, -79.3832),
    ("America/Vancouver", 49.2827, -123.1207),
)

OPENING_TIMES = ("07:00", "08:00", "09:00", "10:00", "11:00")
CLOSING_TIMES = ("17:00", "18:00", "19:00", "20:00", "21:00", "22:00", "23:00")
# Which days a store opens: the choices' keys, their labels and their weekdays.
OPEN_DAYS = {
    "all": (N_("Every day"), WEEKDAYS),
    "mon_sat": (N_("Monday to Saturday"), WEEKDAYS[:6]),
    "mon_fri": (N_("Monday to Friday"), WEEKDAYS[:5]),
}


def city(key: str) -> City | None:
    return next((c for c in CITIES if c.key == key), None)


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


def nearest_zone(lat: float, lon: float) -> str:
    """The time zone of the nearest reference point: right for the places the bot is made
    for; a store far from all of them can be corrected by hand in the config."""
    points = [(c.timezone, c.lat, c.lon) for c in CITIES] + list(_MORE_POINTS)
    return min(points, key=lambda p: _distance(lat, lon, p[1], p[2]))[0]


@dataclass
class DraftStore:
    """A store as far as the owner has set it up."""

    id: str
    name: str
    language: str
    managers: list[int] = field(default_factory=list)
    technicians: list[dict[str, Any]] = field(default_factory=list)  # {user_id, name}
    staff_chat_id: int | None = None
    group_title: str = ""
    timezone: str | None = None
    lat: float | None = None
    lon: float | None = None
    opens: str | None = None  # "09:00"
    closes: str | None = None
    days: str | None = None  # a key of OPEN_DAYS

    @property
    def hours_set(self) -> bool:
        return bool(self.opens and self.closes and self.days)

    def missing(self) -> list[str]:
        """What this store still needs, as message ids (translated by the reader)."""
        gaps = []
        if self.timezone is None or self.lat is None:
            gaps.append(N_("its location"))
        if not self.hours_set:
            gaps.append(N_("its opening hours"))
        if self.staff_chat_id is None:
            gaps.append(N_("its staff group"))
        return gaps

    def staff_ids(self) -> set[int]:
        return {*self.managers, *(t["user_id"] for t in self.technicians)}


@dataclass
class SetupState:
    """Everything the set-up has gathered; one JSON document."""

    code: str  # the owner's one-time code: /start setup-<code>
    owner_id: int | None = None
    owner_name: str = ""
    language: str = "zh_CN"  # the owner's: the set-up's, the config's default language
    bot_username: str = ""
    proxy: str | None = None
    stores: list[DraftStore] = field(default_factory=list)
    invites: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> {store, role}
    awaiting: str | None = None  # what the owner's next text or location is: "name", "location"
    current: str | None = None  # the store being set up

    @classmethod
    def new(cls, bot_username: str = "", proxy: str | None = None) -> SetupState:
        return cls(code=secrets.token_hex(8), bot_username=bot_username, proxy=proxy)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> SetupState:
        doc = dict(doc)
        doc["stores"] = [DraftStore(**s) for s in doc.get("stores", [])]
        return cls(**doc)

    # -- the steps -------------------------------------------------------------------------------

    def store(self, store_id: str | None) -> DraftStore | None:
        return next((s for s in self.stores if s.id == store_id), None)

    def claim(self, code: str, user_id: int, name: str, language: str) -> bool:
        """The owner's /start setup-<code>: the first to bring the right code owns the bot;
        nobody after them, whatever code they bring."""
        if self.owner_id is not None or not secrets.compare_digest(code, self.code):
            return False
        self.owner_id, self.owner_name, self.language = user_id, name, language
        self.awaiting = "name"
        return True

    def add_store(self, name: str) -> DraftStore:
        """A new store, named by the owner; the owner is its first manager."""
        store = DraftStore(id=_store_id(name, {s.id for s in self.stores}), name=name,
                           language=self.language, managers=[self.owner_id or 0])
        self.stores.append(store)
        self.current = store.id
        self.awaiting = "location"
        return store

    def invite(self, store_id: str, role: str) -> str:
        code = secrets.token_hex(6)
        self.invites[code] = {"store": store_id, "role": role}
        return code

    def join(self, code: str, user_id: int, name: str) -> tuple[DraftStore, str] | None:
        """Someone opened an invitation: they join its store in its role, and the invitation
        is spent. None for a code that is unknown or spent."""
        invite = self.invites.pop(code, None)
        store = self.store(invite["store"]) if invite else None
        if invite is None or store is None:
            return None
        if invite["role"] == MANAGER:
            if user_id not in store.managers:
                store.managers.append(user_id)
        elif all(t["user_id"] != user_id for t in store.technicians):
            store.technicians.append({"user_id": user_id, "name": name})
        return store, invite["role"]

    def group_taken(self, chat_id: int) -> DraftStore | None:
        return next((s for s in self.stores if s.staff_chat_id == chat_id), None)

    def missing(self) -> list[tuple[DraftStore | None, str]]:
        if not self.stores:
            return [(None, N_("a store"))]
        return [(s, gap) for s in self.stores for gap in s.missing()]


_SLUG = re.compile(r"[^a-z0-9]+")


def _store_id(name: str, taken: set[str]) -> str:
    """A deep-link-safe id from a Latin name ("East Side" -> east_side), else store1, store2."""
    slug = _SLUG.sub("_", name.lower()).strip("_")[:24]
    if slug and slug[0].isalpha() and slug not in taken:
        return slug
    number = 1
    while f"store{number}" in taken:
        number += 1
    return f"store{number}"


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def render_config(state: SetupState, written_on: str) -> str:
    """The commented config.toml of a finished set-up."""
    lines = [
        f"# Sundown configuration, written by `sundown init` on {written_on}.",
        "# Edit it by hand as you like: README, \"Configuration\", lists every key. Then run",
        "# `sundown check --config config.toml` and restart the bot.",
        "# The bot token is not kept here: it comes from TELEGRAM_BOT_TOKEN.",
        "",
        "# Where tickets and customers are stored (relative to this file).",
        'data_dir = "data"',
        "# The language for anyone whose Telegram language is not one we ship: zh_CN, zh_TW, en.",
        f"default_language = {_string(state.language)}",
        "# For `sundown links`: each store's deep link and QR poster.",
        f"bot_username = {_string(state.bot_username)}",
    ]
    if state.proxy:
        lines += ["# The HTTP or SOCKS5 proxy to the Bot API.", f"proxy = {_string(state.proxy)}"]
    for store in state.stores:
        days = OPEN_DAYS[store.days or "all"][1]
        lines += [
            "",
            "[[stores]]",
            f"id = {_string(store.id)}  # letters, digits, _: the deep link is s_{store.id}",
            f"name = {_string(store.name)}",
            f"staff_chat_id = {store.staff_chat_id}  # the staff group"
            + (f" ({_comment(store.group_title)})" if store.group_title else ""),
            "# Telegram user ids of the managers (anyone learns theirs with /whoami).",
            f"managers = [{', '.join(str(m) for m in store.managers)}]",
            f"timezone = {_string(store.timezone or 'Asia/Shanghai')}",
            f"language = {_string(store.language)}  # the language of the staff cards",
            f"location = {{ lat = {store.lat:.4f}, lon = {store.lon:.4f} }}"
            "  # for sunset-based deadlines",
            "",
            '[stores.hours]  # "HH:MM-HH:MM" or "closed"; a missing day is closed',
            *(f'{day} = "{store.opens}-{store.closes}"' if day in days else f'{day} = "closed"'
              for day in WEEKDAYS),
        ]
        for technician in store.technicians:
            lines += [
                "",
                "[[stores.technicians]]  # new tickets go to the least-loaded one on duty",
                f"user_id = {technician['user_id']}",
                f"name = {_string(technician['name'])}",
                f"on_duty = [{', '.join(_string(d) for d in days)}]",
            ]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return " ".join(text.split())


def check_config(text: str, config_path: Path) -> Settings:
    """The written config must load as `sundown run` will load it (raises ConfigError)."""
    return parse_settings(text, base_dir=config_path.parent)


def write_config(path: Path, text: str) -> None:
    """Put ``text`` at ``path`` atomically (temp file, fsync, rename), mode 0600: the config
    names the staff's Telegram ids."""
    folder = path.parent
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def setup_settings(config_path: Path, proxy: str | None = None,
                   base_url: str | None = None) -> Settings:
    """The settings the set-up mode runs on: no store yet, the data folder beside the config
    (where the written config will put it)."""
    values: dict[str, Any] = {"stores": (), "data_dir": config_path.parent / "data",
                              "proxy": proxy}
    if base_url:
        values["base_url"] = base_url
    return Settings(**values)
