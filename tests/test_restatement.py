"""Reading a complaint: the suggested kind, what the customer wants, the product or order."""

from __future__ import annotations

import pytest

from bench.reading import figures, load_set
from desk.models import Kind, Ticket, Urgency, Want
from desk.restatement import (
    find_product,
    named_person,
    problems_of,
    quote,
    read_complaint,
    suggest_kind,
    suggest_want,
    suggest_wants,
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
    ("给我一个说法", Want.EXPLANATION), ("我要退貨", Want.REFUND), ("我要一个道歉", Want.APOLOGY),
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
    ("手机充电器用了两次就烧了,还好人没事,必须赔偿", Kind.QUALITY, Want.COMPENSATION),
    # Faults, with and without a wish.
    ("耳機才用一週就沒聲音了,我要退貨", Kind.QUALITY, Want.REFUND),
    ("洗碗机漏水 请尽快派人维修", Kind.QUALITY, Want.REPAIR),
    ("my fridge isnt cooling anymore, can someone come and look at it", Kind.QUALITY, Want.REPAIR),
    ("the blender smells like burning after 2 uses. want my money back", Kind.QUALITY, Want.REFUND),
    # People: attitude, waiting for someone, keeping someone away.
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
    """The bench's figures as a floor (the held part's goals are in bench/reading.py: the
    figures here are what the rules reached, so that a change that loses ground fails)."""
    examples = load_set()
    assert len(examples) >= 400
    assert sum(e.split == "held" for e in examples) >= 160
    assert {e.kind for e in examples} == set(Kind)
    assert {e.lang for e in examples} == {"zh_CN", "zh_TW", "en"}
    assert {w for e in examples for w in e.wants} == set(Want)
    result = figures(examples)
    for name, floor in (
        ("kind accuracy (dev)", 0.97), ("wants exact (dev)", 0.95),
        ("product accuracy (dev)", 0.97), ("safety recall (dev)", 1.0),
        # Held-out 5, measured once (docs/benchmarks.md): kind, wants and safety recall are
        # below the goals (0.95, 0.85, 0.9); the floors are what the rules reached.
        ("threat recall (dev)", 1.0), ("kind accuracy (held)", 0.89),
        ("wants exact (held)", 0.84), ("product accuracy (held)", 0.98),
        ("safety recall (held)", 0.73), ("threat recall (held)", 0.9),
    ):
        assert result[name] >= floor, (name, result)
    assert result["complaints read as questions (dev)"] == 0, result


# -- issue 20: wants as a set, negation, Cantonese and Taiwan wording, questions, urgency ------


@pytest.mark.parametrize(("text", "kind", "wants"), [
    # What the customer does not want is not what they want.
    ("我不要钱,就想要一个正式的道歉", Kind.QUALITY, {Want.APOLOGY}),
    ("我不要退货,帮我修好就行", Kind.QUALITY, {Want.REPAIR}),
    ("空调不制冷,不用换,派师傅来看看就行", Kind.QUALITY, {Want.REPAIR}),
    ("I don't want a refund, I just want a proper apology.", Kind.QUALITY, {Want.APOLOGY}),
    ("I don't want to return it, just fix it please.", Kind.QUALITY, {Want.REPAIR}),
    # Several wants in one message.
    ("面包里有只虫,孩子都吃了一口,退钱,还要道歉", Kind.QUALITY, {Want.REFUND, Want.APOLOGY}),
    ("沙发送来就有一个大口子,退货,搬运的费用也得你们出", Kind.QUALITY,
     {Want.REFUND, Want.COMPENSATION}),
    ("你们那个收银员当众骂我,我要她道歉,再让你们店长给我打个电话", Kind.SERVICE,
     {Want.APOLOGY, Want.CONTACT}),
    # The new wants.
    ("说好买电视送一个支架,到现在支架都没给我,赶紧补发", Kind.CONTRACT, {Want.DELIVERY}),
    ("洗衣机漏水把我家木地板泡坏了,这个损失你们要赔", Kind.QUALITY, {Want.COMPENSATION}),
    ("麻烦找个负责人给我回个电话", Kind.SERVICE, {Want.CONTACT}),
    # Cantonese and Taiwan wording.
    ("买咗个电饭煲冇反应,快啲同我换过个新嘅", Kind.QUALITY, {Want.EXCHANGE}),
    ("雪柜唔制冷,我唔要修,退钱", Kind.QUALITY, {Want.REFUND}),
    ("快煮壺煮完水有一股塑膠味", Kind.QUALITY, set()),
    # A complaint phrased as a question is a complaint.
    ("内胆涂层掉了一大块,能免费换吗?", Kind.QUALITY, {Want.EXCHANGE}),
    ("手机才买两天就充不进电,能换一台吗?", Kind.QUALITY, {Want.EXCHANGE}),
    ("the tv has no picture, only sound. can you replace it?", Kind.QUALITY, {Want.EXCHANGE}),
    # A question stays a question.
    ("请问你们周日几点关门?", Kind.INQUIRY, {Want.EXPLANATION}),
    ("以旧换新怎么办理", Kind.INQUIRY, {Want.EXPLANATION}),
])
def test_wants_as_a_set(text: str, kind: Kind, wants: set[Want]) -> None:
    reading = read_complaint(text)
    assert (reading.kind, set(reading.wants)) == (kind, wants)
    if kind is not Kind.INQUIRY:
        assert set(suggest_wants(text)) == wants


@pytest.mark.parametrize(("text", "urgency"), [
    ("吹风机一开就冒烟,吓死人了,退钱", {Urgency.SAFETY}),
    ("水壶底座漏电,摸一下就被电了一下", {Urgency.SAFETY}),
    ("孩子喝了你们卖的过期牛奶,上吐下泻送了急诊", {Urgency.SAFETY}),
    ("The hair dryer caught fire in my hand! Money back now.", {Urgency.SAFETY}),
    ("多收了我五十块还不承认,不退钱我就去消协", {Urgency.THREAT}),
    ("你们再不处理我就找电视台曝光,让你们经理给我打电话", {Urgency.THREAT}),
    ("不退差價我就PO網給大家看,也會給一星負評", {Urgency.THREAT}),
    ("If nobody calls me today I'm going to the press.", {Urgency.THREAT}),
    ("孩子喝了过期酸奶进了医院,不然我就打12315", {Urgency.SAFETY, Urgency.THREAT}),
    # Not urgent: a gas stove that will not light, a question about what might happen.
    ("热水器打不着火,洗不了澡,能不能今天来修一下?", set()),
    ("如果冒烟了怎么办?", set()),
    ("耳机左边没声音", set()),
])
def test_urgency(text: str, urgency: set[Urgency]) -> None:
    reading = read_complaint(text)
    assert set(reading.urgency) == urgency
    assert len(reading.urgency_words) == len(reading.urgency)


@pytest.mark.parametrize(("text", "product"), [
    ("热水壶底下漏水", "电热水壶"), ("電熱水壺壞了", "电热水壶"), ("快煮壺按鈕壞了", "电热水壶"),
    ("the kettle leaks", "电热水壶"), ("电视开机就黑屏", "电视机"), ("TVs flicker", "电视机"),
    ("雪柜不冷", "冰箱"), ("fridges are warm", "冰箱"), ("手机充电器烧了", "充电器"),
    ("你们再不处理我就找电视台曝光", None), ("my fan is noisy", "电风扇"),
    ("I fancy a refund", None),
])
def test_product_forms(text: str, product: str | None) -> None:
    assert find_product(text) == product


def test_store_products_and_aliases() -> None:
    products = ("电热水壶", "冰箱")
    assert find_product("小白壶漏水", products) is None
    assert find_product("小白壶漏水", products, {"电热水壶": ("小白壶",)}) == "电热水壶"
    assert find_product("热水壶漏水", ("热水壶",)) == "热水壶", "the store's own name is kept"
    assert find_product("电视坏了", products) is None, "a product the store does not sell"
    reading = read_complaint("小白壶漏水", products, {"电热水壶": ("小白壶",)})
    assert reading.product == "电热水壶"


def test_problems_name_what_went_wrong() -> None:
    assert problems_of("电热水壶漏水,还有焦味") == ("smoke", "leak")
    assert problems_of("店员态度很差,电话也打不通") == ("rude", "unreachable")
    assert problems_of("如果坏了怎么办") == ()


def test_a_stored_single_want_becomes_a_set() -> None:
    """Data files written before wants were a set keep loading."""
    old = {"key": "0a1b2c3d", "store_id": "hq", "customer_id": 1, "customer_name": "张女士",
           "language": "zh_CN", "text": "漏水", "kind": "quality",
           "created_at": "2026-11-23T02:00:00+00:00", "want": "refund", "state": "new"}
    ticket = Ticket.from_dict(old)
    assert ticket.wants == [Want.REFUND] and ticket.want is Want.REFUND
    assert ticket.urgency == []
    stored = ticket.to_dict()
    assert stored["wants"] == ["refund"] and "want" not in stored
    assert Ticket.from_dict(stored).wants == [Want.REFUND]
    assert Ticket.from_dict({**old, "want": None}).wants == []
    both = Ticket.from_dict({**stored, "wants": ["apology", "contact"], "urgency": ["threat"]})
    assert both.wants == [Want.APOLOGY, Want.CONTACT] and both.urgency == [Urgency.THREAT]


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


# -- issue 20, second round: lines of held-out 3 the rules missed (now development lines) -------


@pytest.mark.parametrize(("text", "kind"), [
    # declining a remedy says something went wrong
    ("不是要退货,就是想知道洗衣机为什么洗完衣服上全是白色的粉末", Kind.QUALITY),
    ("保温瓶早上装的开水中午就凉了,这叫保温?是不是买到次品了", Kind.QUALITY),
    ("洗衣機脫水的時候整台在跳,是不是沒裝好?", Kind.QUALITY),
    ("退货都退了半个月了,钱怎么还没退到我卡上?", Kind.CONTRACT),
    ("为什么我在你们店买东西,店员连个招呼都不打,找零还直接扔台面上?", Kind.SERVICE),
    # what comes before 的话 is imagined; asking what a remedy needs is a question
    ("洗衣机坏了的话保修期内是免费上门吗?", Kind.INQUIRY),
    ("請問退換貨要帶發票嗎?", Kind.INQUIRY),
    ("手机屏幕碎了,你们能修吗?大概多少钱", Kind.INQUIRY),
    ("Where is my order? I placed it on Monday, just checking when it might arrive",
     Kind.INQUIRY),
])
def test_questions_and_complaints_second_round(text: str, kind: Kind) -> None:
    assert suggest_kind(text) is kind


@pytest.mark.parametrize(("text", "wants"), [
    ("來安裝的師傅一直抽菸還罵髒話,以後不要再派他來我家", {Want.OTHER}),  # 不要 is the want's own
    ("那个导购一直骚扰我,加了我微信天天发消息,让他别再联系我", {Want.OTHER}),
    ("上次来修热水器的师傅抽烟还把烟头扔我家地上,下次别派他来了", {Want.OTHER}),
    ("你们超市卖过期牛奶,不退一赔十我就打12315", {Want.REFUND, Want.COMPENSATION}),
    ("售后电话打了一个礼拜都没人接,再没人管我就找媒体曝光,叫你们负责人联系我", {Want.CONTACT}),
    ("Is it normal for a new fridge to be this loud?", {Want.EXPLANATION}),
])
def test_wants_second_round(text: str, wants: set[Want]) -> None:
    assert set(suggest_wants(text)) == wants


@pytest.mark.parametrize(("text", "urgency"), [
    ("燃气灶关了火还一直有煤气味,我们都不敢在家待了", {Urgency.SAFETY}),
    ("跑步机跑着跑着突然停了,差点把我摔下来", {Urgency.SAFETY}),
    ("充电宝放包里发烫鼓起来了", {Urgency.SAFETY}),
    ("买的面包里吃出来一根钢丝,把我牙都硌坏了", {Urgency.SAFETY}),
    # the same words saying something harmless
    ("電鍋買不到一個禮拜就不會跳起來,飯都燒焦了", set()),
    ("The installer was smoking indoors", set()),
    ("These boots fell apart in a week", set()),
])
def test_urgency_second_round(text: str, urgency: set[Urgency]) -> None:
    assert set(read_complaint(text).urgency) == urgency


# -- issue 20, third round: lines of held-out 4 the rules missed (now development lines) --------


@pytest.mark.parametrize(("text", "kind", "wants"), [
    ("訂的是雙門冰箱,送來卻是單門的,請換成我訂的那台", Kind.CONTRACT, {Want.EXCHANGE}),
    ("啱啱俾咗两次钱,你哋扣咗我双倍,快啲退返一次俾我", Kind.CONTRACT, {Want.REFUND}),
    ("你哋个收银好串,我问多句佢就黑面,我要佢讲声对唔住", Kind.SERVICE, {Want.APOLOGY}),
    ("部洗衣机用咗一个月就唔脱水,成缸水喺度,快啲搵人嚟整", Kind.QUALITY, {Want.REPAIR}),
    ("赔偿不赔偿的我无所谓,我要的是一个态度,那个店员必须道歉", Kind.SERVICE, {Want.APOLOGY}),
    ("我没让你们换货,我要的是退款,鞋子都开线了", Kind.QUALITY, {Want.REFUND}),
    ("送货师傅态度很凶,以后别让他给我送了", Kind.SERVICE, {Want.OTHER}),
    ("七天无理由退货的话,运费谁出?", Kind.INQUIRY, {Want.EXPLANATION}),
    ("Do you sell replacement filters for the air purifier?", Kind.INQUIRY, {Want.EXPLANATION}),
    ("Your installer cracked my kitchen tile and walked off. I want it paid for and an apology.",
     Kind.SERVICE, {Want.COMPENSATION, Want.APOLOGY}),
    ("bike arrived without the pedals. please send them", Kind.CONTRACT, {Want.DELIVERY}),
])
def test_reading_third_round(text: str, kind: Kind, wants: set[Want]) -> None:
    reading = read_complaint(text)
    assert (reading.kind, set(reading.wants)) == (kind, wants)


@pytest.mark.parametrize(("text", "urgency", "product"), [
    ("宝宝喝了你们这批奶粉以后起了一身疹子", {Urgency.SAFETY}, "奶粉"),
    ("Headphones broke. If I don't get a refund I'm posting a review on every site.",
     {Urgency.THREAT}, "耳机"),
    ("I was kept on hold for an hour. I'm telling everyone on Facebook about this.",
     {Urgency.THREAT}, None),
    ("維修師傅上門連鞋套都不穿", set(), None),  # 鞋套 is no shoe
    ("I've emailed three times. Please get a manager to phone me.", set(), None),
    ("不粘锅第一次用就粘得一塌糊涂", set(), "平底锅"),
])
def test_urgency_and_product_third_round(text: str, urgency: set[Urgency],
                                         product: str | None) -> None:
    reading = read_complaint(text)
    assert (set(reading.urgency), reading.product) == (urgency, product)


@pytest.mark.parametrize(("text", "urgency"), [
    ("Power bank started smoking in my bag on the train", {Urgency.SAFETY}),
    ("the heater was smoking in the hallway", {Urgency.SAFETY}),
    ("The installer was smoking indoors", set()),  # a cigarette
])
def test_a_smoking_appliance_is_not_a_smoker(text: str, urgency: set[Urgency]) -> None:
    assert set(read_complaint(text).urgency) == urgency


@pytest.mark.parametrize(("text", "product"), [
    ("Hi, has my order shipped yet?", None),  # an order number has a digit
    ("订单号 JD20261105 还没到", "JD20261105"),
    ("order #A1234 never arrived", "A1234"),
])
def test_an_order_number_has_a_digit(text: str, product: str | None) -> None:
    assert find_product(text, ("电热水壶",)) == product
