"""Listening before restating (seed 003: 认真聆听 … 适当配合"我理解"之类的语言): the tone of a
complaint, and the words an angry or distressed customer hears first."""

from __future__ import annotations

import pytest

from desk.buttons import Action
from desk.models import Kind, Want
from desk.tone import Tone, tone_of
from tests.conftest import World


@pytest.mark.parametrize(("text", "tone"), [
    ("电热水壶用了两天就漏水,我要换货", Tone.CALM),
    ("空气净化器滤网发黄了,想问下怎么处理", Tone.CALM),
    ("滚筒洗衣机门关不上", Tone.CALM),
    ("The kettle stopped working after a week, please repair it", Tone.CALM),
    ("太过分了!!才买三天就坏了", Tone.ANGRY),
    ("你们这是黑店吧,凭什么不给退", Tone.ANGRY),
    ("上门安装的师傅迟到了两个小时,态度也很敷衍", Tone.ANGRY),
    ("真是無語,客服一直不回", Tone.ANGRY),
    ("This is RIDICULOUS, the WORST service ever", Tone.ANGRY),
    ("Absolutely unacceptable, I want my money back", Tone.ANGRY),
    ("电暖器冒烟了,家里有小孩,好害怕", Tone.DISTRESSED),
    ("冰箱不制冷,里面都是孩子的药,怎么办啊", Tone.DISTRESSED),
    ("熱水器壞了,老人在家洗不了澡,很著急", Tone.DISTRESSED),
    ("气死了,孩子被烫伤了", Tone.DISTRESSED),  # worry for the child comes first
    ("The heater is smoking and I'm worried about my baby", Tone.DISTRESSED),
])
def test_tone(text: str, tone: Tone) -> None:
    assert tone_of(text) is tone


async def test_angry_customer_hears_listening_words_before_the_restatement(world: World) -> None:
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, "太过分了!!电热水壶才买三天就漏水,我要退款")
    assert world.client.last(world.customer).text.startswith(
        "我理解您的心情,遇到这样的事,换作是谁都会不高兴。感谢您提出意见!为确保我们理解无误")


async def test_distressed_customer_is_reassured(world: World) -> None:
    await world.client.send(world.other_customer, "/start s_hq")
    await world.client.send(world.other_customer,
                            "The air purifier is smoking and my baby is at home, please repair it")
    assert world.client.last(world.other_customer).text.startswith(
        "I understand this is worrying. Please rest assured that we'll take care of it as "
        "quickly as we can. For your safety, please stop using or eating it first (unplug an "
        "appliance); if anyone is hurt or unwell, please see a doctor first. Thanks for letting "
        "us know.")


async def test_calm_complaint_goes_straight_to_the_restatement(world: World) -> None:
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, "电热水壶用了两天就漏水,我要换货")
    assert world.client.last(world.customer).text.startswith("感谢您提出意见!")


async def test_listening_words_also_after_the_want_question(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "上门安装的师傅迟到了两个小时,态度也很敷衍")
    question = c.last(world.customer)
    await c.press_action(world.customer, question, Action.SET_WANT, Want.EXPLANATION)
    assert question.text.startswith("我理解您的心情,遇到这样的事,换作是谁都会不高兴。感谢您提出意见!")
    await c.press_action(world.customer, question, Action.SHOW_KINDS)
    await c.press_action(world.customer, question, Action.SET_KIND, Kind.CONTRACT)
    assert question.text.startswith("感谢您提出意见!"), "said once, not on every redraw"
