"""A bad config stops start-up naming the key; a missing token says how to get one."""

from __future__ import annotations

import subprocess
import sys
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
    (('staff_chat_id = -1001', 'staff_chat_id = 1001'), "stores[0].staff_chat_id",
     "must be the (negative) id of the staff group"),
    (('mon = "09:00-21:00"', 'mon = "9-21"'), "stores[0].hours.mon",
     'expected "HH:MM-HH:MM" or "closed", got \'9-21\''),
    (('mon = "09:00-21:00"', 'mon = "21:00-09:00"'), "stores[0].hours.mon",
     "closing time must be after opening time: '21:00-09:00'"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "stores[0].timezone",
     "unknown time zone 'Mars/Olympus'"),
    (('managers = [500]', 'managers = []'), "stores[0].managers",
     "at least one manager is needed for escalations"),
    (('id = "east"', 'id = "hq"'), "stores[].id", "'hq' appears twice"),
    (('on_duty = ["mon"', 'on_duty = ["monday"'), "stores[0].technicians[1].on_duty",
     "must be a list of weekdays from ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']"),
    (('lat = 31.23', 'lat = 131.23'), "stores[0].location.lat",
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


STORE_KEYS = ("closed_dates, closed_on_holidays, digest_time, facts, greetings, guard, holidays_country, "
              "holidays_subdivision, hours, id, language, location, managers, name, products, "
              "promises, relay_signature, staff_chat_id, technicians, timezone")
PRODUCTS = 'products = ["电热水壶", "空气净化器"]'


# A typo in any table must stop start-up: a misspelt key is otherwise silently ignored and its
# default applies (a store on the wrong time zone, a technician on duty every day).
@pytest.mark.parametrize(("change", "key", "problem"), [
    (('timezone = "Asia/Shanghai"', 'timezon = "Asia/Tokyo"'), "stores[0].timezon",
     f"unknown key (known: {STORE_KEYS})"),
    (('managers = [501]', 'managers = [501]\nmanager = [502]'), "stores[1].manager",
     f"unknown key (known: {STORE_KEYS})"),
    (('lon = 121.47 }', 'lon = 121.47, alt = 4 }'), "stores[0].location.alt",
     "unknown key (known: lat, lon)"),
    (('sat = "10:00-18:00"', 'sat = "10:00-18:00", sunday = "closed"'), "stores[0].hours.sunday",
     "unknown weekday (use mon, tue, wed, thu, fri, sat, sun)"),
    (('on_duty = ["mon"', 'onduty = ["mon"'), "stores[0].technicians[1].onduty",
     "unknown key (known: name, on_duty, user_id)"),
    ((PRODUCTS, f"{PRODUCTS}\npromises = {{ remind_before_minutes = 30 }}"),
     "stores[0].promises.remind_before_minutes",
     "unknown key (known: callback_after_days, callback_time, nudge_every_minutes, "
     "reminder_before_minutes, reply_reminder_before_minutes, retry_after_minutes, use_sunset, "
     "vip_contact_within_minutes)"),
    ((PRODUCTS, f"{PRODUCTS}\ngreetings = {{ enable = false }}"), "stores[0].greetings.enable",
     "unknown key (known: custom, enabled, holidays, rate_per_second, regular_after, time)"),
    ((PRODUCTS, f'{PRODUCTS}\ngreetings = {{ custom = [{{ date = "11-28", name = "店庆" }}, '
                '{ date = "12-01", name = "周年", year = 2026 }] }'),
     "stores[0].greetings.custom[1].year", "unknown key (known: date, name)"),
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
    assert error.value.key == "stores[1].nmae"


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
        'config error: stores[0].hours.mon: expected "HH:MM-HH:MM" or "closed", got \'late\'')


def test_missing_token_says_how_to_get_one(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(good(tmp_path), encoding="utf-8")
    result = run_bot("run", "--config", str(config), env={})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr


def test_links_prints_each_stores_deep_link() -> None:
    result = run_bot("links", "--config", str(EXAMPLE), "--username", "@MyStoreBot")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "flagship\t旗舰店\thttps://t.me/MyStoreBot?start=s_flagship",
        "east\t东区店\thttps://t.me/MyStoreBot?start=s_east",
    ]


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
