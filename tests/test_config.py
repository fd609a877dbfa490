"""A bad config stops start-up naming the key; a missing token says how to get one."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import bot
from desk.config import ConfigError, parse_settings
from tests.conftest import CHAIN_TOML

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def good(tmp_path: Path) -> str:
    return CHAIN_TOML.format(data_dir=tmp_path.as_posix())


def test_example_config_loads() -> None:
    settings = bot.load_settings(EXAMPLE)
    assert [s.id for s in settings.stores] == ["flagship", "east"]
    assert settings.base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(("change", "key", "problem"), [
    (('staff_chat_id = -1001', 'staff_chat_id = 1001'), "stores[hq].staff_chat_id",
     "must be the (negative) id of the staff group"),
    (('mon = "09:00-21:00"', 'mon = "9-21"'), "stores[hq].hours.mon",
     'expected "HH:MM-HH:MM" or "closed", got \'9-21\''),
    (('mon = "09:00-21:00"', 'mon = "21:00-09:00"'), "stores[hq].hours.mon",
     "closing time must be after opening time: '21:00-09:00'"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "stores[hq].timezone",
     "unknown time zone 'Mars/Olympus'; write a zone like Asia/Shanghai (the IANA name: "
     "Region/City)"),
    (('managers = [500]', 'managers = []'), "stores[hq].managers",
     "at least one manager is needed for escalations"),
    (('id = "east"', 'id = "hq"'), "stores[].id", "'hq' appears twice"),
    (('on_duty = ["mon"', 'on_duty = ["monday"'), "stores[hq].technicians[1].on_duty",
     "must be a list of weekdays from ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']"),
    (('lat = 31.23', 'lat = 131.23'), "stores[hq].location.lat",
     "must be a number from -90 to 90, got 131.23"),
    (('bot_username = "SundownDeskBot"', 'webapp_url = "http://desk.example.com"'),
     "webapp_url", "Telegram opens Mini Apps only over HTTPS: must start with https://, got "
     "'http://desk.example.com'"),
    (('bot_username = "SundownDeskBot"', 'webapp_port = 70000'), "webapp_port",
     "must be a port number from 0 to 65535, got 70000"),
    (('bot_username = "SundownDeskBot"', 'webapp_max_age = 5'), "webapp_max_age",
     "must be seconds from 60 to 2592000 (30 days), got 5"),
    (('bot_username = "SundownDeskBot"', 'colour = "red"'), "colour",
     "unknown key (known: bot_username, data_dir, default_language, proxy, stores, "
     "telegram_base_file_url, telegram_base_url, webapp_listen, webapp_max_age, webapp_port, "
     "webapp_url)"),
])
def test_bad_values_name_their_key(tmp_path: Path, change: tuple[str, str], key: str,
                                   problem: str) -> None:
    text = good(tmp_path).replace(*change, 1)
    with pytest.raises(ConfigError) as error:
        parse_settings(text)
    assert (error.value.key, error.value.problem) == (key, problem)


STORE_KEYS = ("closed_dates, closed_on_holidays, digest_time, facts, greetings, guard, "
              "holidays_country, holidays_subdivision, hours, id, language, location, managers, "
              "name, product_aliases, products, "
              "promises, relay_signature, staff_chat_id, staff_topics, technicians, timezone")
PRODUCTS = 'products = ["电热水壶", "空气净化器"]'


# A typo in any table must stop start-up: a misspelt key is otherwise silently ignored and its
# default applies (a store on the wrong time zone, a technician on duty every day).
@pytest.mark.parametrize(("change", "key", "problem"), [
    (('timezone = "Asia/Shanghai"', 'timezon = "Asia/Tokyo"'), "stores[hq].timezon",
     f"unknown key (known: {STORE_KEYS})"),
    (('managers = [501]', 'managers = [501]\nmanager = [502]'), "stores[east].manager",
     f"unknown key (known: {STORE_KEYS})"),
    (('lon = 121.47 }', 'lon = 121.47, alt = 4 }'), "stores[hq].location.alt",
     "unknown key (known: lat, lon)"),
    (('sat = "10:00-18:00"', 'sat = "10:00-18:00", sunday = "closed"'), "stores[hq].hours.sunday",
     "unknown weekday (use mon, tue, wed, thu, fri, sat, sun)"),
    (('on_duty = ["mon"', 'onduty = ["mon"'), "stores[hq].technicians[1].onduty",
     "unknown key (known: name, on_duty, user_id)"),
    ((PRODUCTS, f"{PRODUCTS}\npromises = {{ remind_before_minutes = 30 }}"),
     "stores[hq].promises.remind_before_minutes",
     "unknown key (known: callback_after_days, callback_time, nudge_every_minutes, "
     "reminder_before_minutes, reply_reminder_before_minutes, retry_after_minutes, "
     "urgent_contact_minutes, use_sunset, vip_contact_within_minutes)"),
    ((PRODUCTS, f"{PRODUCTS}\ngreetings = {{ enable = false }}"), "stores[hq].greetings.enable",
     "unknown key (known: custom, enabled, holidays, rate_per_second, regular_after, time)"),
    ((PRODUCTS, f'{PRODUCTS}\ngreetings = {{ custom = [{{ date = "11-28", name = "店庆" }}, '
                '{ date = "12-01", name = "周年", year = 2026 }] }'),
     "stores[hq].greetings.custom[1].year", "unknown key (known: date, name)"),
    (('bot_username = "SundownDeskBot"', 'bot_username = "SundownDeskBot"\n[store]\nid = "x"'),
     "store", "unknown key (known: bot_username, data_dir, default_language, proxy, stores, "
     "telegram_base_file_url, telegram_base_url, webapp_listen, webapp_max_age, webapp_port, "
     "webapp_url)"),
], ids=["stores", "second store", "location", "hours", "technicians", "promises", "greetings",
        "greetings.custom", "top level"])
def test_unknown_keys_in_any_table_name_their_path(tmp_path: Path, change: tuple[str, str],
                                                   key: str, problem: str) -> None:
    text = good(tmp_path).replace(*change, 1)
    assert text != good(tmp_path)
    with pytest.raises(ConfigError) as error:
        parse_settings(text)
    assert (error.value.key, error.value.problem) == (key, problem)


def test_a_misspelt_required_key_is_reported_as_the_typo(tmp_path: Path) -> None:
    text = good(tmp_path).replace('name = "东区店"', 'nmae = "东区店"', 1)
    with pytest.raises(ConfigError) as error:
        parse_settings(text)
    assert error.value.key == "stores[east].nmae"


def test_base_url_is_configurable(tmp_path: Path) -> None:
    text = 'telegram_base_url = "http://127.0.0.1:8081/bot"\n' + good(tmp_path)
    settings = parse_settings(text)
    app = bot.build_application(settings, token="1:x")
    assert app.bot.base_url == "http://127.0.0.1:8081/bot1:x"


def run_bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_bad_config_exits_with_code_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(good(tmp_path).replace('mon = "09:00-21:00"', 'mon = "late"', 1),
                      encoding="utf-8")
    result = run_bot("run", "--config", str(config), env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        'config error: stores[hq].hours.mon: expected "HH:MM-HH:MM" or "closed", got \'late\'')


def test_missing_token_says_how_to_get_one(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(good(tmp_path), encoding="utf-8")
    result = run_bot("run", "--config", str(config), env={})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr


def test_links_prints_each_stores_deep_link(tmp_path: Path) -> None:
    result = run_bot("links", "--config", str(EXAMPLE), "--username", "@MyStoreBot",
                     "--posters", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "flagship\t旗舰店\thttps://t.me/MyStoreBot?start=s_flagship",
        "east\t东区店\thttps://t.me/MyStoreBot?start=s_east",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["east.png", "flagship.png"]


@pytest.mark.parametrize(("proxy", "ok"), [
    ("http://10.0.0.1:3128", True), ("socks5://127.0.0.1:1080", True),
    ("socks5h://user:pw@proxy:1080", True), ("ftp://x", False), ("127.0.0.1:1080", False),
])
def test_the_proxy_to_the_bot_api(tmp_path, proxy: str, ok: bool) -> None:
    import bot
    from tests.conftest import CHAIN_TOML

    toml = f'proxy = "{proxy}"\n' + CHAIN_TOML.format(data_dir=tmp_path.as_posix())
    if not ok:
        with pytest.raises(ConfigError) as error:
            parse_settings(toml)
        assert error.value.key == "proxy"
        return
    settings = parse_settings(toml)
    assert settings.proxy == proxy
    application = bot.build_application(settings)
    assert application.bot.request._client_kwargs["proxy"] == proxy


def test_the_desk_does_not_take_the_self_hosted_bot_apis_port(tmp_path: Path) -> None:
    """telegram-bot-api listens on 8081 by default; the desk beside it must not want it too."""
    settings = parse_settings(good(tmp_path))
    assert settings.webapp_port == 8090
    example = EXAMPLE.read_text(encoding="utf-8")
    assert "# webapp_port = 8090" in example
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "127.0.0.1:8090:8090" in compose


# The mistakes people make in a TOML file, and the hint each gets: one line, the key where it
# is (a store by its id), and how to write it.
HQ_HOURS = 'mon = "09:00-21:00"'
TZ = 'timezone = "Asia/Shanghai"'
HINTS = [
    ("[stores] for [[stores]]", ("[[stores]]", "[stores]"), "one store", "stores", "each store is a [[stores]] table, with two brackets: write [[stores]], "
     "not [stores]"),
    ("top-level key after the first store", ('id = "east"', 'id = "east"\nproxy = "http://p:1"'), None,
     "stores[east].proxy", "proxy belongs above the first [[stores]]: in TOML, every key "
     "after a [[table]] header goes into that table; move it up"),
    ("store key after a technician", ('on_duty = ["mon", "tue", "wed", "thu", "fri"]',
                                      'on_duty = ["mon"]\ndigest_time = "20:00"'), None,
     "stores[hq].technicians[1].digest_time", "digest_time belongs above the store's "
     "first [[stores.technicians]]: in TOML, every key after a [[table]] header goes into that "
     "table; move it up"),
    ("token at the top", ('bot_username = "SundownDeskBot"',
                          'bot_username = "SundownDeskBot"\ntoken = "123:abc"'), None,
     "token", "the bot token does not go in the config file: remove it and set the "
     "environment variable TELEGRAM_BOT_TOKEN"),
    ("token in a store", ('id = "east"', 'id = "east"\nbot_token = "123:abc"'), None,
     "stores[east].bot_token", "the bot token does not go in the config file: remove it and set "
     "the environment variable TELEGRAM_BOT_TOKEN"),
    ("quoted chat id", ("staff_chat_id = -1001", 'staff_chat_id = "-1001"'), None,
     "stores[hq].staff_chat_id", "must be the (negative) id of the staff group; write numbers "
     "without quotes: -1001"),
    ("quoted manager ids", ("managers = [500]", 'managers = ["500"]'), None,
     "stores[hq].managers", "must be a list of Telegram user ids (numbers); write numbers "
     "without quotes: [500]"),
    ("quoted latitude", ("lat = 31.23", 'lat = "31.23"'), None, "stores[hq].location.lat",
     "must be a number from -90 to 90, got '31.23'; write numbers without quotes: 31.23"),
    ("unquoted time", (TZ, f"{TZ}\ndigest_time = 20:00:00"), None, "stores[hq].digest_time",
     'write the time in quotes: "20:00"'),
    ("00:00-24:00", (HQ_HOURS, 'mon = "00:00-24:00"'), None, "stores[hq].hours.mon",
     "24:00 is not a time of day: '00:00-24:00'; a store open until midnight is "
     '"00:00-23:59"'),
    ("Beijing", (TZ, 'timezone = "Beijing"'), None, "stores[hq].timezone",
     "unknown time zone 'Beijing'; did you mean Asia/Shanghai?"),
    ("Asia/Beijing", (TZ, 'timezone = "Asia/Beijing"'), None, "stores[hq].timezone",
     "unknown time zone 'Asia/Beijing'; did you mean Asia/Shanghai?"),
    ("lower case zone", (TZ, 'timezone = "asia/shanghai"'), None, "stores[hq].timezone",
     "unknown time zone 'asia/shanghai'; did you mean Asia/Shanghai?"),
    ("misspelt zone", (TZ, 'timezone = "America/NewYork"'), None, "stores[hq].timezone",
     "unknown time zone 'America/NewYork'; did you mean America/New_York"),
    ("wrong subdivision", (TZ, f'{TZ}\nholidays_subdivision = "XX"'), None,
     "stores[hq].holidays_subdivision",
     "unknown subdivision 'XX' (CN has none: leave holidays_subdivision out)"),
    ("wrong subdivision of a country with some",
     (TZ, f'{TZ}\nholidays_country = "AU"\nholidays_subdivision = "XX"'), None,
     "stores[hq].holidays_subdivision", "unknown subdivision 'XX' (known for AU: ACT, NSW, NT"),
    ("lower case country", (TZ, f'{TZ}\nholidays_country = "cn"'), None,
     "stores[hq].holidays_country",
     "unknown country code 'cn' (country codes are upper case: 'CN')"),
    ("a store without a usable id", ('id = "east"', 'id = "east side"'), None,
     "stores[no. 2].id", "use 1-32 letters, digits or _ (it goes into deep links)"),
]


@pytest.mark.parametrize(("change", "only", "key", "problem"),
                         [case[1:] for case in HINTS], ids=[case[0] for case in HINTS])
def test_common_mistakes_get_a_hint(tmp_path: Path, change: tuple[str, str], only: str | None,
                                    key: str, problem: str) -> None:
    text = good(tmp_path)
    if only:  # a one-store file (two stores under [stores] would not even be TOML)
        text = text[:text.index('[[stores]]\nid = "east"')]
    text, before = text.replace(*change, 1), text
    assert text != before
    with pytest.raises(ConfigError) as error:
        parse_settings(text)
    assert error.value.key == key
    assert error.value.problem.startswith(problem), error.value.problem
    assert "datetime.time" not in error.value.problem


def test_product_aliases_and_urgent_contact_minutes(tmp_path: Path) -> None:
    text = good(tmp_path).replace(PRODUCTS, f'{PRODUCTS}\nproduct_aliases = {{ "电热水壶" = '
                                  f'["小白壶", " 白壶 "] }}\npromises = {{ urgent_contact_minutes '
                                  f'= 30 }}', 1)
    store = parse_settings(text).stores[0]
    assert dict(store.product_aliases) == {"电热水壶": ("小白壶", "白壶")}
    assert store.promises.urgent_contact_within == timedelta(minutes=30)
    assert parse_settings(good(tmp_path)).stores[0].promises.urgent_contact_within == timedelta(
        minutes=60)
    for aliases, key, problem in (
        ('["小白壶"]', "stores[hq].product_aliases",
         'must be a table like { "电热水壶" = ["小白壶"] }'),
        ('{ "电视机" = ["彩电"] }', "stores[hq].product_aliases.电视机",
         "must be one of the store's products"),
        ('{ "电热水壶" = ["", "x"] }', "stores[hq].product_aliases.电热水壶", "must be a list of names"),
    ):
        with pytest.raises(ConfigError) as error:
            parse_settings(good(tmp_path).replace(
                PRODUCTS, f"{PRODUCTS}\nproduct_aliases = {aliases}", 1))
        assert (error.value.key, error.value.problem) == (key, problem)
    with pytest.raises(ConfigError) as error:
        parse_settings(good(tmp_path).replace(
            PRODUCTS, f"{PRODUCTS}\npromises = {{ urgent_contact_minutes = 0 }}", 1))
    assert error.value.key == "stores[hq].promises.urgent_contact_minutes"
