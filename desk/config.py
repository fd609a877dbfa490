"""Settings for a chain of stores, read from TOML and checked key by key.

A bad config must stop start-up with a message that names the key and says what is wrong, so
every check below reports a dotted path such as ``stores[east].hours.mon`` (a store by its id,
not by its position), and where a common mistake is recognised, how to write it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desk.guard import DEFAULT_PHRASES, Phrase, configured
from desk.i18n import DEFAULT_LANGUAGE, LANGUAGES

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_STORE_ID = re.compile(r"^[A-Za-z0-9_]{1,32}$")


_STORE_KEYS = {
    "id", "name", "staff_chat_id", "managers", "timezone", "language", "location", "hours",
    "products", "product_aliases", "technicians", "holidays_country", "holidays_subdivision",
    "closed_on_holidays", "closed_dates", "promises", "digest_time", "greetings",
    "relay_signature", "guard", "facts", "staff_topics",
}
# A store's facts that answer customers' questions at once (desk/answers.py); the opening
# hours come from ``hours``.
FACT_KEYS = ("address", "phone", "warranty", "invoice", "membership", "delivery", "returns")
_GUARD_KEYS = {"sop_phrases", "phrases"}
_GUARD_PHRASE_KEYS = {"phrase", "suggestion"}
# How a staff member's message is signed for the customer: store and name, or the store only.
RELAY_SIGNATURES = ("name", "store")


PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://")


class ConfigError(ValueError):
    """A config value is missing or wrong; ``key`` names where."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Technician:
    user_id: int
    name: str
    on_duty: frozenset[int]  # weekday numbers, Monday = 0

    def on_duty_on(self, weekday: int) -> bool:
        return weekday in self.on_duty


@dataclass(frozen=True)
class Promises:
    """The timing of the SOP's promises for one store; every value has a sensible default."""

    use_sunset: bool = True  # the contact deadline is the earlier of closing time and sunset
    reminder_before: timedelta = timedelta(minutes=60)
    nudge_every: timedelta = timedelta(minutes=30)  # while nobody has claimed a ticket
    retry_after: timedelta = timedelta(minutes=60)  # after "called, no answer"
    reply_reminder_before: timedelta = timedelta(minutes=60)  # before an escalation's reply time
    callback_after_days: int = 1  # satisfaction callback: this many opening days after service
    callback_time: time = time(10, 0)
    vip_contact_within: timedelta | None = None  # VIPs: a shorter contact deadline, if set
    # Safety or a threat (issue 20): contact within this, if sooner than the day's deadline.
    urgent_contact_within: timedelta = timedelta(minutes=60)


GREETABLE = ("new_year", "spring_festival", "labour_day", "dragon_boat", "mid_autumn",
             "national_day")


@dataclass(frozen=True)
class Greetings:
    """Regular customers and their holiday greetings (seed 004: 过年过节打个电话)."""

    enabled: bool = True
    time: time = time(9, 0)
    holidays: tuple[str, ...] = ("new_year", "spring_festival", "mid_autumn", "national_day")
    custom: tuple[tuple[int, int, str], ...] = ()  # (month, day, name), e.g. the anniversary
    regular_after: int = 3  # recorded visits that make a regular (complaints do not)
    rate_per_second: float = 28.0  # just below Telegram's ~30 messages/s per bot


