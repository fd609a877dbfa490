"""The phrase guard (SOP section 4): what must be stopped, and what must pass."""

from __future__ import annotations

import pytest

from desk.config import ConfigError
from desk.guard import DEFAULT_PHRASES, check, configured
from tests.conftest import CHAIN_TOML, chain_settings

BLOCKED = [
    # (what a technician types, the phrase it is stopped as)
    ("这种问题连三岁小孩子都懂", "这种问题连三岁小孩子都懂"),
    ("这个连三岁小孩都懂吧", "这种问题连三岁小孩子都懂"),
    ("這種問題連三歲小孩子都懂", "这种问题连三岁小孩子都懂"),
    ("一分钱,一分货", "一分钱,一分货"),
    ("一分錢一分貨,您懂的", "一分钱,一分货"),
    ("一 分 钱 , 一 分 货", "一分钱,一分货"),
    ("不可能,绝不可能发生这种事", "不可能,绝不可能发生这种事"),
    ("这绝对不可能!", "不可能,绝不可能发生这种事"),
    ("我们的壶不可能出现这种问题", "不可能,绝不可能发生这种事"),
    ("这种问题不关我的事,请去问生产厂家,我只负责卖货", "这种问题不关我的事,请去问生产厂家,我只负责卖货"),
    ("那不关我的事啊", "这种问题不关我的事,请去问生产厂家,我只负责卖货"),
    ("您去问厂家吧", "这种问题不关我的事,请去问生产厂家,我只负责卖货"),
    ("這種問題不關我的事", "这种问题不关我的事,请去问生产厂家,我只负责卖货"),
    ("嗯……这个问题我不大清楚", "嗯……这个问题我不大清楚"),
    ("嗯...这个我不太清楚", "嗯……这个问题我不大清楚"),
    ("這個問題我不大清楚", "嗯……这个问题我不大清楚"),
    ("我绝对没有说过那种话", "我绝对没有说过那种话"),
    ("我從來沒說過!", "我绝对没有说过那种话"),
    ("我不会", "我不会"),
    ("这个我不会,您找别人", "我不会"),
    ("我不會。", "我不会"),
    ("这是本店的规定", "这是本店的规定"),
    ("不能退,这是本店的规定。", "这是本店的规定"),
    ("這是本店的規定", "这是本店的规定"),
    ("這是本店的規定!!", "这是本店的规定"),
    ("这 是 本 店 的 规 定", "这是本店的规定"),
    ("没办法,规定就是规定", "这是本店的规定"),
    ("Even a three-year-old knows that", "even a three-year-old knows"),
    ("You get what you pay for.", "you get what you pay for"),
    ("ＹＯＵ ＧＥＴ ＷＨＡＴ ＹＯＵ ＰＡＹ ＦＯＲ", "you get what you pay for"),
    ("That's impossible!", "that's impossible"),
    ("That’s impossible", "that's impossible"),
    ("Not my problem, ask the manufacturer.", "not my problem, ask the manufacturer"),
    ("Sorry, I don't really know.", "I don't really know"),
    ("I never said that!", "I never said that"),
    ("Sorry, I can't do that", "I can't do that"),
    ("It's store policy.", "it's store policy"),
    ("That is our policy, sorry", "it's store policy"),
]

INNOCENT = [
    "您好,我们下午三点上门更换,可以吗?",
    "非常抱歉给您带来不便,我们马上处理。",
    "我不会让您白跑一趟的,放心。",
    "这个问题我来帮您问清楚,今天下班前答复您。",
    "我会联系厂家,明天给您回电话。",
    "按照规定,您可以在七天内无理由退货。",
    "您说的情况我们已经记录下来了。",
    "请问您方便拍一张照片吗?",
    "新壶已经备好,就是这款。",
    "我们会尽快给您一个说法。",
    "感谢您的耐心等待。",
    "您好,我是李工,负责您的投诉单。",
    "这种情况很少见,我们一定查清楚原因。",
    "價格方面我幫您申請優惠。",
    "Hello, I can bring a new kettle at 2 pm. Does that work for you?",
    "Our service team agrees: we will replace it.",
    "We'll restore policy settings on the device tomorrow.",
    "It can be repaired, we'll try our best.",
    "I never thought it would take so long, sorry.",
    "I can do that for you today.",
    "The store manager will call you.",
    "Thank you, we have noted everything you said.",
]


@pytest.mark.parametrize(("text", "phrase"), BLOCKED)
def test_forbidden_phrasings_are_stopped(text: str, phrase: str) -> None:
    hit = check(text, DEFAULT_PHRASES)
    assert hit is not None, text
    assert hit.phrase == phrase
    assert hit.suggestion


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_sentences_pass(text: str) -> None:
    assert check(text, DEFAULT_PHRASES) is None


def test_there_are_enough_cases() -> None:
    assert len(BLOCKED) >= 30 and len(INNOCENT) >= 20


def test_a_store_adds_its_own_phrases_and_may_drop_the_sops(tmp_path) -> None:
    toml = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]\n', '''products = ["电热水壶", "空气净化器"]
guard = {{ sop_phrases = false, phrases = [{{ phrase = "爱买不买", suggestion = "请说明我们能为您做什么" }}] }}
''')
    store = chain_settings(tmp_path, toml).stores[0]
    hit = check("爱 买 不 买!", store.guard_phrases)
    assert (hit.phrase, hit.suggestion) == ("爱买不买", "请说明我们能为您做什么")
    assert check("这是本店的规定", store.guard_phrases) is None
    assert check("这是本店的规定", configured([], True)) is not None


@pytest.mark.parametrize(("guard", "key"), [
    ('{ phrase = ["x"] }', "stores[hq].guard.phrase"),
    ('{ phrases = [{ phrase = "……" }] }', "stores[hq].guard.phrases[0].phrase"),
    ('{ phrases = [{ phrase = "x", sugestion = "y" }] }', "stores[hq].guard.phrases[0].sugestion"),
    ('{ sop_phrases = "no" }', "stores[hq].guard.sop_phrases"),
])
def test_guard_config_mistakes_name_their_key(tmp_path, guard: str, key: str) -> None:
    toml = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]\n',
                              'products = ["电热水壶", "空气净化器"]\nguard = '
                              + guard.replace("{", "{{").replace("}", "}}") + "\n")
    with pytest.raises(ConfigError) as error:
        chain_settings(tmp_path, toml)
    assert error.value.key == key


def test_the_phrase_is_shown_in_the_readers_script() -> None:
    from desk.guard import shown_as

    hit = check("這是本店的規定", DEFAULT_PHRASES)
    assert shown_as(hit.phrase, "zh_TW") == "這是本店的規定"
    assert shown_as(hit.phrase, "zh_CN") == "这是本店的规定"
