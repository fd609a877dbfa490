"""The phrase guard (SOP section 4): what must be stopped, and what must pass."""

from __future__ import annotations

import pytest

from bench.guard import figures, load_set
from desk.config import ConfigError
from desk.guard import DEFAULT_PHRASES, check, configured
from tests.conftest import CHAIN_TOML, chain_settings

SHIRK = "这种问题不关我的事,请去问生产厂家,我只负责卖货"
RULE = "这是本店的规定"
IMPOSSIBLE = "不可能,绝不可能发生这种事"
UNKNOWN = "嗯……这个问题我不大清楚"
BLAME_CUSTOMER = "肯定是您自己使用不当"
BLAME_COLLEAGUE = "这是仓库那边的错"

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


# Issue 20: what the fixed wordings let through, and how staff dodge them. Each is stopped as
# the family it belongs to.
BY_MEANING = [
    ("这个我也不知道,不可能,我们的产品不会有噪音", IMPOSSIBLE),
    ("这是公司规定", RULE),
    ("肯定是您自己使用不当", BLAME_CUSTOMER),
    ("这是仓库那边的错", BLAME_COLLEAGUE),
    # synonyms
    ("与我无关", SHIRK),
    ("这事与本人无关,别找我", SHIRK),
    ("本店规矩,恕不退换", RULE),
    ("這是總部的政策,我們改不了", RULE),
    ("这都不懂?看看说明书吧", "这种问题连三岁小孩子都懂"),
    ("便宜没好货", "一分钱,一分货"),
    ("我什么时候说过能退?", "我绝对没有说过那种话"),
    ("这个我修不了", "我不会"),
    ("你自己摔坏的吧", BLAME_CUSTOMER),
    ("是前台的同事搞错的", BLAME_COLLEAGUE),
    # pinyin, with and without tones
    ("zhe shi ben dian de gui ding", RULE),
    ("bu guan wo de shi", SHIRK),
    ("BU GUAN WO DE SHI", SHIRK),
    ("bù kě néng", IMPOSSIBLE),
    ("zhe4 shi4 gui1 ding4", RULE),
    ("wo bu zhi dao", UNKNOWN),
    ("yu wo wu guan", SHIRK),
    ("haha bu guan wo de shi", SHIRK),
    ("不guan我的事", SHIRK),
    ("我不zhi道", UNKNOWN),
    # a letter, a space, a symbol, an emoji or an invisible character inside the phrase
    ("不关x我的事", SHIRK),
    ("这是本店🙂的规定", RULE),
    ("这是本店的规*定", RULE),
    ("不 可 能", IMPOSSIBLE),
    ("我不 知道", UNKNOWN),
    ("不关\u200b我的事", SHIRK),
    ("N\u200bot my pr\u200boblem", "not my problem, ask the manufacturer"),
    ("𝐧𝐨𝐭 𝐦𝐲 𝐩𝐫𝐨𝐛𝐥𝐞𝐦", "not my problem, ask the manufacturer"),
    ("1mpossible", "that's impossible"),
    # Taiwan wording
    ("這不干我的事", SHIRK),
    ("你要不要去問問看消基會", SHIRK),
    ("我也不知道欸", UNKNOWN),
    # look-alike letters (Cyrillic а, full width), digits for letters, spelt out
    ("Thаt's impossible", "that's impossible"),
    ("ｉｔ'ｓ ｓｔｏｒｅ ｐｏｌｉｃｙ", "it's store policy"),
    ("I d0n't kn0w", "I don't really know"),
    ("impo$$ible", "that's impossible"),
    ("n o t  m y  p r o b l e m", "not my problem, ask the manufacturer"),
    ("You must have used it wrong.", "it's your own fault"),
    ("That's the warehouse's fault.", "that's the warehouse's fault"),
    ("I don't know.", "I don't really know"),
]