@dataclass(frozen=True)
class StoreConfig:
    id: str
    name: str
    staff_chat_id: int
    managers: tuple[int, ...]
    timezone: ZoneInfo
    hours: dict[int, tuple[time, time] | None]  # weekday -> (open, close) or None when closed
    latitude: float
    longitude: float
    language: str
    technicians: tuple[Technician, ...] = ()
    products: tuple[str, ...] = ()
    # The store's own other names for its products: (("电热水壶", ("小白壶",)),).
    product_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    holidays_country: str = "CN"
    holidays_subdivision: str | None = None
    closed_on_holidays: bool = False  # retail is open on public holidays unless set
    closed_dates: frozenset[date] = frozenset()
    promises: Promises = field(default_factory=Promises)
    digest_time: time = time(20, 0)  # when the managers get the daily digest, local time
    greetings: Greetings = field(default_factory=Greetings)
    relay_signature: str = "name"
    guard_phrases: tuple[Phrase, ...] = DEFAULT_PHRASES
    # fact key -> {language: text}; a fact written once (a plain string) is under "".
    facts: dict[str, dict[str, str]] = field(default_factory=dict)
    # Forum topics in the staff group (a topic per ticket): None follows the group (a forum
    # gets topics), true or false forces it.
    staff_topics: bool | None = None

    def technician(self, user_id: int) -> Technician | None:
        return next((t for t in self.technicians if t.user_id == user_id), None)

    def is_manager(self, user_id: int) -> bool:
        return user_id in self.managers


@dataclass(frozen=True)
class Settings:
    stores: tuple[StoreConfig, ...]
    data_dir: Path
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str | None = None
    default_language: str = DEFAULT_LANGUAGE
    bot_username: str = ""
    # The Bot API is not reachable directly from mainland China: an HTTP or SOCKS5 proxy.
    proxy: str | None = None
    # The managers' desk (a Telegram Mini App): its public HTTPS address, where the bot's own
    # web server listens (behind a reverse proxy), and how long Telegram's init data is good.
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = 8090  # 8081 is a self-hosted Bot API server's
    webapp_max_age: int = 86400
    extra: dict[str, Any] = field(default_factory=dict)

    def store(self, store_id: str) -> StoreConfig | None:
        return next((s for s in self.stores if s.id == store_id), None)

    def store_for_group(self, chat_id: int) -> StoreConfig | None:
        return next((s for s in self.stores if s.staff_chat_id == chat_id), None)

    def stores_managed_by(self, user_id: int) -> list[StoreConfig]:
        return [s for s in self.stores if s.is_manager(user_id)]


