"""Reading a complaint: the suggested kind, what the customer wants, the product or order."""

from __future__ import annotations

import pytest

from desk.models import Kind, Want
from desk.restatement import find_product, quote, read_complaint, suggest_kind, suggest_want

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
