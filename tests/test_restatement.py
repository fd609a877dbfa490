"""Reading a complaint: the suggested kind, what the customer wants, the product or order."""

from __future__ import annotations

import pytest

from bench.reading import figures, load_set
from desk.models import Kind, Want
from desk.restatement import (
    find_product,
    named_person,
    quote,
    read_complaint,
    suggest_kind,
    suggest_want,
)

PRODUCTS = ("电热水壶", "空气净化器", "热水壶")


@pytest.mark.parametrize(("text", "kind"), [
    ("电热水壶用了两天就漏水", Kind.QUALITY),
    ("店员态度很差,不理人", Kind.SERVICE),
    ("订单多收了我50元,发票也没给", Kind.CONTRACT),
    ("送货延迟了三天还没到货", Kind.CONTRACT),
    ("請問你們週末幾點開門?", Kind.INQUIRY),
    ("電熱水壺壞了", Kind.QUALITY),
    ("The kettle is broken and leaks", Kind.QUALITY),
    ("The staff were rude to me", Kind.SERVICE),
    ("I was overcharged on my invoice", Kind.CONTRACT),
    ("Do you open on Sundays?", Kind.INQUIRY),
    ("我想说一下上次的事情", Kind.QUALITY),  # nothing to go on: the most common kind
])
def test_kind(text: str, kind: Kind) -> None:
    assert suggest_kind(text) is kind


@pytest.mark.parametrize(("text", "want"), [
    ("我要退款", Want.REFUND), ("能不能换一个", Want.EXCHANGE), ("请上门维修", Want.REPAIR),
    ("给我一个说法", Want.EXPLANATION), ("我要退貨", Want.REFUND),
    ("I want my money back", Want.REFUND), ("please replace it", Want.EXCHANGE),
    ("水壶漏水", None),
])
def test_want(text: str, want: Want | None) -> None:
    assert suggest_want(text) is want


def test_product_prefers_the_longest_name_then_an_order_number() -> None:
    assert find_product("我的电热水壶漏水", PRODUCTS) == "电热水壶"
    assert find_product("订单号:A2026-1120 的货没到", PRODUCTS) == "A2026-1120"
    assert find_product("订单号\uff1aA2026-1120 的货没到", PRODUCTS) == "A2026-1120", "IME colon"
    assert find_product("訂單編號 TW88123 還沒到", ()) == "TW88123"
    assert find_product("Order #SO12345 never arrived", ()) == "SO12345"
    assert find_product("没有产品名", PRODUCTS) is None


def test_inquiry_wants_an_explanation() -> None:
    reading = read_complaint("请问有没有上门安装服务?", PRODUCTS)
    assert reading == read_complaint("请问有没有上门安装服务?", PRODUCTS)
    assert reading.kind in (Kind.SERVICE, Kind.INQUIRY)
    assert read_complaint("请问几点关门?").want is Want.EXPLANATION


def test_quote_shortens_and_folds_whitespace() -> None:
    assert quote("a\n\n b") == "a b"
    assert quote("字" * 700) == "字" * 599 + "…"


