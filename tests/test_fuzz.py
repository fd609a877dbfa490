"""Random updates from random people in random chats: no crash, and the store stays consistent."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.models import ACTIVE_STATES, State
from sandbox.fake_telegram import FakeGroup, FakeUser
from tests.conftest import start_world

USERS = [FakeUser(1001, "张"), FakeUser(1002, "Tom", language_code="en"), FakeUser(201, "Li"),
         FakeUser(202, "Wang"), FakeUser(500, "赵经理"), FakeUser(299, "X", language_code=None)]
GROUPS = [FakeGroup(-1001, "hq"), FakeGroup(-1002, "east"), FakeGroup(-1003, "unknown")]
TEXTS = st.one_of(
    st.sampled_from(["/start", "/start s_hq", "/start s_east", "/start s_", "/mytickets",
                     "/cancel", "/language", "/help", "电热水壶漏水,我要退款", "店员态度差",
                     "请问几点开门?", "不用了", "No, thanks", "", " ", "x" * 4096]),
    st.text(max_size=60),
)
DATA = st.one_of(
    st.sampled_from(["c:ok:", "c:kind:", "c:edit:", "c:setkind:", "c:want:", "c:store:hq",
                     "c:store:zz", "c:lang:en", "c:lang:xx", "t:claim:1", "t:accept:1",
                     "t:pass:1", "t:contact:1", "t:done:1", "t:out:1:solved", "t:back:1",
                     "t:esc:1", "m:reply:1:0", "m:pick:1", "m:assign:1:201", "m:assign:1:9"]),
    st.text(max_size=64),
)
ACTION = st.tuples(
    st.sampled_from(["text", "text_group", "press", "photo", "sticker", "contact", "edit",
                     "reply_group"]),
    st.sampled_from(USERS), st.sampled_from(GROUPS), TEXTS, DATA, st.booleans(),
)


async def play(actions: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = await start_world(Path(folder) / "data")
        c = world.client
        for kind, user, group, text, data, flag in actions:
            if kind == "text":
                await c.send(user, text)
            elif kind == "text_group":
                await c.send(user, text, group=group)
            elif kind == "press":
                chats = [m for chat in world.telegram.chats.values() for m in chat if m.from_bot]
                if chats:
                    message = chats[len(data) % len(chats)]
                    if flag and message.buttons:
                        data = message.buttons[0][0]["callback_data"]
                    elif data.endswith(":") and world.db.draft_for(user.id):
                        data += world.db.draft_for(user.id).key
                    await c.press(user, message, data)
            elif kind == "photo":
                await c.send_photo(user, caption=text if flag else None)
            elif kind == "sticker":
                await c.send_sticker(user)
            elif kind == "contact":
                await c.share_contact(user, "+86138" + str(user.id), owner=None if flag else 7)
            elif kind == "edit":
                chat = c.chat(user)
                if chat:
                    await c.edit(user, chat[0], text or "x")
            elif kind == "reply_group":
                inbox = c.inbox(group)
                if inbox:
                    await c.send(user, text or "ok", group=group, reply_to=inbox[-1])
        assert c.errors == [], c.errors
        # Consistency: numbers unique, open tickets have a store and a sane owner.
        hot = world.db.hot_tickets()
        numbers = [t.number for t in hot if t.number is not None]
        assert len(numbers) == len(set(numbers))
        for ticket in hot:
            assert ticket.store_id or ticket.state is State.DRAFT
            if ticket.state in (State.CLAIMED, State.CONTACTED, State.OFFERED):
                assert ticket.assignee_id is not None
            if ticket.state is State.NEW:
                assert ticket.assignee_id is None
            assert ticket.state in ACTIVE_STATES | {State.DRAFT}
        drafts = [t.customer_id for t in hot if t.state is State.DRAFT]
        assert len(drafts) == len(set(drafts)), "one draft per customer"
        await world.stop()


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTION, min_size=1, max_size=25))
def test_random_updates_never_crash(actions: list) -> None:
    asyncio.run(play(actions))