# Issue 20: innocent, even SOP-recommended messages the fixed wordings stopped, and the good
# uses of the same words: the writer asks and comes back, a rule that gives the customer
# something, a promise about the future, a denial of the customer's blame.
GOOD_SERVICE = [
    "这个问题我马上去问厂家,您稍等",
    "按照本店的规定,您可以七天无理由退货",
    "这种情况以后绝不可能再发生",
    "I'll ask the manufacturer and get back to you this afternoon",
    "对不起,这个问题我目前还不能确定,我会通知公司的专门人员为您解答。",
    "我不太清楚具体到货时间,我去问一下仓库,十分钟后回复您。",
    "根据三包规定,您的产品可以免费换新。",
    "按公司政策,我们给您全额退款。",
    "這個問題我馬上去問原廠,稍等一下喔。",
    "這種事以後絕對不會再發生。",
    "不是您的错,是我们的产品出了问题。",
    "这不可能是您的问题,是我们出厂检测漏了",
    "我们仓库发错了货,是我们的责任,马上给您补发。",
    "我不会修这个型号,但我已经约了厂家工程师明天上门。",
    "这个不用找厂家,我们直接给您换",
    "不知道您明天上午方便吗?",
    "不好意思,我们没办法今天上门,明天上午九点可以吗?",
    "您好,师傅的问题我已经反馈给店长了",
    "Per our return policy, you can bring it back within 30 days for a full refund.",
    "I don't know yet, but I'll find out and call you before 6 pm.",
    "It's not your fault, the unit was defective.",
    "This should never happen again, I promise.",
    "It's impossible to reach you by phone, could you call us back?",
]


@pytest.mark.parametrize(("text", "phrase"), BY_MEANING)
def test_the_guard_stops_a_family_by_its_meaning(text: str, phrase: str) -> None:
    hit = check(text, DEFAULT_PHRASES)
    assert hit is not None, text
    assert hit.phrase == phrase, text


@pytest.mark.parametrize("text", GOOD_SERVICE)
def test_good_service_in_the_same_words_passes(text: str) -> None:
    assert check(text, DEFAULT_PHRASES) is None


def test_each_family_keeps_seed_003s_remedy() -> None:
    suggestions = {p.label: p.suggestion for p in DEFAULT_PHRASES}
    assert suggestions[SHIRK].startswith("Own it: “I will contact the manufacturer")
    assert suggestions[UNKNOWN].startswith("Use the SOP's wording")
    assert suggestions[BLAME_CUSTOMER].startswith("Never set out to prove the customer wrong")
    assert suggestions[BLAME_COLLEAGUE].startswith("Speak for the whole store")


def test_the_guard_set_is_large_with_a_held_out_part() -> None:
    examples = load_set()
    assert len(examples) >= 300
    held = [e for e in examples if e.split == "held"]
    assert {e.verdict for e in held} == {"block", "ordinary", "near"}
    assert {e.lang for e in held} == {e.lang for e in examples} == {"zh_CN", "zh_TW", "en"}


def test_the_guard_set_meets_the_goals() -> None:
    """Issue 20's goals on the whole set; the held-out part's figures are in bench/guard.py."""
    result = figures(load_set())
    assert result["recall (all)"] >= 0.95
    assert result["ordinary blocked (all)"] <= 0.02
    assert result["ordinary blocked (held)"] <= 0.02
    assert result["near blocked (all)"] <= 0.05


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
    assert len(BY_MEANING) >= 30 and len(GOOD_SERVICE) >= 20


def test_a_store_adds_its_own_phrases_and_may_drop_the_sops(tmp_path) -> None:
    toml = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]\n', '''products = ["电热水壶", "空气净化器"]
guard = {{ sop_phrases = false, phrases = [{{ phrase = "爱买不买", suggestion = "请说明我们能为您做什么" }}] }}
''')
    store = chain_settings(tmp_path, toml).stores[0]
    hit = check("爱 买 不 买!", store.guard_phrases)
    assert (hit.phrase, hit.suggestion) == ("爱买不买", "请说明我们能为您做什么")
    assert check("愛x買🙂不買", store.guard_phrases).phrase == "爱买不买"
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