def load_settings(path: str | Path) -> Settings:
    """Read and check a TOML config file; relative data_dir is taken from the file's folder."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the config file ({exc.strerror})") from exc
    return parse_settings(_decode(raw, str(path)), base_dir=path.parent)


_SAVE_AS_UTF8 = ("save it as UTF-8 (Notepad: File > Save as > Encoding: UTF-8; "
                 "iconv -f {0} -t UTF-8)")


def _decode(raw: bytes, key: str) -> str:
    """The file's text: UTF-8, with or without Notepad's byte order mark. A file saved as
    UTF-16 or GBK (what Chinese Windows editors often choose) is one clear error."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:200]:
        raise ConfigError(key, "the file is saved as UTF-16: " + _SAVE_AS_UTF8.format("UTF-16"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            raw.decode("gb18030")
            guess = "GBK"
        except UnicodeDecodeError:
            guess = "another encoding"
        raise ConfigError(key, f"the file is not UTF-8 (saved as {guess}?): "
                          + _SAVE_AS_UTF8.format("GBK" if guess == "GBK" else "<encoding>")
                          ) from exc


def parse_settings(text: str, *, base_dir: Path = Path()) -> Settings:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(file)", f"not valid TOML: {exc}") from exc
    return settings_from_dict(raw, base_dir=base_dir)


_TOP_KEYS = {"data_dir", "telegram_base_url", "telegram_base_file_url", "default_language",
             "bot_username", "stores", "proxy", "webapp_url", "webapp_listen", "webapp_port",
             "webapp_max_age"}
_TOKEN_KEYS = {"token", "bot_token", "telegram_bot_token", "telegram_token", "api_token"}


def settings_from_dict(raw: dict[str, Any], *, base_dir: Path = Path()) -> Settings:
    _only_known(raw, _TOP_KEYS, "")
    default_language = _language(raw.get("default_language", DEFAULT_LANGUAGE), "default_language")
    stores_raw = raw.get("stores")
    if isinstance(stores_raw, dict):
        raise ConfigError("stores", "each store is a [[stores]] table, with two brackets: "
                          "write [[stores]], not [stores]")
    if not isinstance(stores_raw, list) or not stores_raw:
        raise ConfigError("stores", "at least one [[stores]] table is required")
    stores = tuple(
        _store(s, _store_key(s, i), default_language) for i, s in enumerate(stores_raw)
    )
    _unique([s.id for s in stores], "stores[].id")
    _unique([s.staff_chat_id for s in stores], "stores[].staff_chat_id")
    data_dir = Path(_str(raw.get("data_dir", "data"), "data_dir"))
    if not data_dir.is_absolute():
        data_dir = base_dir / data_dir
    base_url = _str(raw.get("telegram_base_url", DEFAULT_BASE_URL), "telegram_base_url")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            "telegram_base_url", f"must start with http:// or https://, got {base_url!r}"
        )
    file_url = raw.get("telegram_base_file_url")
    if file_url is not None:
        file_url = _str(file_url, "telegram_base_file_url")
    proxy = raw.get("proxy")
    if proxy is not None:
        proxy = _str(proxy, "proxy")
        if not proxy.startswith(PROXY_SCHEMES):
            raise ConfigError("proxy", "must start with http://, https://, socks5:// or "
                              f"socks5h://, got {proxy!r}")
    webapp_url = raw.get("webapp_url")
    if webapp_url is not None:
        webapp_url = _str(webapp_url, "webapp_url").rstrip("/")
        if not webapp_url.startswith("https://"):
            raise ConfigError("webapp_url", "Telegram opens Mini Apps only over HTTPS: must "
                              f"start with https://, got {webapp_url!r}")
    port = raw.get("webapp_port", Settings.webapp_port)
    if not _is_int(port) or not 0 <= port <= 65535:
        raise ConfigError("webapp_port", f"must be a port number from 0 to 65535, got {port!r}"
                          + _unquote_hint(port))
    max_age = raw.get("webapp_max_age", 86400)
    if not _is_int(max_age) or not 60 <= max_age <= 30 * 86400:
        raise ConfigError("webapp_max_age", "must be seconds from 60 to 2592000 (30 days), "
                          f"got {max_age!r}")
    return Settings(
        webapp_url=webapp_url,
        webapp_listen=_str(raw.get("webapp_listen", "127.0.0.1"), "webapp_listen"),
        webapp_port=port,
        webapp_max_age=max_age,
        stores=stores,
        data_dir=data_dir,
        base_url=base_url,
        base_file_url=file_url,
        proxy=proxy,
        default_language=default_language,
        bot_username=_str(raw.get("bot_username", ""), "bot_username").lstrip("@"),
    )


def _store_key(raw: Any, index: int) -> str:
    """A store's place in error messages: by its id (``stores[east]``), which the owner knows;
    by its order in the file when it has no usable id."""
    store_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(store_id, str) and _STORE_ID.match(store_id):
        return f"stores[{store_id}]"
    return f"stores[no. {index + 1}]"


def _store(raw: Any, key: str, default_language: str) -> StoreConfig:
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table")
    # Checked first, so that a misspelt required key is reported as the typo, not as missing.
    _only_known(raw, _STORE_KEYS, key, parent=_TOP_KEYS - {"stores"},
                parent_table="the first [[stores]]")
    store_id = _str(_required(raw, "id", key), f"{key}.id")
    if not _STORE_ID.match(store_id):
        raise ConfigError(f"{key}.id", "use 1-32 letters, digits or _ (it goes into deep links)")
    tz_name = _str(raw.get("timezone", "Asia/Shanghai"), f"{key}.timezone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{key}.timezone", f"unknown time zone {tz_name!r}"
                          + _zone_hint(tz_name)) from exc
    location = raw.get("location", {})
    if not isinstance(location, dict):
        raise ConfigError(f"{key}.location", "must be a table like { lat = 31.2, lon = 121.5 }")
    _only_known(location, {"lat", "lon"}, f"{key}.location")
    lat = _number(_required(location, "lat", f"{key}.location"), f"{key}.location.lat", -90, 90)
    lon = _number(_required(location, "lon", f"{key}.location"), f"{key}.location.lon", -180, 180)
    managers = raw.get("managers", [])
    if not isinstance(managers, list) or not all(_is_int(m) for m in managers):
        raise ConfigError(f"{key}.managers", "must be a list of Telegram user ids (numbers)"
                          + _unquote_hint(managers))
    if not managers:
        raise ConfigError(f"{key}.managers", "at least one manager is needed for escalations")
    chat_id = _required(raw, "staff_chat_id", key)
    if not _is_int(chat_id) or chat_id >= 0:
        raise ConfigError(f"{key}.staff_chat_id", "must be the (negative) id of the staff group"
                          + _unquote_hint(chat_id))
    techs = raw.get("technicians", [])
    if not isinstance(techs, list):
        raise ConfigError(f"{key}.technicians", "must be a list of [[stores.technicians]] tables")
    technicians = tuple(_technician(t, f"{key}.technicians[{i}]") for i, t in enumerate(techs))
    _unique([t.user_id for t in technicians], f"{key}.technicians[].user_id")
    products = raw.get("products", [])
    if not isinstance(products, list) or not all(isinstance(p, str) and p for p in products):
        raise ConfigError(f"{key}.products", "must be a list of product names")
    aliases = _product_aliases(raw.get("product_aliases", {}), products, f"{key}.product_aliases")
    country = _str(raw.get("holidays_country", "CN"), f"{key}.holidays_country")
    subdivision = raw.get("holidays_subdivision")
    if subdivision is not None:
        subdivision = _str(subdivision, f"{key}.holidays_subdivision")
    _check_holidays(country, subdivision, key)
    closed = raw.get("closed_dates", [])
    if not isinstance(closed, list) or not all(
        isinstance(d, date) and not isinstance(d, datetime) for d in closed
    ):
        raise ConfigError(f"{key}.closed_dates", "must be a list of dates like 2026-12-24")
    closed_on_holidays = raw.get("closed_on_holidays", False)
    if not isinstance(closed_on_holidays, bool):
        raise ConfigError(f"{key}.closed_on_holidays", "must be true or false")
    return StoreConfig(
        id=store_id,
        name=_str(_required(raw, "name", key), f"{key}.name"),
        staff_chat_id=chat_id,
        managers=tuple(managers),
        timezone=tz,
        hours=_hours(raw.get("hours"), f"{key}.hours"),
        latitude=lat,
        longitude=lon,
        language=_language(raw.get("language", default_language), f"{key}.language"),
        technicians=technicians,
        products=tuple(products),
        product_aliases=aliases,
        holidays_country=country,
        holidays_subdivision=subdivision,
        closed_on_holidays=closed_on_holidays,
        closed_dates=frozenset(closed),
        promises=_promises(raw.get("promises", {}), f"{key}.promises"),
        digest_time=_clock_time(raw.get("digest_time", "20:00"), f"{key}.digest_time"),
        greetings=_greetings(raw.get("greetings", {}), f"{key}.greetings"),
        relay_signature=_relay_signature(raw.get("relay_signature", "name"),
                                         f"{key}.relay_signature"),
        guard_phrases=_guard(raw.get("guard", {}), f"{key}.guard"),
        facts=_facts(raw.get("facts", {}), f"{key}.facts"),
        staff_topics=_staff_topics(raw.get("staff_topics"), f"{key}.staff_topics"),
    )


def _staff_topics(raw: Any, key: str) -> bool | None:
    if raw is not None and not isinstance(raw, bool):
        raise ConfigError(key, "must be true or false (or left out: a forum group gets topics)")
    return raw


def _facts(raw: Any, key: str) -> dict[str, dict[str, str]]:
    """``[stores.facts]``: each fact a text, or a table of texts per language
    (``{ zh_CN = "...", en = "..." }``)."""
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table like { address = \"...\", phone = \"...\" }")
    _only_known(raw, set(FACT_KEYS), key)
    facts: dict[str, dict[str, str]] = {}
    for name, value in raw.items():
        where = f"{key}.{name}"
        texts = {"": value} if isinstance(value, str) else value
        if not isinstance(texts, dict) or not texts:
            raise ConfigError(where, 'must be a text, or a table like { zh_CN = "...", '
                              'en = "..." }')
        for language, text in texts.items():
            if language:
                _language(language, f"{where}.{language}")
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{where}.{language}" if language else where,
                                  "must be a text that is not empty")
        facts[name] = {language: text.strip() for language, text in texts.items()}
    return facts


