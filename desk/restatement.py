"""Reading a complaint: which kind it is, which product or order, what the customer wants.

The SOP asks the bot to restate every complaint (复述其意见,以示郑重其事) without making the
customer fill a form, so these are suggestions from keyword rules; the customer confirms or
changes them. Rules exist per language, but every language's rules are applied to every text:
a customer whose Telegram is set to English may well write in Chinese.

The kind is read in two steps. First: did something go wrong? Customers ask questions that are
complaints ("洗衣机停了,怎么回事") and complain in the form of questions ("定金退不退啊"), so a
question mark decides nothing by itself: a text is an inquiry only when it asks and nothing in it
went wrong. Second, which kind: words that say what went wrong weigh more than words that only
name the topic, because a topic is shared across kinds (a cashier can overcharge, 收银员多收,
which is the sales contract, not the service). How well this works is measured by
bench/reading.py over desk/data/reading_set.tsv.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from desk.models import Kind, Want

# The longest texts the restatement quotes in full; the ticket keeps everything.
QUOTE_LIMIT = 600


@dataclass(frozen=True)
class KindWords:
    """Regular expressions for one kind of complaint in one language."""

    # Something went wrong, and the words say which kind it is ("多收", "漏水", "态度差").
    trouble: tuple[str, ...]
    # Only what the text is about ("发票", "师傅"): inquiries name these too.
    topic: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    kinds: dict[Kind, KindWords]
    # Something went wrong, whatever the kind: the customer's tone or a broken promise.
    trouble: tuple[str, ...]
    # The text asks something.
    question: tuple[str, ...]
    # What follows these in a clause is imagined, not reported: "如果坏了找谁?" is an inquiry.
    hypothetical: tuple[str, ...]
    # Explicit wishes, per want.
    wants: dict[Want, tuple[str, ...]]


_ZH_CN = Language(
    kinds={
        Kind.CONTRACT: KindWords(
            trouble=(
                # prices charged
                "多收", "多扣", "多算", "多刷", r"扣了.{0,3}[两2]", "重复扣", "少找", "没减",
                "没打折", "没给优惠", "不认账", "差价", "另外出", r"另[外]?收", "加收", "额外收",
                # invoices
                r"发票.{0,8}(?:没|不给|开错)", "没开发票", "开错", "抬头错",
                # what was promised at the sale: gifts, terms, warranty
                r"说好(?!了吗)", "承诺", r"合同.{0,3}(?:写|约定|说)", "只保", "过保", "不给保修",
                "不给退", "不给换",
                # delivery dates and what was delivered
                "没货", r"还没[有]?(?:到|送|发|收到)", "没收到", "未收到", "没送到", "迟迟不",
                "延迟", "推迟", "延期", "拖到", "延到", "送错", "发错", r"型号不对", "不是我订的",
                "只送到", "少发", "漏发", "缺件",
            ),
            topic=(
                "合同", "订单", "发票", "价格", "价钱", "价签", "标价", "结账", "收费", "付款",
                "扣款", "定金", "订金", "送货", "发货", "配送", "到货", "快递", "物流", "促销",
                "优惠", "活动", "满减", "赠品", "保修", "安装费", "分期", "小票", "下单",
                "导购说",
            ),
        ),
        Kind.QUALITY: KindWords(
            trouble=(
                "坏", "漏水", "漏电", "漏气", "漏油", "故障", "不工作", "不能用", "用不了",
                "没反应", "破了", "破损", "破洞", "裂", "异味", "焦味", "怪味", "臭味", "噪音",
                "响声", r"咔咔|嗡嗡|吱吱", "很响", "发烫", "过热", "不制冷", "不冷", "不加热",
                "不热", "变形", "掉漆", "瑕疵", "划痕", "生锈", "短路", "死机", "失灵",
                "开不了机", "开不开机", "打不开", "不亮", "停了", "停机", "自动关机", "重启",
                r"显示.{0,3}[A-Za-z]\d", r"\b[Ee]\d{1,2}\b", "报错", "冒烟", "烧了",
                "烧坏", "起皮", "开胶", "脱胶", "开裂", "断了", "掉色", "褪色", "起球", "假货",
                "假的", "山寨", "查无此码", r"质量.{0,3}(?:问题|差)", "破质量", "这质量",
                r"做工.{0,3}(?:差|粗糙)", "没声音", "没声", "吸力", "尺寸不对",
                "关不上", "打不着火", "不出水", "充不进", "充不上", "跳闸", "接触不良",
                "松动", "脱落", "卡顿", "发霉", "过期", "变质",
            ),
            topic=("质量", "做工", "产品", "屏幕"),
        ),
        Kind.SERVICE: KindWords(
            trouble=(
                "态度", "不理", "没人理", "不耐烦", "骂", "粗鲁", "不礼貌", "没礼貌",
                "吼", "嫌我", "推脱", "推诿", "敷衍", "踢皮球", "踢来踢去", "打不通",
                "没人接", "不接", "不回", "没人回", "没回电", "没有回电", "迟到", "爽约",
                "放鸽子", r"没来", r"没有?人(?:来|打来|联系)", "排队", "排了", "不专业", "酒气",
                "抽烟", "没人管", "不管", "不处理", "甩锅", "互相推",
            ),
            topic=(
                "客服", "售后", "店员", "导购", "售货员", "员工", "服务员", "收银员", "保安",
                "师傅", "工作人员", "技术员", "安装工", "维修工", "服务", "报修",
                r"[李王张刘陈杨赵黄周吴]工",
            ),
        ),
    },
    trouble=(
        "投诉", "举报", "怎么回事", "什么情况", "凭什么", "搞什么", "太差", "过分", "离谱",
        "坑人", "骗", "气死", "无语", "不像话", "现在说", "现在跟我说", "居然", "竟然",
        "才买", "刚买", "才用", r"到现在.{0,3}(?:都|还)", "至今", "一直没", "都没有",
        "消协", "12315", "等了", "等到", "到底", "老是", "总是", "动不动",
        # time has passed: "一个礼拜了", "三天了"
        r"[一二两三四五六七八九十几半\d]+个?(?:小时|天|礼拜|星期|周|月)了",
    ),
    question=(
        "吗", "怎么", "如何", "请问", "能不能", "可不可以", "会不会", "要不要", "是不是",
        "是否", "什么时候", "什么", "哪里", "哪家", "哪个", "多少", "多久", "几点", "几天",
        "几号", "有没有", "想问", "问一下", "问下", "请教", "咨询", "了解一下", "呢",
        r"\?", "\uff1f",
    ),
    hypothetical=("如果", "要是", "万一", "假如", "假设"),
    wants={
        Want.REFUND: (
            "退款", "退钱", "退还", "退给我", "退我", "退回", "要退", "退货",
            r"钱退", "差价", "返还", "退掉", "退不退",
        ),
        Want.EXCHANGE: (
            "换货", r"换一?[个台双件部只]新的?", r"换一[个台双件部只](?!.{0,5}(?:师傅|人|工))",
            "换新", "调换", "更换", "换成", "帮我换", "换不换", r"换别[台个件款]",
        ),
        Want.REPAIR: (
            r"来修(?![了完过])", r"过来修", "上门修", r"派人.{0,4}修", "修一下", "修理一下",
            r"(?<![没不])修好", "给我修", "帮我修", r"请.{0,4}维修", "要维修", "安排维修",
            "申请维修", r"上门维修(?!的)", r"能修吗", r"能不能修", r"可以修吗",
            r"派人.{0,3}看", r"(?:请|要求|需要)(?:上门)?检修",
        ),
        Want.OTHER: (
            "赔偿", "补偿", r"必须赔", "补发", "补开", r"重开(?!机)", "开给我", "重新开",
            r"(?:经理|领导|店长).{0,6}(?:联系|打电话|回电)",
            r"换[个一位名]*.{0,5}(?:师傅|技师|技术员|工人|人来)", "改善", "改进", "处理一下",
            "来处理", "叫个人", r"(?:尽快|赶紧|马上|给我)送", "送过来",
            r"(?:尽快|赶紧|马上|快点)安排(?!维修)",
            # keep someone away: "以后别让他送了"
            r"(?:别|不要)再?(?:让|派)(?:他|她|这个人)",
        ),
        Want.EXPLANATION: (
            "说法", "解释", r"说明(?!书)", "为什么", "凭什么", "怎么回事", "什么情况",
            r"(?:要|给我|跟我|向我|给个|一个)道歉", "交代", "答复",
        ),
    },
)

_ZH_TW = Language(
    kinds={
        Kind.CONTRACT: KindWords(
            trouble=(
                "多收", "多扣", "多算", "多刷", r"扣了.{0,3}[兩2]", "重複扣",
                "少找", "沒減", "沒打折", "沒給優惠", "不認帳", "不認賬", "差價",
                "另外出", r"另[外]?收", "加收", "額外收", r"結帳.{0,4}變",
                r"發票.{0,8}(?:沒|不給|開錯)", "沒開發票", "開錯", "抬頭錯",
                r"說好(?!了嗎)", "承諾", r"合[約同].{0,3}(?:寫|約定|說)", "只保", "過保",
                "不給保固", "不給退", "不給換", "不一樣",
                "沒貨", r"還沒[有]?(?:到|送|發|出貨|收到)", "沒收到", "未收到", "沒送到",
                "遲遲不", "延遲", "延後", "延期", "拖到", "延到", "送錯", "寄錯", "發錯",
                "型號不對", "不是我訂的", "少寄", "漏寄", "缺件",
            ),
            topic=(
                "合約", "合同", "訂單", "發票", "價格", "價錢", "標價", "結帳",
                "收費", "付款", "刷卡", "扣款", "訂金", "定金", "送貨", "宅配", "出貨", "到貨",
                "配送", "物流", "促銷", "優惠", "贈品", "保固", "安裝費",
                "分期", "下單", "週年慶", "買一送一", "DM",
            ),
        ),
        Kind.QUALITY: KindWords(
            trouble=(
                "壞", "漏水", "漏電", "漏氣", "故障", "不工作", "不能用", "用不了", "沒反應",
                "破了", "破損", "破洞", "裂", "異味", "焦味", "怪味", "臭味", "噪音", "聲音超大",
                "很大聲", "發燙", "過熱", "不製冷", "不冷", "不加熱", "不熱", "變形",
                "掉漆", "瑕疵", "刮痕", "生鏽", "短路", "當機", "失靈", "開不了機",
                "打不開", "不亮", "停了", "自動關機", r"顯示.{0,3}[A-Za-z]\d",
                "冒煙", "燒掉", "燒壞", "起皮", "開膠", "脫膠", "開裂", "斷掉", "斷了",
                "掉色", "褪色", "起毛球", "假貨", "假的", "山寨", r"品質.{0,3}(?:問題|差|爛)",
                r"質量.{0,3}(?:問題|差)", r"做工.{0,3}(?:差|粗糙)", "沒聲音", "吸力",
                "尺寸不對", "關不上", "不出水", "充不進", "充不了", "跳電",
                "跳脫", "接觸不良", "鬆動", "脫落", "卡頓", "發霉", "過期", "變質",
            ),
            topic=("品質", "質量", "做工", "產品", "螢幕"),
        ),
        Kind.SERVICE: KindWords(
            trouble=(
                "態度", "不理", "沒人理", "不耐煩", "罵", "斥責", "兇", "粗魯", "不禮貌",
                "沒禮貌", "白眼", "推託", "推諉", "敷衍", "踢皮球", "打不通", "打不進",
                "沒人接", "不接", "不回", "沒人回", "沒回電", "遲到", "爽約",
                "放鳥", "沒來", r"沒有?人(?:來|打來|聯絡|聯繫)", "排隊", "不專業", "抽菸",
                "沒人管", "不管", "不處理",
            ),
            topic=(
                "客服", "售後", "店員", "門市人員", "銷售人員", "業務", "員工", "服務人員",
                "收銀員", "保全", "師傅", "技師", "維修人員", "安裝人員", "服務", "專線", "LINE",
            ),
        ),
    },
    trouble=(
        "投訴", "客訴", "申訴", "檢舉", "怎麼回事", "什麼情況", "憑什麼", "搞什麼", "太差",
        "過分", "離譜", "誇張", "傻眼", "坑人", "騙", "氣死", "無言", "爛", "現在說",
        "現在跟我說", "居然", "竟然", "才買", "剛買", "才用", r"到現在.{0,3}(?:都|還)",
        "至今", "一直沒", "都沒有", "消保", "1950", "等了", "到底", "老是", "總是", "動不動",
        r"[一二兩三四五六七八九十幾半\d]+個?(?:小時|天|禮拜|星期|週|月)了",
    ),
    question=(
        "嗎", "怎麼", "如何", "請問", "能不能", "可不可以", "會不會", "要不要", "是不是",
        "是否", "什麼時候", "什麼", "哪裡", "哪家", "哪個", "多少", "多久", "幾點", "幾天",
        "幾號", "有沒有", "想問", "問一下", "請教", "諮詢", "了解一下", "呢", r"\?", "\uff1f",
    ),
    hypothetical=("如果", "要是", "萬一", "假如", "假設"),
    wants={
        Want.REFUND: (
            "退款", "退費", "退錢", "退還", "退給我", "退我", "退回", "要退",
            "退貨", r"錢退", "差價", "返還", "退掉", "退不退",
        ),
        Want.EXCHANGE: (
            "換貨", r"換一?[個台雙件支只]新的?", r"換一[個台雙件支只](?!.{0,5}(?:師傅|人|技師))",
            "換新", "調換", "更換", "換成", "幫我換", "換不換", r"換別[台個支件款]",
        ),
        Want.REPAIR: (
            r"來修(?![了完過])", r"過來修", "到府修", r"派人.{0,4}修", "修一下", "修理一下",
            r"(?<![沒不])修好", "給我修", "幫我修", r"請.{0,4}維修", "要維修", "安排維修",
            "申請維修", r"到府維修(?!的)", r"能修嗎", r"能不能修", r"可以修嗎",
            r"派人.{0,3}看", "送修",
        ),
        Want.OTHER: (
            "賠償", "補償", r"必須賠", "補發", "補寄", r"重開(?!機)", "開給我", "重新開",
            r"(?:經理|主管|店長).{0,6}(?:聯絡|聯繫|打電話|回電)",
            r"換[個一位名]*.{0,5}(?:師傅|技師|人員|人來)", "改善", "改進", "處理一下",
            "來處理", r"(?:儘快|盡快|趕快|馬上|給我)送", "送過來",
            r"(?:儘快|盡快|趕快|馬上|快點)安排(?!維修)", r"(?:別|不要)再?(?:讓|派)(?:他|她|這個人)",
        ),
        Want.EXPLANATION: (
            "說法", "解釋", r"說明(?!書)", "為什麼", "憑什麼", "怎麼回事", "什麼情況",
            r"(?:要|給我|跟我|向我|給個|一個)道歉", "交代", "答覆",
        ),
    },
)

_EN = Language(
    kinds={
        Kind.CONTRACT: KindWords(
            trouble=(
                r"overcharg", r"charged (?:me )?twice", r"double[- ]charged",
                r"charged .{0,30}but", r"(?:tag|label|ad|sign|website|price) said",
                r"supposed to (?:be|arrive)", r"never (?:arrived|delivered|came)",
                r"has ?n[o']?t arrived", r"not (?:yet )?arrived",
                r"ha(?:ve|s) ?n[o']?t (?:got|received)", r"still (?:haven'?t|not|no|waiting)",
                r"not delivered", r"wrong (?:model|item|size|colou?r|product)", r"isn'?t the",
                r"discontinued", r"now you say",
                r"does ?n[o']?t apply", r"delayed", r"late delivery",
                r"extra (?:fee|charge)", r"out of stock after",
            ),
            topic=(
                r"contract", r"\border", r"invoice", r"receipt", r"price", r"charged",
                r"deliver", r"shipping", r"warranty", r"promo", r"discount", r"deposit",
                r"payment", r"installment", r"install", r"\bpaid\b", r"\bad\b",
            ),
        ),
        Kind.QUALITY: KindWords(
            trouble=(
                r"broken", r"\bbroke\b", r"\bbreaks?\b", r"leak", r"defect", r"faulty",
                r"does ?n[o']?t work", r"not working", r"stopped working", r"\bstops\b",
                r"won'?t (?:turn|switch) on", r"crack", r"noise", r"noisy", r"rattl",
                r"smell", r"sparks?", r"overheat", r"rust", r"scratch", r"damaged",
                r"dead pixel", r"fake", r"counterfeit", r"snapped",
                r"came off", r"fell off", r"fell apart", r"\bjunk\b", r"\b[Ee]\d{1,2}\b",
                r"error code", r"burn", r"smok", r"dead on arrival", r"\bDOA\b", r"torn",
                r"peeling", r"faded", r"won'?t charge", r"not charging",
                r"(?:isn'?t|not|stopped) (?:cooling|heating|spinning|draining|charging)",
            ),
            topic=(r"quality", r"product", r"screen"),
        ),
        Kind.SERVICE: KindWords(
            trouble=(
                r"\brude", r"attitude", r"ignored", r"impolite", r"unfriendly", r"no[- ]show",
                r"did ?n[o']?t (?:show|turn up|come)", r"never (?:showed|turned up|came)",
                r"\blate\b", r"nobody (?:picks|answers)",
                r"no one (?:picks|answers)", r"callback", r"call(?:ed)? back",
                r"pressur", r"unprofessional", r"left a mess", r"passing the buck",
                r"telling me to call", r"shouted", r"yelled", r"sarcastic", r"in line",
                r"queue", r"hung up",
            ),
            topic=(
                r"staff", r"clerk", r"cashier", r"technician", r"\btech\b", r"installer",
                r"repair (?:guy|man)", r"sales ?(?:guy|man|woman|person)", r"customer service",
                r"after[- ]sales", r"service desk", r"hotline",
                r"service", r"employee", r"manager",
            ),
        ),
    },
    trouble=(
        r"complain", r"\bstill\b(?! in stock)", r"\bnever\b", r"nobody", r"\bagain\b",
        r"ridiculous", r"terrible", r"horrible", r"unacceptable", r"worst", r"\bwtf\b",
        r"disgust", r"cheap", r"seriously", r"after (?:one|a|two|\d+) (?:day|week|month)",
        r"right out of the box", r"brand new", r"waited", r"waiting",
    ),
    question=(
        r"\?", r"\bhow\b", r"\bwhat\b", r"\bwhats\b", r"\bwhen\b", r"\bwhere\b", r"\bwhich\b",
        r"\bcan (?:i|you|we)\b", r"\bcould (?:i|you)\b", r"\bdo (?:you|i)\b", r"\bdoes\b",
        r"\bis (?:there|it|the|this)\b", r"\bare (?:you|there)\b", r"wondering",
        r"i'?d like to know",
    ),
    hypothetical=(r"\bif\b", r"\bin case\b"),
    wants={
        Want.REFUND: (
            r"refund", r"money back", r"reimburs", r"(?:give|pay) me back", r"cash back",
        ),
        Want.EXCHANGE: (
            r"exchange", r"replace", r"swap", r"a new one", r"another one", r"different one",
        ),
        Want.REPAIR: (
            r"repair (?:it|this|them)", r"repaired", r"fix (?:it|this|my|the)", r"\bfixed\b",
            r"come (?:and )?fix", r"send (?:someone|a technician|a tech)(?! else)",
            r"someone (?:needs )?to (?:come )?(?:fix|repair|look)", r"coming to fix",
            r"take a look", r"look at it",
        ),
        Want.OTHER: (
            r"compensat", r"manager (?:to )?call", r"(?:speak|talk) to (?:a|the|your) manager",
            r"someone else", r"(?:another|a different) (?:technician|tech|person|installer|guy)",
            r"(?:don'?t|never) send (?:him|her)",
            r"send (?:it|me)", r"deliver(?:ed)? (?:it )?(?:tomorrow|today|asap)", r"improve",
            r"sort (?:it|this) out",
        ),
        Want.EXPLANATION: (
            r"explain", r"explanation", r"\bwhy\b", r"what does (?:that|this|it) mean",
            r"what'?s going on", r"who is responsible", r"\bapology\b",
            r"is (?:it|this|that) normal",
        ),
    },
)

LANGUAGES: dict[str, Language] = {"zh_CN": _ZH_CN, "zh_TW": _ZH_TW, "en": _EN}

# Ties go to the kind listed first: product faults are the most common retail complaint.
KIND_ORDER = (Kind.QUALITY, Kind.SERVICE, Kind.CONTRACT)
# When a text asks for several things, the remedy wins over the words: "退款,还要一个解释"
# wants a refund, and 为什么/怎么回事 often sit beside a demand as a cry rather than a request.
WANT_ORDER = (Want.REFUND, Want.EXCHANGE, Want.REPAIR, Want.OTHER, Want.EXPLANATION)
# What went wrong says more about the kind than what the text is about.
TROUBLE_WEIGHT = 2

_CLAUSE = re.compile("[,.!?;\n\u2026\u3002\uff0c\uff01\uff1f\uff1b]+")
_EMOJI_TROUBLE = "😡😠🤬😤😱😨😭💢👎🙄"


def _merged(get: Callable[[Language], Iterable[str]]) -> re.Pattern[str]:
    """One pattern from every language's words for one role (a word listed twice counts once)."""
    words = dict.fromkeys(p for language in LANGUAGES.values() for p in get(language))
    return re.compile("|".join(f"(?:{p})" for p in words), re.IGNORECASE)


