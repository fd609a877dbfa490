"""The first hour: learning the ids the config needs, from Telegram itself."""

from __future__ import annotations

from sandbox.fake_telegram import FakeGroup, FakeUser
from tests.conftest import World


async def test_whoami_tells_a_stranger_their_id(world: World) -> None:
    await world.client.send(world.outsider, "/whoami")
    shown = world.client.last(world.outsider)
    assert "299" in shown.text
    assert "旗舰店" not in shown.text and "东区店" not in shown.text, "no role"
    assert world.db.last_number() == 0, "no ticket, no draft from a /whoami"


async def test_whoami_names_a_managers_and_a_technicians_role(world: World) -> None:
    await world.client.send(world.manager, "/whoami")
    text = world.client.last(world.manager).text
    assert "500" in text and "旗舰店" in text and "经理" in text
    await world.client.send(world.li, "/whoami")
    text = world.client.last(world.li).text
    assert "201" in text and "旗舰店" in text and "李工" in text
    english = FakeUser(501, "Qian", language_code="en")
    await world.client.send(english, "/whoami")
    text = world.client.last(english).text
    assert "501" in text and "manager" in text and "东区店" in text


async def test_any_command_in_an_unknown_group_answers_with_its_id_once(world: World) -> None:
    group = FakeGroup(-1009, "随便一个群")
    c = world.client
    for command in ("/start", "/help", "/whoami", "/digest@SundownDeskBot"):
        await c.send(world.outsider, command, group=group)
    answers = c.inbox(group)
    assert len(answers) == 1, "one answer, however many commands: a group cannot make us spam"
    assert answers[0].text == (
        "这个群还不是任何门店的员工群。本群的 chat id 是 -1009:请在配置文件中把它填为 staff_chat_id。")
    world.clock.advance(minutes=11)
    await c.send(world.outsider, "/help", group=group)
    assert len(c.inbox(group)) == 2, "later it answers again"


async def test_a_known_groups_commands_are_not_answered_with_an_id(world: World) -> None:
    await world.client.send(world.li, "/help", group=world.staff_group)
    assert "-1001" not in world.client.last(world.staff_group).text