def _guard(raw: Any, key: str) -> tuple[Phrase, ...]:
    """``[stores.guard]``: the SOP's eight forbidden phrases (``sop_phrases = false`` drops
    them) and the store's own, ``phrases = [{ phrase = "...", suggestion = "..." }]``."""
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table")
    _only_known(raw, _GUARD_KEYS, key)
    keep = raw.get("sop_phrases", True)
    if not isinstance(keep, bool):
        raise ConfigError(f"{key}.sop_phrases", "must be true or false")
    entries = raw.get("phrases", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{key}.phrases", "must be a list of { phrase = ..., suggestion = ... }")
    for index, entry in enumerate(entries):
        where = f"{key}.phrases[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(where, "must be { phrase = ..., suggestion = ... }")
        _only_known(entry, _GUARD_PHRASE_KEYS, where)
        phrase = entry.get("phrase")
        if not isinstance(phrase, str) or not any(ch.isalnum() for ch in phrase):
            raise ConfigError(f"{where}.phrase", "must be a text with letters in it")
        if not isinstance(entry.get("suggestion", ""), str):
            raise ConfigError(f"{where}.suggestion", "must be a text")
    return configured(entries, keep)


def _relay_signature(raw: Any, key: str) -> str:
    if raw not in RELAY_SIGNATURES:
        raise ConfigError(key, 'must be "name" (the store and the staff member\'s name) or '
                          '"store" (the store\'s name only)')
    return str(raw)


def _greetings(raw: Any, key: str) -> Greetings:
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table")
    _only_known(raw, {"enabled", "time", "holidays", "custom", "regular_after",
                      "rate_per_second"}, key)
    values: dict[str, Any] = {}
    if "enabled" in raw:
        if not isinstance(raw["enabled"], bool):
            raise ConfigError(f"{key}.enabled", "must be true or false")
        values["enabled"] = raw["enabled"]
    if "time" in raw:
        values["time"] = _clock_time(raw["time"], f"{key}.time")
    if "holidays" in raw:
        holidays = raw["holidays"]
        if not isinstance(holidays, list) or any(h not in GREETABLE for h in holidays):
            raise ConfigError(f"{key}.holidays", f"must be a list from {list(GREETABLE)}")
        values["holidays"] = tuple(holidays)
    if "custom" in raw:
        custom = []
        for i, item in enumerate(raw["custom"] if isinstance(raw["custom"], list) else [None]):
            where = f"{key}.custom[{i}]"
            if isinstance(item, dict):
                _only_known(item, {"date", "name"}, where)
            match = re.match(r"^(\d{2})-(\d{2})$", str(item.get("date", ""))) \
                if isinstance(item, dict) else None
            if not match or not isinstance(item.get("name"), str) or not item["name"]:
                raise ConfigError(where, 'must be a table like { date = "11-28", name = "店庆" }')
            month, day = int(match.group(1)), int(match.group(2))
            try:
                date(2028, month, day)  # a leap year accepts 02-29
            except ValueError as exc:
                raise ConfigError(f"{where}.date", f"not a day of the year: {item['date']!r}"
                                  ) from exc
            custom.append((month, day, item["name"]))
        values["custom"] = tuple(custom)
    if "regular_after" in raw:
        if not _is_int(raw["regular_after"]) or not 1 <= raw["regular_after"] <= 100:
            raise ConfigError(f"{key}.regular_after", "must be a whole number, 1 to 100")
        values["regular_after"] = raw["regular_after"]
    if "rate_per_second" in raw:
        rate = raw["rate_per_second"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 30:
            raise ConfigError(f"{key}.rate_per_second", "must be a number above 0, at most 30")
        values["rate_per_second"] = float(rate)
    return Greetings(**values)


def _clock_time(value: Any, key: str) -> time:
    if isinstance(value, time):  # TOML reads an unquoted 20:00:00 as a time of day
        raise ConfigError(key, f'write the time in quotes: "{value:%H:%M}"')
    match = re.match(r"^(\d{1,2}):(\d{2})$", value) if isinstance(value, str) else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(key, f'expected "HH:MM", got {value!r}')
    return time(int(match.group(1)), int(match.group(2)))


def _check_holidays(country: str, subdivision: str | None, key: str) -> None:
    import holidays  # imported here: only config checking and the calendar need it

    supported = holidays.list_supported_countries()
    if country not in supported:
        hint = (f" (country codes are upper case: {country.upper()!r})"
                if country.upper() in supported else " (two letters, like 'CN', 'HK', 'TW')")
        raise ConfigError(f"{key}.holidays_country", f"unknown country code {country!r}{hint}")
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2026)
    except Exception as exc:  # NotImplementedError, or plain errors, for unknown subdivisions
        known = supported[country]
        which = (f"known for {country}: {', '.join(known)}" if known else
                 f"{country} has none: leave holidays_subdivision out")
        raise ConfigError(
            f"{key}.holidays_subdivision", f"unknown subdivision {subdivision!r} ({which})"
        ) from exc


_MINUTES = {
    "reminder_before_minutes": "reminder_before",
    "nudge_every_minutes": "nudge_every",
    "retry_after_minutes": "retry_after",
    "reply_reminder_before_minutes": "reply_reminder_before",
}


def _product_aliases(raw: Any, products: list[str],
                     key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """{ product = ["alias", ...] }: each product one of ``products``, each alias a name."""
    if not isinstance(raw, dict):
        raise ConfigError(key, 'must be a table like { "电热水壶" = ["小白壶"] }')
    aliases = {}
    for product, names in raw.items():
        if product not in products:
            raise ConfigError(f"{key}.{product}", "must be one of the store's products")
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip()
                                                  for n in names):
            raise ConfigError(f"{key}.{product}", "must be a list of names")
        aliases[product] = tuple(n.strip() for n in names)
    return tuple(aliases.items())


def _promises(raw: Any, key: str) -> Promises:
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table")
    _only_known(raw, {"use_sunset", "callback_after_days", "callback_time",
                      "vip_contact_within_minutes", "urgent_contact_minutes", *_MINUTES}, key)
    values: dict[str, Any] = {}
    if "use_sunset" in raw:
        if not isinstance(raw["use_sunset"], bool):
            raise ConfigError(f"{key}.use_sunset", "must be true or false")
        values["use_sunset"] = raw["use_sunset"]
    for name, attribute in _MINUTES.items():
        if name in raw:
            minutes = raw[name]
            if not _is_int(minutes) or not 1 <= minutes <= 24 * 60:
                raise ConfigError(f"{key}.{name}", "must be a whole number of minutes, 1 to 1440")
            values[attribute] = timedelta(minutes=minutes)
    if "vip_contact_within_minutes" in raw:
        minutes = raw["vip_contact_within_minutes"]
        if not _is_int(minutes) or not 1 <= minutes <= 24 * 60:
            raise ConfigError(f"{key}.vip_contact_within_minutes",
                              "must be a whole number of minutes, 1 to 1440")
        values["vip_contact_within"] = timedelta(minutes=minutes)
    if "urgent_contact_minutes" in raw:
        minutes = raw["urgent_contact_minutes"]
        if not _is_int(minutes) or not 1 <= minutes <= 24 * 60:
            raise ConfigError(f"{key}.urgent_contact_minutes",
                              "must be a whole number of minutes, 1 to 1440")
        values["urgent_contact_within"] = timedelta(minutes=minutes)
    if "callback_after_days" in raw:
        days = raw["callback_after_days"]
        if not _is_int(days) or not 0 <= days <= 30:
            raise ConfigError(f"{key}.callback_after_days", "must be a whole number, 0 to 30")
        values["callback_after_days"] = days
    if "callback_time" in raw:
        values["callback_time"] = _clock_time(raw["callback_time"], f"{key}.callback_time")
    return Promises(**values)


def _technician(raw: Any, key: str) -> Technician:
    if not isinstance(raw, dict):
        raise ConfigError(key, "must be a table with user_id, name, on_duty")
    _only_known(raw, {"user_id", "name", "on_duty"}, key, parent=_STORE_KEYS,
                parent_table="the store's first [[stores.technicians]]")
    user_id = _required(raw, "user_id", key)
    if not _is_int(user_id) or user_id <= 0:
        raise ConfigError(f"{key}.user_id", "must be a Telegram user id (a positive number)"
                          + _unquote_hint(user_id))
    days = raw.get("on_duty", list(WEEKDAYS))
    if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
        raise ConfigError(f"{key}.on_duty", f"must be a list of weekdays from {list(WEEKDAYS)}")
    return Technician(
        user_id=user_id,
        name=_str(_required(raw, "name", key), f"{key}.name"),
        on_duty=frozenset(WEEKDAYS.index(d) for d in days),
    )


def _hours(raw: Any, key: str) -> dict[int, tuple[time, time] | None]:
    if raw is None:
        raw = {day: "09:00-21:00" for day in WEEKDAYS}
    if not isinstance(raw, dict):
        raise ConfigError(key, 'must be a table like { mon = "09:00-21:00", sun = "closed" }')
    for day in raw:
        if day not in WEEKDAYS:
            raise ConfigError(f"{key}.{day}", f"unknown weekday (use {', '.join(WEEKDAYS)})")
    hours: dict[int, tuple[time, time] | None] = {}
    for index, day in enumerate(WEEKDAYS):
        value = raw.get(day, "closed")
        if value == "closed":
            hours[index] = None
            continue
        match = _HOURS.match(value) if isinstance(value, str) else None
        if not match:
            raise ConfigError(f"{key}.{day}", f'expected "HH:MM-HH:MM" or "closed", got {value!r}')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h2, m2) == (24, 0) and h1 < 24 and m1 < 60:
            raise ConfigError(f"{key}.{day}", f"24:00 is not a time of day: {value!r}; a store "
                              f'open until midnight is "{h1:02d}:{m1:02d}-23:59"')
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            raise ConfigError(f"{key}.{day}", f"not a time of day: {value!r}")
        opens, closes = time(h1, m1), time(h2, m2)
        if closes <= opens:
            raise ConfigError(f"{key}.{day}", f"closing time must be after opening time: {value!r}")
        hours[index] = (opens, closes)
    if all(v is None for v in hours.values()):
        raise ConfigError(key, "the store is closed every day")
    return hours