# Every language's words, one pattern per role, compiled once.
_KIND_TROUBLE = {k: _merged(lambda lang, k=k: lang.kinds[k].trouble) for k in KIND_ORDER}
_KIND_TOPIC = {k: _merged(lambda lang, k=k: lang.kinds[k].topic) for k in KIND_ORDER}
_TROUBLE = _merged(lambda lang: (*lang.trouble, f"[{_EMOJI_TROUBLE}]", "[!\uff01]{2}"))
_QUESTION = _merged(lambda lang: lang.question)
_HYPOTHETICAL = _merged(lambda lang: lang.hypothetical)
_WANTS = {w: _merged(lambda lang, w=w: lang.wants[w]) for w in WANT_ORDER}


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many different words of the pattern occur: a word said three times is one clue."""
    return len({m.group(0).lower() for m in pattern.finditer(text)})


def _reported(text: str) -> str:
    """The text without what it only imagines: each clause is cut at "如果", "if" and the like."""
    kept = []
    for clause in _CLAUSE.split(text):
        found = _HYPOTHETICAL.search(clause)
        kept.append(clause[: found.start()] if found else clause)
    return " ".join(kept)


@dataclass(frozen=True)
class Reading:
    """What the bot understood of a complaint, before the customer confirms it."""

    kind: Kind
    want: Want | None
    product: str | None


def read_complaint(text: str, products: tuple[str, ...] = ()) -> Reading:
    kind = suggest_kind(text)
    want = Want.EXPLANATION if kind is Kind.INQUIRY else suggest_want(text)
    return Reading(kind=kind, want=want, product=find_product(text, products))


def suggest_kind(text: str) -> Kind:
    reported = _reported(text)
    trouble = {k: _count(_KIND_TROUBLE[k], reported) for k in KIND_ORDER}
    topic = {k: _count(_KIND_TOPIC[k], text) for k in KIND_ORDER}
    went_wrong = any(trouble.values()) or _count(_TROUBLE, reported) > 0
    if not went_wrong and (_QUESTION.search(text) or _HYPOTHETICAL.search(text)):
        return Kind.INQUIRY
    scores = {k: TROUBLE_WEIGHT * trouble[k] + topic[k] for k in KIND_ORDER}
    best = max(scores.values())
    if best == 0:
        # A bare statement with nothing to go on is most often about the product, and the
        # customer can change the kind with one button.
        return Kind.QUALITY
    return next(k for k in KIND_ORDER if scores[k] == best)


def suggest_want(text: str) -> Want | None:
    """What the customer asks for, only when they say it: otherwise the bot asks one question."""
    return next((w for w in WANT_ORDER if _WANTS[w].search(text)), None)


def named_person(text: str, names: Iterable[str]) -> str | None:
    """Which of ``names`` (a store's technicians, say) the text mentions, else None.

    A Latin name must stand as a word ("Tom", not "tomorrow"); a Chinese one is found anywhere,
    as Chinese has no spaces. When several are named, the first one in the text wins: that is
    usually the one the complaint is about.
    """
    found = []
    for name in dict.fromkeys(n.strip() for n in names):
        if not name:
            continue
        word = re.escape(name)
        if name.isascii():
            word = rf"(?<![A-Za-z0-9]){word}(?![A-Za-z0-9])"
        match = re.search(word, text, re.IGNORECASE)
        if match:
            found.append((match.start(), -len(name), name))
    return min(found)[2] if found else None


# An IME types the full-width colon (U+FF1A) after 订单号; Taiwan writes 訂單編號.
_ORDER = re.compile(
    r"(?:订单(?:编号|号)?|訂單(?:編號|號)?|单号|單號|order\s*(?:no\.?|number|#)?)"
    r"\s*[:\uff1a#]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,31})",
    re.IGNORECASE,
)


def find_product(text: str, products: tuple[str, ...]) -> str | None:
    """The store's product named in the text (the longest match), else an order number."""
    lowered = text.lower()
    named = [p for p in products if p.lower() in lowered]
    if named:
        return max(named, key=len)
    order = _ORDER.search(text)
    return order.group(1) if order else None


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """The customer's words for a restatement, shortened so the message stays readable."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
