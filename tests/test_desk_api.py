"""The managers' desk over HTTP: Telegram's signed init data, who sees what, and the decisions.

The server runs on the test's event loop beside the bot (as in run mode), over the same
database; requests carry init data signed in the test with the test token, as Telegram would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

import bot
from desk.buttons import Action
from desk.models import State
from sandbox.fake_telegram import FakeUser
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world
from webapp import auth
from webapp.server import WEBDESK_KEY, WebDesk

DESK_TOML = 'webapp_url = "https://desk.example.test"\nwebapp_port = 0\n' + CHAIN_TOML
ZHAO = {"id": 500, "first_name": "赵经理", "language_code": "zh-hans"}
QIAN = {"id": 501, "first_name": "钱经理", "language_code": "zh-hans"}
CUSTOMER = {"id": 1001, "first_name": "张", "language_code": "zh-hans"}
LI = {"id": 201, "first_name": "Li", "language_code": "en"}


class Desk:
    """A manager's browser: every call carries the init data Telegram gave the page."""

    def __init__(self, world: World, http: httpx.AsyncClient):
        self.world = world
        self.http = http

    def init_data(self, user: dict, *, age: timedelta = timedelta(0),
                  token: str = bot.OFFLINE_TOKEN) -> str:
        moment = self.world.clock() - age
        return auth.init_data_for(user, token, int(moment.timestamp()))

    async def get(self, path: str, user: dict | None = ZHAO, init_data: str | None = None,
                  **params) -> httpx.Response:
        headers = {}
        if init_data is not None or user is not None:
            headers["Authorization"] = "tma " + (init_data or self.init_data(user))
        return await self.http.get(path, params=params, headers=headers)

    async def post(self, path: str, body: dict, user: dict = ZHAO, **params) -> httpx.Response:
        return await self.http.post(path, json=body, params=params,
                                    headers={"Authorization": "tma " + self.init_data(user)})


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    world = await start_world(tmp_path / "data", DESK_TOML)
    webdesk: WebDesk = world.app.bot_data[WEBDESK_KEY]
    port = await webdesk.start("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        yield Desk(world, http)
    await webdesk.stop()
    await world.stop()
    assert world.client.errors == []


# -- who may ask ----------------------------------------------------------------------------


async def test_a_manager_with_signed_init_data_sees_their_store(desk: Desk) -> None:
    me = (await desk.get("/api/me")).json()
    assert me["user"]["id"] == 500 and me["language"] == "zh_CN"
    assert [s["id"] for s in me["stores"]] == ["hq"]
    assert me["texts"]["tab_open"] == "待处理"


@pytest.mark.parametrize("case", ["missing", "forged", "other bot", "expired", "future",
                                  "tampered user", "wrong scheme"])
async def test_unsigned_forged_or_expired_init_data_gets_401_and_no_data(desk: Desk,
                                                                         case: str) -> None:
    good = desk.init_data(ZHAO)
    init_data = {
        "missing": None,
        "forged": good[:-4] + ("0000" if not good.endswith("0000") else "1111"),
        "other bot": desk.init_data(ZHAO, token="654321:ANOTHER-BOT-TOKEN"),
        "expired": desk.init_data(ZHAO, age=timedelta(days=1, seconds=1)),
        "future": desk.init_data(ZHAO, age=-timedelta(hours=1)),
        "tampered user": good.replace("500", "501", 1),
        "wrong scheme": None,
    }[case]
    for path in ("/api/me", "/api/tickets", "/api/search?q=1", "/api/tickets/1",
                 "/api/trends"):
        if case == "wrong scheme":
            response = await desk.http.get(path, headers={"Authorization": "Bearer " + good})
        else:
            response = await desk.get(path, user=None, init_data=init_data)
        assert response.status_code == 401, (case, path)
        assert set(response.json()) == {"error"}


async def test_init_data_just_within_the_configured_age_is_accepted(desk: Desk) -> None:
    fresh = desk.init_data(ZHAO, age=timedelta(hours=23, minutes=59))
    assert (await desk.get("/api/me", user=None, init_data=fresh)).status_code == 200


@pytest.mark.parametrize("who", [CUSTOMER, LI])
async def test_customers_and_technicians_get_403(desk: Desk, who: dict) -> None:
    await file_complaint(desk.world)
    for path in ("/api/me", "/api/tickets", "/api/search?q=电热水壶", "/api/tickets/1"):
        response = await desk.get(path, user=who)
        assert response.status_code == 403, path
        assert set(response.json()) == {"error"}


async def test_another_stores_manager_sees_none_of_its_tickets(desk: Desk) -> None:
    number = await file_complaint(desk.world)
    assert (await desk.get(f"/api/tickets/{number}", user=QIAN)).status_code == 403
    assert (await desk.get("/api/tickets", user=QIAN, store="hq")).status_code == 403
    assert (await desk.get("/api/tickets", user=QIAN)).json()["tickets"] == []
    assert (await desk.get("/api/search", user=QIAN, q="电热水壶")).json()["count"] == 0
    assert (await desk.get("/api/trends", user=QIAN, store="hq")).status_code == 403
    assert (await desk.post(f"/api/tickets/{number}/assign", {"technician": 202},
                            user=QIAN)).status_code == 403
    assert desk.world.db.by_number(number).assignee_id == 201  # still offered to Li


# -- what a manager sees ----------------------------------------------------------------------


async def test_open_tickets_sorted_by_deadline_and_filtered(desk: Desk) -> None:
    w = desk.world
    first = await file_complaint(w)
    second = await file_complaint(w, "空气净化器有异味,服务员态度也不好", user=w.other_customer)
    await w.client.press_action(w.li, w.client.card(w.staff_group, first), Action.ACCEPT)
    tickets = (await desk.get("/api/tickets")).json()["tickets"]
    assert [t["number"] for t in tickets] == [first, second]
    assert tickets[0]["assignee"] == "李工" and tickets[0]["deadline"]
    only_li = (await desk.get("/api/tickets", technician="201")).json()["tickets"]
    assert [t["number"] for t in only_li] == [first]
    untaken = (await desk.get("/api/tickets", technician="0")).json()["tickets"]
    assert first not in [t["number"] for t in untaken]
    assert (await desk.get("/api/tickets", overdue="1")).json()["tickets"] == []
    w.clock.advance(hours=12)  # past sunset and closing: both promises broken
    overdue = (await desk.get("/api/tickets", overdue="1")).json()["tickets"]
    assert {t["number"] for t in overdue} == {first, second}
    assert all(t["overdue"] for t in overdue)
    assert (await desk.get("/api/tickets", state="draft")).status_code == 400


async def test_search_by_phone_name_product_and_number_in_hot_and_archive(desk: Desk) -> None:
    w = desk.world
    number = await file_complaint(w)
    await w.client.share_contact(w.customer, "+86 138 0013 8000")
    w.db.archive(w.db.by_number(number).key)  # as if served and called back long ago
    for q in ("13800138000", "0013 8000", "张", "电热水壶", f"#{number}", "漏水"):
        found = (await desk.get("/api/search", q=q)).json()
        assert [r["number"] for r in found["results"]] == [number], q
        assert found["results"][0]["archived"] is True
    assert (await desk.get("/api/search", q="洗衣机")).json()["count"] == 0


async def test_one_ticket_whole_conversation_and_audit_trail_in_order(desk: Desk) -> None:
    w = desk.world
    number = await file_complaint(w)
    await w.client.press_action(w.li, w.client.card(w.staff_group, number), Action.ACCEPT)
    await w.client.send(w.li, "您好,我们下午三点上门更换", group=w.staff_group,
                        reply_to=w.client.card(w.staff_group, number))
    await w.client.send(w.customer, "好的,三点见")
    detail = (await desk.get(f"/api/tickets/{number}")).json()
    assert detail["customer"] == "张女士" and detail["product"] == "电热水壶"
    assert [(line["role"], line["text"]) for line in detail["conversation"]] == [
        ("staff", "您好,我们下午三点上门更换"), ("customer", "好的,三点见")]
    actions = [a["action"] for a in detail["audit"]]
    assert actions[:2] == ["投诉已确认", "已派给值班技术员"]
    assert detail["actions"]["technicians"]


async def test_handing_a_ticket_to_a_technician_from_the_desk_tells_everyone(desk: Desk
                                                                             ) -> None:
    w = desk.world
    number = await file_complaint(w)
    answer = await desk.post(f"/api/tickets/{number}/assign", {"technician": 202})
    assert answer.status_code == 200 and answer.json()["ok"] is True
    await w.outbox.settle()
    ticket = w.db.by_number(number)
    assert ticket.state is State.CLAIMED and ticket.assignee_id == 202
    assert any(f"#{number}" in text for text in w.client.texts(w.wang))
    refused = await desk.post(f"/api/tickets/{number}/assign", {"technician": 299})
    assert refused.status_code == 409 and refused.json()["error"]
    bad = await desk.post(f"/api/tickets/{number}/assign", {"technician": "202"})
    assert bad.status_code == 400


async def test_a_reply_time_from_the_desk_reaches_the_customer_once(desk: Desk) -> None:
    w = desk.world
    number = await file_complaint(w)
    card = w.client.card(w.staff_group, number)
    await w.client.press_action(w.li, card, Action.ACCEPT)
    await w.client.press_action(w.li, w.client.card(w.staff_group, number), Action.ESCALATE)
    detail = (await desk.get(f"/api/tickets/{number}")).json()
    choices = detail["actions"]["reply_choices"]
    assert choices
    # The choice is the option's key, never its place in a list computed twice.
    assert (await desk.post(f"/api/tickets/{number}/reply-by", {"choice": 0})).status_code == 400
    assert (await desk.post(f"/api/tickets/{number}/reply-by",
                            {"choice": "tomorrow"})).status_code == 400
    done = await desk.post(f"/api/tickets/{number}/reply-by", {"choice": choices[0]["choice"]})
    assert done.status_code == 200
    await w.outbox.settle()
    assert w.db.by_number(number).reply_by is not None
    told = [t for t in w.client.texts(w.customer) if "最迟" in t or "答复" in t]
    assert len(told) == 1
    again = await desk.post(f"/api/tickets/{number}/reply-by", {"choice": choices[0]["choice"]})
    assert again.status_code == 409
    assert (await desk.get(f"/api/tickets/{number}")).json()["actions"]["reply_choices"] == []


async def test_trends_per_store_and_technician_with_charts(desk: Desk) -> None:
    w = desk.world
    for index in range(3):
        number = await file_complaint(w, user=FakeUser(1100 + index, f"顾客{index}"))
        await w.client.press_action(w.li, w.client.card(w.staff_group, number), Action.ACCEPT)
    for days in (7, 30, 90):
        data = (await desk.get("/api/trends", days=str(days))).json()
        assert data["days"] == days
        assert data["charts"]["controls"].startswith("<svg")
        assert [x["name"] for x in data["technicians"]] == ["李工", "王工"]
    assert (await desk.get("/api/trends", days="365")).status_code == 400
    recurring = (await desk.get("/api/trends", days="30")).json()["recurring"]
    assert recurring and recurring[0]["label"] == "电热水壶" and recurring[0]["count"] == 3


async def test_the_csv_export_downloads_with_a_short_lived_link(desk: Desk) -> None:
    w = desk.world
    number = await file_complaint(w)
    link = await desk.http.post("/api/export", headers={
        "Authorization": "tma " + desk.init_data(ZHAO)})
    assert link.status_code == 200
    url = link.json()["url"]
    csv = await desk.http.get("/" + url)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"\n{number}," in csv.content.decode("utf-8-sig")
    forged = url.replace("download/", "download/x", 1)
    assert (await desk.http.get("/" + forged)).status_code == 401


async def test_the_page_and_its_files_are_served_with_a_strict_policy(desk: Desk) -> None:
    for path in ("/", "/app.js", "/app.css"):
        page = await desk.http.get(path)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (await desk.http.get("/health")).text == "sundown desk"
    for path in ("/", "/api/me", "/nowhere"):
        policy = (await desk.http.get(path)).headers["content-security-policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        # Telegram's web clients (Web K and Web A, at web.telegram.org/k and /a) frame the
        # page; the apps open it in a web view of their own, with no ancestor; nobody else.
        assert directives["frame-ancestors"] == ["https://web.telegram.org",
                                                 "https://*.web.telegram.org"], path
    texts = (await desk.http.get("/api/texts", params={"lang": "en"})).json()
    assert texts["texts"]["tab_search"] == "Search"


async def test_the_desk_command_offers_the_mini_app_to_managers_only(desk: Desk) -> None:
    w = desk.world
    await w.client.send(w.manager, "/desk")
    button = w.client.last(w.manager).buttons[0][0]
    assert button["web_app"]["url"] == "https://desk.example.test/"
    await w.client.send(w.customer, "/desk")
    assert "web_app" not in str(w.client.last(w.customer).buttons)


async def test_each_managers_menu_button_opens_the_desk(desk: Desk) -> None:
    from outbox import menus

    assert await menus.set_menus(desk.world.app) == 0
    buttons = desk.world.telegram.sent("setChatMenuButton")
    assert sorted(int(b.params["chat_id"]) for b in buttons) == [500, 501]
    button = buttons[0].params["menu_button"]
    button = json.loads(button) if isinstance(button, str) else button
    assert button["type"] == "web_app" and button["web_app"]["url"] == (
        "https://desk.example.test/")
    assert button["text"] == "工作台"


async def test_a_taken_port_leaves_the_bot_running_without_the_desk(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    from webapp import server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        world = await start_world(tmp_path / "data", DESK_TOML.replace(
            "webapp_port = 0", f"webapp_port = {port}"))
        assert await server.start(world.app) is None
        assert "the bot runs without it" in caplog.text
        number = await file_complaint(world)  # customers are served as ever
        assert world.db.by_number(number) is not None
        await world.stop()


@pytest.mark.parametrize("number", ["²", "١٢", "𝟙", "1²", "½", "0x1", "-1", "1e3", "abc",
                                    "9" * 5000])
async def test_a_ticket_number_that_is_not_ascii_digits_gets_400(desk: Desk, number: str
                                                                ) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` raises: that was a 500 with a traceback."""
    before = desk.world.db.by_number(await file_complaint(desk.world)).to_dict()
    for answer in (await desk.get(f"/api/tickets/{number}"),
                   await desk.post(f"/api/tickets/{number}/assign", {"technician": 202})):
        assert answer.status_code == 400, number
        assert answer.headers["content-type"].startswith("application/json")
        assert set(answer.json()) == {"error"} and "number" in answer.json()["error"]
    assert desk.world.db.by_number(1).to_dict() == before


@pytest.mark.parametrize("body", [
    '{"technician": ' + "9" * 5000 + "}",  # Python refuses ints of over 4,300 digits
    '{"technician": 1e999}', '{"technician": NaN}', '{"technician": -Infinity}',
    '{"technician": 202', '"\udcff"', "\xff\xfe", "[" * 100_000 + "]" * 100_000,
])
async def test_a_body_python_cannot_read_gets_400_not_500(desk: Desk, body: str) -> None:
    number = await file_complaint(desk.world)
    before = desk.world.db.by_number(number).to_dict()
    answer = await desk.http.post(
        f"/api/tickets/{number}/assign", content=body.encode("utf-8", "surrogatepass"),
        headers={"Authorization": "tma " + desk.init_data(ZHAO),
                 "Content-Type": "application/json"})
    assert answer.status_code in (400, 413), body[:40]
    assert set(answer.json()) == {"error"}
    assert desk.world.db.by_number(number).to_dict() == before