@pytest.mark.parametrize(("text", "kind", "want"), [
    # The six: a question about the warranty is no complaint; one that reports a fault
    # is; hotline and buck-passing are the service; explicit wishes are kept.
    ("我想问下电饭煲保修多久", Kind.INQUIRY, Want.EXPLANATION),
    ("洗衣机洗到一半就停了,屏幕显示E3,怎么回事", Kind.QUALITY, Want.EXPLANATION),
    ("客服电话一直打不通", Kind.SERVICE, None),
    ("我要投诉你们的售后,踢皮球", Kind.SERVICE, None),
    ("吸尘器……换个新的吧", Kind.QUALITY, Want.EXCHANGE),
    ("收银员多收了我二十块钱,请退给我", Kind.CONTRACT, Want.REFUND),
    # Full-width punctuation, as an IME types it.
    ("吸尘器用了一个月吸力就不行了，换个新的吧", Kind.QUALITY, Want.EXCHANGE),
    ("请问你们周末几点开门？", Kind.INQUIRY, Want.EXPLANATION),
    # Only imagined trouble: still a question.
    ("如果空调坏了要找谁修?", Kind.INQUIRY, Want.EXPLANATION),
    ("if my fridge breaks do i call you or the brand", Kind.INQUIRY, Want.EXPLANATION),
    # Asking "退不退" is asking for the refund; a promise broken at the sale is the contract.
    ("押金退不退啊,说好的七天内退", Kind.CONTRACT, Want.REFUND),
    ("網購的價格跟門市差了五百 差價可以退嗎", Kind.CONTRACT, Want.REFUND),
    ("you guys charged me for delivery even tho it was supposed to be free", Kind.CONTRACT, None),
    ("合同约定的安装到现在没人来装,赶紧安排", Kind.CONTRACT, Want.OTHER),
    # Faults, with and without a wish.
    ("耳機才用一週就沒聲音了,我要退貨", Kind.QUALITY, Want.REFUND),
    ("洗碗机漏水 请尽快派人维修", Kind.QUALITY, Want.REPAIR),
    ("my fridge isnt cooling anymore, can someone come and look at it", Kind.QUALITY, Want.REPAIR),
    ("the blender smells like burning after 2 uses. want my money back", Kind.QUALITY, Want.REFUND),
    # People: attitude, waiting for someone, keeping someone away; an apology is an explanation.
    ("門市人員態度很差 講話很兇", Kind.SERVICE, None),
    ("你们售后什么态度?挂我电话,给我解释清楚", Kind.SERVICE, Want.EXPLANATION),
    ("你们那个送货的司机骂人 我要投诉他 以后别让他送了", Kind.SERVICE, Want.OTHER),
    ("Li the technician was really rude, please send a different technician next time",
     Kind.SERVICE, Want.OTHER),
    ("報修等了三天都沒有人來 到底什麼時候要來修", Kind.SERVICE, Want.REPAIR),
    # Narrative is not a wish: "上门维修的师傅" and "didn't apologise" ask for nothing.
    ("上门维修的师傅迟到了两个小时", Kind.SERVICE, None),
    ("installer was 3 hours late and didnt even apologise", Kind.SERVICE, None),
    ("李工来修完第二天又坏了", Kind.QUALITY, None),
    ("手机老是自动重开机", Kind.QUALITY, None),  # 重开机 reboots; 重开 an invoice is a wish
])
def test_reading(text: str, kind: Kind, want: Want | None) -> None:
    reading = read_complaint(text)
    assert (reading.kind, reading.want) == (kind, want)


def test_reading_set_stays_above_the_goal() -> None:
    examples = load_set()
    assert len(examples) >= 150
    assert {e.kind for e in examples} == set(Kind)
    assert {e.lang for e in examples} == {"zh_CN", "zh_TW", "en"}
    result = figures(examples)
    assert result["kind accuracy"] >= 0.9, result
    assert result["want accuracy"] >= 0.9, result


@pytest.mark.parametrize(("text", "names", "person"), [
    ("修空调的李工态度太差了,希望换个师傅来", ("王师傅", "李工"), "李工"),
    ("王师傅说是李工装错的", ("李工", "王師傅", "王师傅"), "王师傅"),  # the first one named
    ("Tom the technician was rude", ("Li", "Tom"), "Tom"),
    ("tom was late again", ("Tom",), "Tom"),
    ("see you tomorrow", ("Tom",), None),  # a Latin name stands as a word
    ("Li师傅来了又走了", ("Li",), "Li"),
    ("店员态度很差", ("李工", "", " "), None),
])
def test_named_person(text: str, names: tuple[str, ...], person: str | None) -> None:
    assert named_person(text, names) == person