def _only_known(raw: dict[str, Any], known: set[str], key: str, *,
                parent: Set[str] = frozenset(), parent_table: str = "") -> None:
    """Reject a key the parser does not read: a typo would otherwise fall back to the default
    without a word (``timezon`` = the store on Shanghai time). ``key`` is the table's path,
    "" for the top level. A key of the enclosing table (``parent``) found here was written
    below ``parent_table``: in TOML everything under a table header belongs to that table."""
    for name in raw:
        if name in known:
            continue
        where = f"{key}.{name}" if key else name
        if name.lower() in _TOKEN_KEYS:
            raise ConfigError(where, "the bot token does not go in the config file: remove it "
                              "and set the environment variable TELEGRAM_BOT_TOKEN")
        if name in parent:
            raise ConfigError(where, f"{name} belongs above {parent_table}: in TOML, every key "
                              "after a [[table]] header goes into that table; move it up")
        raise ConfigError(where, f"unknown key (known: {', '.join(sorted(known))})")


def _required(raw: dict[str, Any], name: str, key: str) -> Any:
    if name not in raw:
        raise ConfigError(f"{key}.{name}", "is required")
    return raw[name]


def _unquote_hint(value: Any) -> str:
    """For a number written in quotes ("-1001", ["500"]): how to write it."""
    values = value if isinstance(value, list) else [value]
    number = re.compile(r"\s*-?\d+(\.\d+)?\s*")
    if not any(isinstance(v, str) and number.fullmatch(v) for v in values):
        return ""
    shown = ", ".join(v.strip() if isinstance(v, str) else str(v) for v in values)
    return f"; write numbers without quotes: {f'[{shown}]' if isinstance(value, list) else shown}"


