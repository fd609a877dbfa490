"""A service complaint is never handled by the person it names: not claimed, offered, handed
over (from the chat's keyboard or the desk) nor alerted about, technician or manager alike.
The rule is ``desk.policy``; these tests press every path that must obey it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from desk import lifecycle
from desk.buttons import Action, encode
from desk.config import Technician
from desk.lifecycle import Reason, Refused
from desk.models import Kind, State, Ticket
from sandbox.fake_telegram import FakeUser
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world
from tests.test_desk_api import DESK_TOML, ZHAO, Desk
from webapp.server import WEBDESK_KEY

ABOUT_LI = "上门安装的李工态度很差,问他什么都踢皮球,我要投诉他"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def about(user_id: int, state: State = State.NEW, assignee: int | None = None) -> Ticket:
    return Ticket(key="k1", store_id="hq", customer_id=1001, customer_name="张女士",
                  language="zh_CN", text=ABOUT_LI, kind=Kind.SERVICE, created_at=NOW.isoformat(),
                  number=7, state=state, assignee_id=assignee, complained_about=user_id)


@pytest.mark.parametrize("step", ["claim", "accept", "reassign to", "reassign by",
                                  "answered", "promise"])
def test_the_lifecycle_refuses_the_person_a_complaint_is_about(step: str) -> None:
    li = Technician(user_id=201, name="李工", on_duty=frozenset(range(7)))
    wang = Technician(user_id=202, name="王工", on_duty=frozenset(range(7)))
    cases = {
        "claim": (about(201), lambda t: lifecycle.claim(t, 201, "李工", NOW)),
        "accept": (about(201, State.OFFERED, 201), lambda t: lifecycle.accept(t, 201, NOW)),
        "reassign to": (about(201, State.ESCALATED),
                        lambda t: lifecycle.reassign(t, 500, li, NOW)),
        "reassign by": (about(500, State.ESCALATED),
                        lambda t: lifecycle.reassign(t, 500, wang, NOW)),
        "answered": (about(500, State.ESCALATED),
                     lambda t: lifecycle.manager_answered(t, 500, "赵经理", NOW)),
        "promise": (about(500, State.ESCALATED),
                    lambda t: lifecycle.promise_reply(t, 500, NOW, NOW)),
    }
    ticket, act = cases[step]
    before = ticket.to_dict()
    with pytest.raises(Refused) as refused:
        act(ticket)
    assert refused.value.reason in (Reason.ABOUT_YOU, Reason.ABOUT_THEM)
    assert ticket.to_dict() == before


async def escalated_about_li(world: World) -> int:
    number = await file_complaint(world, ABOUT_LI)
    ticket = world.db.by_number(number)
    assert (ticket.complained_about, ticket.assignee_id) == (201, 202)
    await world.client.press(world.wang, world.client.card(world.staff_group, number),
                             encode(Action.ESCALATE, number))
    assert world.db.by_number(number).state is State.ESCALATED
    return number


async def test_the_hand_over_keyboard_leaves_out_the_named_technician_and_refuses_him(
        world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    number = await escalated_about_li(world)
    alert = c.inbox(world.manager)[-1]
    await c.press(world.manager, alert, encode(Action.PICK_TECHNICIAN, number))
    offered = [b["callback_data"] for row in c.inbox(world.manager)[-1].buttons for b in row]
    assert offered == [encode(Action.ASSIGN, number, 202)]
    answer = await c.press(world.manager, c.inbox(world.manager)[-1],
                           encode(Action.ASSIGN, number, 201))  # a stale or forged button
    assert answer == "这条投诉是关于这位技术人员的,请选择其他人。"
    ticket = world.db.by_number(number)
    assert ticket.assignee_id != 201 and ticket.state is State.ESCALATED
    assert not any(f"#{number}" in text for text in c.texts(world.li))


async def test_the_desk_refuses_to_hand_a_complaint_to_the_technician_it_is_about(
        tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", DESK_TOML)
    webdesk = world.app.bot_data[WEBDESK_KEY]
    port = await webdesk.start("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        desk = Desk(world, http)
        number = await escalated_about_li(world)
        detail = (await desk.get(f"/api/tickets/{number}", user=ZHAO)).json()
        assert 201 not in [t["id"] for t in detail["actions"]["technicians"]]
        refused = await desk.post(f"/api/tickets/{number}/assign", {"technician": 201})
        assert refused.status_code == 409
        assert refused.json()["error"] == "这条投诉是关于这位技术人员的,请选择其他人。"
    await webdesk.stop()
    ticket = world.db.by_number(number)
    assert ticket.assignee_id != 201 and ticket.state is State.ESCALATED
    await world.stop()


MANAGER_TECH_TOML = CHAIN_TOML.replace("managers = [500]", "managers = [500, 502]").replace(
    """[[stores.technicians]]
user_id = 202""", """[[stores.technicians]]
user_id = 500
name = "赵工"

[[stores.technicians]]
user_id = 202""")


async def test_a_manager_who_is_the_named_technician_is_not_alerted_about_it(
        tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", MANAGER_TECH_TOML)
    c = world.client
    zhao, sun = world.manager, FakeUser(502, "孙经理")
    for manager in (zhao, sun):
        await c.send(manager, "/start")
    number = await file_complaint(world, "上门安装的赵工态度很差,问他什么都踢皮球,我要投诉他")
    ticket = world.db.by_number(number)
    assert ticket.complained_about == 500 and ticket.assignee_id not in (500, None)
    owner = world.li if ticket.assignee_id == 201 else world.wang
    await c.press(owner, c.card(world.staff_group, number), encode(Action.ESCALATE, number))
    assert any(f"#{number}" in text for text in c.texts(sun)), "the other manager is alerted"
    assert not any(f"#{number}" in text for text in c.texts(zhao))
    await world.stop()
    assert world.client.errors == []
