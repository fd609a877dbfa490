"""Reading a complaint: which kind it is, which product or order, what the customer wants.

The SOP asks the bot to restate every complaint (复述其意见,以示郑重其事) without making the
customer fill a form, so these are suggestions from keyword rules; the customer confirms or
changes them. Rules exist per language, but every language's rules are applied to every text:
a customer whose Telegram is set to English may well write in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desk.models import Kind, Want

# The longest texts the restatement quotes in full; the ticket keeps everything.
QUOTE_LIMIT = 600

KIND_KEYWORDS: dict[str, dict[Kind, tuple[str, ...]]] = {
    "zh_CN": {
        Kind.CONTRACT: ("合同", "订单", "发票", "价格", "价钱", "多收", "收费", "扣款", "送货",
                        "发货", "配送", "到货", "没收到", "未收到", "延迟", "保修期", "促销",
                        "优惠", "赠品", "定金", "付款", "退款"),
        Kind.QUALITY: ("坏", "漏", "质量", "故障", "不工作", "不能用", "用不了", "没反应", "破",
                       "裂", "异味", "噪音", "发热", "过热", "不制冷", "不加热", "变形", "掉漆",
                       "瑕疵", "划痕", "生锈", "短路", "死机", "失灵", "开不了机", "不亮"),
        Kind.SERVICE: ("态度", "服务", "店员", "导购", "售货员", "员工", "没人理", "不理",
                       "等了", "排队", "粗鲁", "不耐烦", "骂", "师傅", "迟到", "爽约", "不礼貌",
                       "推脱", "敷衍"),
    },
    "zh_TW": {
        Kind.CONTRACT: ("合約", "訂單", "發票", "價格", "價錢", "多收", "收費", "扣款", "送貨",
                        "發貨", "配送", "到貨", "沒收到", "未收到", "延遲", "保固", "促銷",
                        "優惠", "贈品", "訂金", "付款", "退款"),
        Kind.QUALITY: ("壞", "漏", "質量", "品質", "故障", "不工作", "不能用", "沒反應", "破",
                       "裂", "異味", "噪音", "發熱", "過熱", "不製冷", "不加熱", "變形", "掉漆",
                       "瑕疵", "刮痕", "生鏽", "短路", "當機", "失靈", "開不了機", "不亮"),
        Kind.SERVICE: ("態度", "服務", "店員", "導購", "售貨員", "員工", "沒人理", "不理",
                       "等了", "排隊", "粗魯", "不耐煩", "罵", "師傅", "遲到", "爽約", "不禮貌",
                       "推託", "敷衍"),
    },
    "en": {
        Kind.CONTRACT: ("contract", "order", "invoice", "receipt", "price", "overcharged",
                        "charged", "delivery", "delivered", "shipping", "never arrived",
                        "warranty", "promotion", "discount", "deposit", "payment"),
        Kind.QUALITY: ("broken", "broke", "leak", "defect", "faulty", "doesn't work",
                       "does not work", "stopped working", "won't turn on", "crack", "quality",
                       "noise", "noisy", "smell", "overheat", "rust", "scratch", "damaged"),
        Kind.SERVICE: ("rude", "staff", "attitude", "service", "waited", "waiting", "ignored",
                       "impolite", "unfriendly", "no-show", "didn't show", "clerk", "cashier",
                       "technician was late"),
    },
}

QUESTION_MARKERS: dict[str, tuple[str, ...]] = {
    "zh_CN": ("吗", "怎么", "如何", "请问", "能不能", "可不可以", "是否", "什么时候", "哪里",
              "多少", "几点", "有没有", "?", "?"),
    "zh_TW": ("嗎", "怎麼", "如何", "請問", "能不能", "可不可以", "是否", "什麼時候", "哪裡",
              "多少", "幾點", "有沒有", "?", "?"),
    "en": ("how ", "what ", "when ", "where ", "which ", "can i", "do you", "is there",
           "are you", "could you", "?"),
}

WANT_KEYWORDS: dict[str, dict[Want, tuple[str, ...]]] = {
    "zh_CN": {
        Want.REFUND: ("退款", "退钱", "退货", "退还"),
        Want.EXCHANGE: ("换货", "换一个", "换一台", "换新", "调换", "更换"),
        Want.REPAIR: ("维修", "修理", "修好", "修一下", "上门修"),
        Want.EXPLANATION: ("解释", "说明", "说法", "为什么", "道歉"),
    },
    "zh_TW": {
        Want.REFUND: ("退款", "退錢", "退貨", "退還"),
        Want.EXCHANGE: ("換貨", "換一個", "換一台", "換新", "調換", "更換"),
        Want.REPAIR: ("維修", "修理", "修好", "修一下", "上門修"),
        Want.EXPLANATION: ("解釋", "說明", "說法", "為什麼", "道歉"),
    },
    "en": {
        Want.REFUND: ("refund", "money back", "reimburse"),
        Want.EXCHANGE: ("exchange", "replace", "replacement", "swap"),
        Want.REPAIR: ("repair", "fix it", "fixed", "fix the"),
        Want.EXPLANATION: ("explain", "explanation", "why ", "apolog"),
    },
}

_ORDER = re.compile(
    r"(?:订单号?|訂單號?|单号|單號|order\s*(?:no\.?|number|#)?)\s*[::#]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,31})",
    re.IGNORECASE,
)


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
    lowered = text.lower()
    scores = dict.fromkeys((Kind.QUALITY, Kind.SERVICE, Kind.CONTRACT), 0)
    for rules in KIND_KEYWORDS.values():
        for kind, words in rules.items():
            scores[kind] += sum(lowered.count(w) for w in words)
    best = max(scores.values())
    if best == 0:
        is_question = any(m in lowered for ms in QUESTION_MARKERS.values() for m in ms)
        # Nothing went wrong in the text: a question is an inquiry; a bare statement is most
        # often about the product, and the customer can change the kind with one button.
        return Kind.INQUIRY if is_question else Kind.QUALITY
    # Ties go to the kind listed first: product faults are the most common retail complaint.
    return next(k for k, v in scores.items() if v == best)


def suggest_want(text: str) -> Want | None:
    lowered = text.lower()
    for rules in WANT_KEYWORDS.values():
        for want, words in rules.items():
            if any(w in lowered for w in words):
                return want
    return None


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