# What people write for a store's zone that the IANA database does not have.
_ZONE_ALIASES = {"beijing": "Asia/Shanghai", "peking": "Asia/Shanghai", "china": "Asia/Shanghai",
                 "asia/beijing": "Asia/Shanghai", "cst": "Asia/Shanghai",
                 "utc+8": "Asia/Shanghai", "gmt+8": "Asia/Shanghai", "utc+08:00": "Asia/Shanghai",
                 "hong kong": "Asia/Hong_Kong", "hongkong": "Asia/Hong_Kong",
                 "taipei": "Asia/Taipei", "taiwan": "Asia/Taipei", "macau": "Asia/Macau",
                 "singapore": "Asia/Singapore", "tokyo": "Asia/Tokyo"}


def _zone_hint(name: str) -> str:
    """The nearest valid zone names, for ``unknown time zone``."""
    import difflib
    from zoneinfo import available_timezones

    zones = sorted(available_timezones())
    lowered = {z.lower(): z for z in zones}
    wanted = name.strip().lower()
    alias = _ZONE_ALIASES.get(wanted) or _ZONE_ALIASES.get(wanted.rsplit("/", 1)[-1])
    if wanted in lowered:
        near = [lowered[wanted]]
    elif alias:
        near = [alias]
    else:
        by_city = {z.rsplit("/", 1)[-1].lower(): z for z in zones}
        near = [by_city[c] for c in difflib.get_close_matches(
            wanted.rsplit("/", 1)[-1].replace(" ", "_"), by_city, n=3, cutoff=0.75)]
        near += [lowered[z] for z in difflib.get_close_matches(wanted, lowered, n=3, cutoff=0.6)]
        near = list(dict.fromkeys(near))[:3]
    if not near:
        return "; write a zone like Asia/Shanghai (the IANA name: Region/City)"
    return "; did you mean " + " or ".join(near) + "?"


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {value!r}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(key, f"must be a number from {low} to {high}, got {value!r}"
                          + _unquote_hint(value))
    return float(value)


def _language(value: Any, key: str) -> str:
    if value not in LANGUAGES:
        raise ConfigError(key, f"must be one of {', '.join(LANGUAGES)}, got {value!r}")
    return str(value)


def _unique(values: list[Any], key: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise ConfigError(key, f"{value!r} appears twice")
        seen.add(value)
