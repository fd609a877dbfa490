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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

from desk.i18n import N_
from desk.models import Kind, Urgency, Want

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
                r"说好(?!了吗)(?!.{0,4}(?:回电|打电话|联系|回复|营业|开门))", "承诺",
                r"合同.{0,3}(?:写|约定|说)", "只保", "过保", "不给保修", "不给退", "不给换",
                # delivery dates and what was delivered
                "没货", r"还没[有]?(?:到|送|发|收到)", "没收到", "未收到", "没送到", "迟迟不",
                "延迟", "推迟", "延期", "拖到", "延到", "送错", "发错", r"型号不对", "不是我订的",
                "只送到", "少发", "漏发", "缺件", "少送", "少给", "晚送", "送晚了",
                r"(?:一直|始终)没(?:到|送|发)", r"少了.{0,4}[块个件套张]",
                # money taken or not given back: "钱怎么还没退到我卡上", "从我卡里扣了"
                r"(?:钱|款).{0,4}(?:还没|没)(?:退|到账)", "没到账", r"(?:卡里|账户|账上).{0,3}扣",
                "乱扣", r"券.{0,6}不能用", r"说不能用",
                # what came is not what was ordered: "订的是双门冰箱,送来却是单门的"
                r"(?:订|买|要)的是.{1,12}(?:送来|寄来|拆开|收到|发来|装上去).{0,4}是", "对不上",
                r"(?:税号|抬头|统编|金额|名称).{0,4}(?:错|不对)", r"又说.{0,8}另外", "另外付钱",
                r"[付给俾]了?[两2]次钱", r"扣.{0,3}双倍", r"[两2]次款", r"扣.{0,4}[两2]次",
                r"(?:宅配|快递|物流|送货).{0,16}(?:没来|没到|没送)", r"说没有(?:这个)?活动",
            ),
            topic=(
                "合同", "订单", "发票", "价格", "价钱", "价签", "标价", "结账", "收费", "付款",
                "扣款", "定金", "订金", "送货", "发货", "配送", "到货", "快递", "物流", "促销",
                "优惠", "活动", "满减", "赠品", "保修", "安装费", "分期", "小票", "下单",
                "导购说", "包邮", "运费", "团购", "购物卡", "优惠券",
            ),
        ),
        Kind.QUALITY: KindWords(
            trouble=(
                "坏", "漏水", "漏电", "漏气", "漏油", "故障", "不工作", "不能用", "用不了",
                "没反应", "破了", "破损", "破洞", "裂", "异味", "焦味", "怪味", "臭味", "噪音",
                "响声", r"咔咔|嗡嗡|吱吱", "很响", "发烫", "过热", "不制冷", "不冷", "不加热",
                "不热", "不凉", "变形", "掉漆", "瑕疵", "划痕", "生锈", "短路", "死机", "失灵",
                "开不了机", "开不开机", "打不开", "不亮", "停了", "停机", "自动关机", "重启",
                r"显示.{0,3}[A-Za-z]\d", r"\b[Ee]\d{1,2}\b", "报错", "冒烟", "烧了",
                "烧坏", "起皮", "开胶", "脱胶", "开裂", "断了", "掉色", "褪色", "起球", "假货",
                "假的", "山寨", "查无此码", r"质量.{0,3}(?:问题|差)", "破质量", "这质量",
                r"做工.{0,3}(?:差|粗糙)", "没声音", "没声", "吸力", "尺寸不对",
                "关不上", "打不着火", "不出水", "充不进", "充不上", "跳闸", "接触不良",
                "松动", "脱落", "卡顿", "发霉", "过期", "变质", "原地转",
                r"[一两几]条.{0,2}[竖横]线", "花屏", "黑屏", r"吹出来.{0,3}热风", "滴水",
                r"咣咣|哐哐|砰砰|咯吱|嘎吱", r"涂层.{0,6}(?:掉|脱)", "次品", "残次", "劣质",
                r"不出(?:热)?风", "吹不出",
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
                # staff damaged the home: "搬运工把我家门框撞坏了"
                r"(?:师傅|工人|搬运工|送货的|安装|技师|司机).{0,14}(?:撞|刮|磕|弄|碰|砸|划)"
                r"(?:坏|花|破|伤|裂|出)", "黑面", r"[好很太]串",
                # blaming the customer: "还说是我自己弄坏的"
                r"说是我.{0,4}(?:自己|弄|用)", "很呛", "讲话呛",
                # an appointment not kept: "约好上午来安装,等了一整天"
                r"约好.{0,8}(?:来|上门|安装)", "连个电话都没", r"说好.{0,4}(?:营业|开门)",
                r"[一个]?个电话都没",
                r"没有?人联系", r"招呼都不打", "不打招呼", r"扔(?:在)?(?:台面|桌上|柜台)",
            ),
            topic=(
                "客服", "售后", "店员", "导购", "售货员", "员工", "服务员", "收银员", "保安",
                "师傅", "工作人员", "技术员", "安装工", "维修工", "服务", "报修", "负责人",
                "经理", "店长", "主管", "领导", "管事", "搬运工", "送货的", "司机",
                r"[李王张刘陈杨赵黄周吴]工",
            ),
        ),
    },
    trouble=(
        "投诉", "举报", "怎么回事", "什么情况", "凭什么", "搞什么", "太差", "过分", "离谱",
        "坑人", "骗", "气死", "无语", "不像话", "现在说", "现在跟我说", "居然", "竟然",
        "才买", "刚买", "才用", r"到现在.{0,3}(?:都|还)", "至今", "一直没", "都没有",
        "消协", "12315", "等了", "等到", "到底", "老是", "总是", "动不动", "明明",
        # the same again after trying: "用了三回都这样", "来看过两次还是一样"
        r"(?:都|还|又)是?(?:这样|一样)",
        # asking whether what happened is normal says it is not: "这样正常吗?"
        r"正常的?吗", "正常不正常", "是什么问题", "怎么搞的",
        r"是不是.{0,8}(?:有问题|坏|次品|瑕疵|假的|没装好|装错|翻新)",
        r"(?:机器|质量|产品|安装)的?问题(?:还是|吗)", "每次都",
        # time has passed: "一个礼拜了", "三天了"
        r"[一二两三四五六七八九十几半\d]+个?(?:小时|天|礼拜|星期|周|月)了",
    ),
    question=(
        "吗", "怎么", "如何", "请问", "能不能", "可不可以", "会不会", "要不要", "是不是",
        "是否", "什么时候", "什么", "哪里", "哪家", "哪个", "多少", "多久", "几点", "几天",
        "几号", "有没有", "想问", "问一下", "问下", "请教", "咨询", "了解一下", "呢",
        r"几[年月天号点个周]",
        r"\?", "\uff1f",
    ),
    hypothetical=("如果", "要是", "万一", "假如", "假设"),
    wants={
        Want.REFUND: (
            "退款", "退钱", "退还", "退给我", "退我", r"(?<!人)退回(?!来的)", "要退", "退货",
            r"钱退", "差价",
            "返还", "退掉", "退不退", "退费", r"退(?:了|吧|啦|呀)", r"(?:直接|我要|给我)退",
            r"退订", r"(?<!人)退[回给]?[来我](?!的)", r"退[一1]笔", "退差价", r"(?:什么|啥)时候退",
            r"几时退",
            r"(?:可以|能|能不能|可不可以|可不可)退(?:吗|货|款|钱)?",
            r"不退(?:定金|订金|钱|款|差价|差额|我)", "退差额", r"退一赔", r"全(?:部)?退", "退机",
        ),
        Want.EXCHANGE: (
            "换货", r"换(?:过)?一?[个台双件部只支副]新的?",
            r"换(?:过)?一?[个台双件部只支副]好的",
            r"换一[个台双件部只支副](?!.{0,5}(?:师傅|人|工|技师))",
            r"换[个台双件部只支副](?:吧|行不|啊)",
            "换新", "调换", "更换", "换成", "帮我换", "换不换", r"换别[台个件款支]",
            r"换过来", r"换吗", r"换一?[个台双件部只支副]?(?:吗|呢)", r"换过[个部台]",
            "新内胆", r"(?:给我|帮我)换(?!.{0,5}(?:师傅|人|工|技师))", r"换回来",
            r"换[个一台]?(?:能用|好用|正常)的",
        ),
        Want.REPAIR: (
            r"(?<!上次)(?<!之前)来修(?![了完过])(?![^,]{0,6}的(?:师傅|人))", r"过来修",
            r"上门修(?![^,]{0,8}[了过])", r"派人.{0,4}修", "修一下",
            "修理一下",
            r"(?<![没不])修好", "给我修", "帮我修", r"请.{0,4}维修", "要维修", "安排维修",
            "申请维修", r"上门维修(?!的)", r"能修吗", r"能不能修", r"可以修吗",
            r"派[人个].{0,4}看", r"(?:请|要求|需要)(?:上门)?检修", r"来修(?:吗|呢)?\?",
            r"找人来看", r"来看看", r"派.{0,4}来整", "到府修", "送修", r"派[个]?师傅",
            r"修(?:一修|修)", r"来[个一]?人.{0,2}修", r"维修费.{0,4}要我.{0,2}出",
            r"免费修", r"(?:能|可以)(?:免费)?修吗", r"上门.{0,4}看看", "帮我看看吧",
            r"找人来(?:整|修|看)", r"上门.{0,3}处理",
        ),
        Want.EXPLANATION: (
            "说法", "解释", r"说明(?!书)", "为什么", "凭什么", "怎么回事", "什么情况",
            "交代", "答复", r"正常的?(?:吗|不正常)", r"能(?:喝|吃|用)吗", r"安全吗", "是怎样",
            "是什么问题", "怎么搞的", r"什么(?:道理|原因)", r"(?:啥|什么)原因",
            r"不是说.{0,8}吗", "准话", r"(?:什么|啥)毛病", r"(?:什么|啥)问题",
            r"还是.{0,6}有问题", r"有害吗", r"有毒吗", "怎么会",
            r"(?:机器|质量|产品|安装)的?问题(?:还是|吗)",
            # asking whether it is faulty asks what is going on: "是不是质量有问题"
            r"是不是.{0,8}(?:有问题|坏|次品|瑕疵|假的|没装好|装错|翻新)",
        ),
        Want.APOLOGY: (r"道(?:个|一个|声)?歉", "赔礼", "赔不是",
                       r"(?:说|讲)(?:声|句)?(?:对不起|对不住|sorry)"),
        Want.COMPENSATION: (
            "赔偿", "补偿", r"必须赔", r"(?:你们|要|得|来)赔", r"赔(?:给我|钱)", "医药费",
            "医疗费", "误工费", r"损失.{0,4}(?:赔|负责|承担|出)",
            r"(?:损失|费用|钱).{0,6}(?:谁|你们)(?:来)?负责",
            r"(?:谁|你们)负责(?![人的])(?=.{0,8}(?:损失|费|钱|赔))",
            r"费用.{0,4}(?:你们|得)出", r"[你们]*出医药费", r"赔$",
            r"钱(?:你们|由你们|得你们)(?:来|要)?(?:出|付|承担|负责)", r"[一]?赔[三十]", "赔我",
        ),
        Want.DELIVERY: (
            "补发", "补寄", "送过来", r"(?:尽快|赶紧|马上|快点)送",
            r"(?<!他)(?<!她)给我送",
            r"什么时候(?:才|先)?(?:要)?(?:送|到|发)", r"什么时候(?:才)?(?:可以|能|会)(?:送|到|发)",
            r"啥时候(?:送|到|发)", r"还送不送", r"几时(?:送|到)", r"寄[来过]", r"我要我的赠品",
            r"(?:赠品|礼品).{0,6}(?:给我|送来)", r"送到(?:吗|呢)?\?", "补给我",
            r"(?:哪天|何时|几号)(?:能|才|会|可以)?(?:送|到|发)", "寄给我", "补上", "补齐",
            r"我的(?:货|东西|快递|包裹|订单)呢", r"还(?:发|送|寄)不(?:发|送|寄)",
        ),
        Want.CONTACT: (
            r"(?:经理|领导|店长|主管|负责人|负责的人|管事的|能做主的人|上级).{0,6}"
            r"(?:联系|联络|打电话|回电|回话|打给我|回个电话|打个电话|来电|给我个电话|来个电话)",
            r"找(?:你们|他|她)?的?(?:经理|店长|领导|主管|负责人|上级)",
            r"(?<!别再)(?<!不要再)(?<!别)(?:联系|联络)我",
        ),
        Want.OTHER: (
            r"补开", r"重开(?!机)", "开给我", "重新开", r"给我开", r"改一下",
            r"换[个一位名]*.{0,5}(?:师傅|技师|技术员|工人|人来)", "改善", "改进",
            r"(?<!师傅来)(?<!人来)(?<!上门来)处理一下", "培训", r"(?<!师傅)(?<!人)(?<!上门)来处理",
            "管管", "管一管", "整改",
            r"(?:别|不要)再?(?:联系|打给|打电话给|骚扰)我", "叫个人",
            r"(?:尽快|赶紧|马上|快点)安排(?!维修)",
            # keep someone away: "以后别让他送了"
            r"(?:别|不要)再?(?:让|派)(?:他|她|这个人)", r"别派他", r"换别的技师",
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
    wants={},
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
                r"promised(?! to (?:call|ring|phone|get back|contact))", r"free gift",
                r"contract (?:says|said)", r"(?:says|said) free", r"on my bill",
                r"nobody mentioned", r"(?:arrived|came) without", r"missing (?:the|a|two|some)",
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
                r"peeling", r"faded", r"won'?t charge", r"not charging", r"past its date",
                r"expired", r"out of date", r"mou?ldy?\b", r"gone off", r"went off",
                r"keeps (?:beeping|flashing|turning off|switching off|restarting|tripping)",
                r"only (?:a|one|two|\d+) (?:days?|weeks?|months?) old",
                r"tastes? (?:metallic|funny|weird|strange|off|bad)",
                r"(?:isn'?t|not|stopped) (?:cooling|heating|spinning|draining|charging)", r"melt",
                r"scorch", r"no hot water", r"shows? (?:an? )?(?:error|code|[A-Z]\d{1,3}\b)",
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
                r"queue", r"hung up", r"on hold", r"nobody (?:called|calls|call)",
                r"rolled (?:her|his|their) eyes", r"hurry up", r"accused me",
                r"(?:delivery|install|tech|repair)\w*\s+(?:guys?|men|man|driver|team)\b.{0,20}"
                r"(?:dent|scratch|broke|damag)",
                r"(?:installer|engineer|technician|driver|movers|fitters?"
                r"|delivery (?:guys?|men|man))\b.{0,40}"
                r"(?:dent|scratch|crack|broke|damag|smash|dragg|knock)",
            ),
            topic=(
                r"staff", r"clerk", r"cashier", r"technician", r"\btech\b", r"installer",
                r"repair (?:guy|man)", r"sales ?(?:guy|man|woman|person)", r"customer service",
                r"after[- ]sales", r"service desk", r"hotline",
                r"service", r"employee", r"manager", r"in charge", r"someone senior",
                r"delivery (?:guys?|men|man|driver)", r"movers",
            ),
        ),
    },
    trouble=(
        r"complain", r"\bstill\b(?! in stock)", r"\bnever\b", r"nobody", r"\bagain\b",
        r"ridiculous", r"terrible", r"horrible", r"unacceptable", r"worst", r"\bwtf\b",
        r"disgust", r"cheap", r"seriously", r"after (?:one|a|two|\d+) (?:day|week|month)",
        r"right out of the box", r"brand new", r"waited", r"waiting",
        r"is (?:this|that|it) normal",
        r"it'?s been \w+ (?:days|weeks|months)",
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
            r"fee back", r"(?:deposit|it) back",
        ),
        Want.EXCHANGE: (
            r"exchange", r"replace(?!ment (?:filter|part|head|batter))", r"swap", r"a new one",
            r"another one", r"different one",
            r"(?:want|need|give me|get|send)(?: me)? an? new (?:kettle|tv|phone|fridge|one)",
        ),
        Want.REPAIR: (
            r"repair (?:it|this|them)", r"repaired", r"fix (?:it|this|my|the)", r"\bfixed\b",
            r"come (?:and )?fix", r"send (?:someone|a technician|a tech|an electrician)(?! else)",
            r"someone (?:needs )?to (?:come )?(?:fix|repair|look)", r"coming to fix",
            r"take a look", r"look at it", r"sort out my", r"(?:can|could) a tech come",
            r"someone out to fix", r"come out",
        ),
        Want.EXPLANATION: (
            r"explain", r"explanation", r"\bwhy\b", r"what does (?:that|this|it) mean",
            r"what'?s going on", r"who is responsible", r"is (?:it|this|that) normal",
            r"what happened", r"is it safe",
        ),
        Want.APOLOGY: (r"apology", r"apologi[sz]e to me", r"say sorry"),
        Want.COMPENSATION: (
            r"compensat", r"pay for (?:the|his|her|my)", r"(?:cover|pay) (?:my|the|his|her) "
            r"(?:doctor|medical|hospital|bills?)", r"medical bills?",
            r"(?<!i )paid for(?! (?:next|same|express|the )?[-\w]*\s?(?:delivery|shipping))",
            r"damages?\b.{0,20}\b(?:pay|cover)", r"pay(?:ing)? for the damage",
            r"who(?:'s| is| will be) pay", r"(?:bills?|costs?|expenses?) paid",
        ),
        Want.DELIVERY: (
            r"send (?:it|me|the missing)", r"deliver(?:ed)? (?:it )?(?:tomorrow|today|asap)",
            r"when (?:is|will) (?:it|they|the \w+)(?: actually)? (?:be )?"
            r"(?:coming|delivered|arrive)",
            r"please send (?:it|the|me|my)", r"when will i (?:get|receive) (?:it|them|my)",
            r"where(?: is|'s) my",
        ),
        Want.CONTACT: (
            r"manager (?:to )?(?:call|ring|contact)", r"(?:speak|talk) to (?:a|the|your) manager",
            r"(?:someone|somebody|a manager|anyone) (?:senior |in charge )?(?:to )?"
            r"(?:call|ring|phone|contact) me",
            r"(?:someone|somebody) (?:senior|in charge)\b.{0,12}call",
            r"(?:can|could) a manager", r"have (?:someone|a manager|your manager)\b.{0,20}call",
        ),
        Want.OTHER: (
            r"someone else", r"(?:another|a different) (?:technician|tech|person|installer|guy)",
            r"(?:don'?t|never|do not) send (?:him|her|the same|that|this)", r"resend", r"improve",
            r"sort (?:it|this) out",
            r"send (?:the|my) invoice", r"invoice.{0,30}send it", r"re-?issue",
        ),
    },
)

LANGUAGES: dict[str, Language] = {"zh_CN": _ZH_CN, "zh_TW": _ZH_TW, "en": _EN}

# Ties go to the kind listed first: product faults are the most common retail complaint.
KIND_ORDER = (Kind.QUALITY, Kind.SERVICE, Kind.CONTRACT)
# The order wants are listed in: the remedy first, then what comes with it.
WANT_ORDER = (Want.REFUND, Want.EXCHANGE, Want.REPAIR, Want.DELIVERY, Want.COMPENSATION,
              Want.APOLOGY, Want.CONTACT, Want.OTHER, Want.EXPLANATION)
# What went wrong says more about the kind than what the text is about.
TROUBLE_WEIGHT = 2
# The problem told first is most often the main one.
FIRST_TROUBLE_WEIGHT = 1

_CLAUSE = re.compile("[,.!?;\n\u2026\u3002\uff0c\uff01\uff1f\uff1b\u3001]+")
_EMOJI_TROUBLE = "😡😠🤬😤😱😨😭💢👎🙄"

# Traditional characters become simplified before any rule is applied (OpenCC's tables), so the
# rules are written once: 電熱水壺 is 电热水壶, 冷氣 is 冷气.
_T2S = OpenCC("t2s")

# Cantonese as people type it, in Mandarin words, so the Mandarin rules read it too:
# 冇反应 is 没反应, 同我换过个新嘅 is 同我换过个新的. Applied to a copy used for reading only.
_CANTONESE = (
    ("冇", "没"), ("唔该", "麻烦"), ("唔使", "不用"), ("唔要", "不要"), ("唔", "不"),
    ("咗", "了"), ("嘅", "的"), ("啲", "点"), ("畀", "给"), ("佢", "他"), ("哋", "们"),
    ("嚟", "来"), ("係", "是"), ("喺", "在"), ("而家", "现在"), ("几时", "什么时候"),
    ("嘈", "吵"), ("瞓", "睡"), ("乜嘢", "什么"), ("点解", "为什么"), ("未收到", "没收到"),
    ("开极都不着", "开不了机"), ("燶味", "焦味"), ("入了水", "进水"), ("识转", "会转"),
    ("嘢", "东西"), ("咁", "这么"), ("话好", "说好"), ("揾", "找"), ("退返", "退回"),
    ("俾", "给"),
)
# Taiwan wording in mainland words, for the same reason (after the Traditional characters).
_TAIWAN = (("冷气", "空调"), ("快煮壶", "电热水壶"), ("电锅", "电饭锅"), ("脚踏车", "自行车"),
           ("优酪乳", "酸奶"))


@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """The text as the rules read it: simplified characters, Cantonese words in Mandarin.
    Cached: a draft is read when it comes in and its restatement drawn again on each press."""
    text = _T2S.convert(text)
    for old, new in (*_CANTONESE, *_TAIWAN):
        text = text.replace(old, new)
    return text


def _merged(get: Callable[[Language], Iterable[str]]) -> re.Pattern[str]:
    """One pattern from every language's words for one role (a word listed twice counts once)."""
    words = dict.fromkeys(_T2S.convert(p) for language in LANGUAGES.values() for p in get(language))
    return re.compile("|".join(f"(?:{p})" for p in words), re.IGNORECASE)


def _kind_trouble(kind: Kind) -> re.Pattern[str]:
    return _merged(lambda lang: lang.kinds[kind].trouble)


def _kind_topic(kind: Kind) -> re.Pattern[str]:
    return _merged(lambda lang: lang.kinds[kind].topic)


def _want_words(want: Want) -> re.Pattern[str]:
    return _merged(lambda lang: lang.wants.get(want, ()))


# Every language's words, one pattern per role, compiled once.
_KIND_TROUBLE = {k: _kind_trouble(k) for k in KIND_ORDER}
_KIND_TOPIC = {k: _kind_topic(k) for k in KIND_ORDER}
_TROUBLE = _merged(lambda lang: (*lang.trouble, f"[{_EMOJI_TROUBLE}]", "[!\uff01]{2}"))
_QUESTION = _merged(lambda lang: lang.question)
_HYPOTHETICAL = _merged(lambda lang: lang.hypothetical)
_WANTS = {w: _want_words(w) for w in WANT_ORDER}

# What the customer says they do not want: a want that starts within a few characters after it
# does not count ("我不要退货,帮我修好就行" wants the repair, "I don't want a replacement, just
# refund me" the refund). The scope is short and never crosses a clause.
_NEGATORS = re.compile(
    r"不要|不用|不想|不需要|不必|没必要|无需|用不着|不是要|不求|并不想|没让|没叫"
    r"|\b(?:don'?t|do not|doesn'?t)\s+(?:want|need|care about|ask for)\b"
    r"|\b(?:not|never)\s+(?:looking for|asking for|after|interested in)\b"
    r"|\bno need (?:to|for)\b|\b(?:rather|instead) (?:than|of)\b|\brefus\w* to\b",
    re.IGNORECASE,
)
# How far a negation reaches past its end: 不要[给我]退 / don't want [my money] back.
_NEGATION_REACH = {True: 16, False: 4}  # by whether the negator is ASCII (English)


# What the customer sets aside after naming it: "赔偿不赔偿的我无所谓".
_SET_ASIDE = re.compile(r"^.{0,8}?(?:无所谓|不重要|不在乎|doesn'?t matter)", re.IGNORECASE)


def _negated(clause: str, start: int) -> bool:
    if _SET_ASIDE.search(clause[start:]):
        return True
    for negator in _NEGATORS.finditer(clause):
        reach = _NEGATION_REACH[negator.group(0).isascii()]
        if negator.start() < start <= negator.end() + reach:
            return True
    return False


# Urgency (issue 20): the manager is told at once, whatever the kind.
_SAFETY = re.compile("|".join((
    r"冒烟", r"冒火花?", r"火花", r"喷火", r"(?<!打不)(?<!点不)着火", r"起火", r"失火", r"火灾",
    r"烧焦", r"焦味",
    r"焦糊", r"烧黑", r"烧起来", r"烤焦", r"爆炸", r"炸了", r"炸裂", r"烫伤", r"烫到", r"烫起",
    r"烧伤", r"触电", r"电到", r"被电", r"电了一下", r"电醒", r"漏电", r"电击", r"食物中毒",
    r"中毒", r"上吐下泻", r"拉肚子", r"腹泻", r"呕吐", r"吐了", r"一直吐", r"在吐", r"住院",
    r"进了?医院", r"急诊", r"看病", r"肚子痛", r"肚子疼", r"受伤", r"划伤", r"割伤", r"割破",
    r"伤到", r"流血", r"摔伤", r"鼓包", r"危险", r"安全隐患", r"(?:喝|吃)了?.{0,12}过期",
    r"过期.{0,12}(?:喝|吃)了", r"虫", r"烧了", r"烧坏", r"烧掉", r"玻璃碴", r"玻璃渣",
    r"差点.{0,6}(?:伤|喝|吃|摔|撞|电|烫|起火|着火)",
    # eaten or drunk: a foreign body, mould; and what it did
    r"吃[出到](?:来)?.{0,6}(?:钢丝|铁丝|玻璃|钉子|石子)", r"硌[坏伤掉]",
    r"(?:喝|吃)了.{0,8}(?:长毛|发霉|变质|馊)", r"长毛.{0,10}(?:喝|吃)了", r"想吐", r"反胃",
    r"胃不舒服", r"肚子不舒服",
    r"鼓起", r"膨胀", r"(?:煤气|燃气|天然气|瓦斯).{0,4}(?:味|漏)", r"漏(?:煤气|燃气|天然气|瓦斯)",
    r"摔破", r"摔倒", r"摔了一跤", r"磕破", r"骨折", r"摔下来", r"刹车.{0,3}失灵", r"烤糊",
    r"烧糊", r"(?:烫|碰).{0,6}起了?[个一]?泡", r"烫红", r"烧到", r"火.{0,2}冒出",
    r"冒出.{0,3}火", r"[窜蹿]火", r"起了?.{0,3}疹", r"疹子", r"划破",
    r"smok", r"spark", r"caught fire", r"on fire", r"\bfire\b", r"burn(?:t|ed|ing)?\b",
    r"scorch", r"melt", r"shock", r"electrocut", r"food poisoning", r"vomit", r"diarrh",
    r"hospital", r"injur", r"\bhurt\b", r"bleed", r"swell", r"swollen", r"dangerous",
    r"(?:drank|ate|eaten|swallow).{0,40}(?:expired|past its date|out of date|mou?ld)",
    r"(?:expired|past its date|out of date|mou?ld).{0,60}(?:drank|ate|eaten)",
    r"glass in", r"\bfell\b", r"tripped the", r"physio", r"doctor",
)), re.IGNORECASE)
_THREAT = re.compile("|".join((
    r"12315", r"12345", r"消协", r"消费者协会", r"消保", r"消基会", r"1950", r"市场监管",
    r"工商局", r"媒体", r"电视台", r"记者", r"曝光", r"上新闻", r"报社", r"报警", r"警察",
    r"律师", r"起诉", r"法院", r"告你们", r"打官司", r"差评", r"负评", r"一星", r"大众点评",
    r"小红书", r"抖音", r"微博", r"发到网上", r"po网", r"po到", r"爆料", r"议员", r"投诉到",
    r"consumer (?:protection|council|rights|affairs)", r"trading standards", r"report(?:ing)? you",
    r"lawyer", r"solicitor", r"\bsue\b", r"\bcourt\b", r"police", r"the press", r"newspaper",
    r"local paper", r"journalist", r"\bmedia\b", r"the news\b", r"one[- ]star", r"1[- ]star",
    r"(?:bad|negative) review", r"review everywhere", r"post (?:it|this) online",
    r"(?:post|leave|write)(?:ing)? a review", r"review on", r"facebook", r"twitter", r"instagram",
    r"tiktok", r"social media", r"reddit",
)), re.IGNORECASE)


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many different words of the pattern occur: a word said three times is one clue."""
    return len({m.group(0).lower() for m in pattern.finditer(text)})


# What comes before these in a clause is imagined: "洗衣机坏了的话找谁?".
_SUPPOSED = re.compile("的话")


def _reported(text: str) -> str:
    """The text without what it only imagines: each clause is cut at "如果", "if" and the like,
    and what comes before "的话" is left out."""
    kept = []
    for clause in _CLAUSE.split(text):
        supposed = _SUPPOSED.search(clause)
        if supposed:
            clause = clause[supposed.end():]
        found = _HYPOTHETICAL.search(clause)
        kept.append(clause[: found.start()] if found else clause)
    return " ".join(kept)


@dataclass(frozen=True)
class Problem:
    """One thing that went wrong, named in the store's words (the restatement's sentence)."""

    key: str
    pattern: re.Pattern[str]


def _problem(key: str, *words: str) -> Problem:
    return Problem(key, re.compile("|".join(words), re.IGNORECASE))


# In the order they are worth naming; the restatement names at most three.
PROBLEMS = (
    _problem("smoke", r"冒烟", r"火花", r"着火", r"起火", r"焦味", r"烧焦", r"烧黑", r"smok",
             r"spark", r"fire", r"burning"),
    _problem("shock", r"漏电", r"触电", r"被电", r"电到", r"电醒", r"shock"),
    _problem("injury", r"烫伤", r"烫起", r"受伤", r"划伤", r"伤到", r"burnt my", r"injur",
             r"\bhurt\b", r"\bfell\b"),
    _problem("illness", r"中毒", r"上吐下泻", r"拉肚子", r"呕吐", r"肚子[痛疼]", r"住院",
             r"医院", r"vomit", r"food poisoning", r"hospital"),
    _problem("spoiled", r"过期", r"变质", r"发霉", r"有虫", r"虫子", r"头发", r"烂的", r"臭了",
             r"expired", r"past its date", r"mou?ldy?", r"glass in"),
    _problem("fake", r"假货", r"假的", r"山寨", r"不是正品", r"查无此码", r"二手", r"fake",
             r"counterfeit"),
    _problem("leak", r"漏水", r"滴水", r"漏气", r"漏油", r"淹", r"leak", r"dripping", r"flood"),
    _problem("cooling", r"不制冷", r"不冷", r"不结冰", r"热风", r"not cooling", r"warm air",
             r"isn'?t cooling"),
    _problem("heating", r"不加热", r"不热", r"冷水", r"not heating", r"no hot water",
             r"stopped heating"),
    _problem("noise", r"噪音", r"响", r"咔咔", r"嗡嗡", r"吵", r"声音超大", r"noise", r"noisy",
             r"buzz", r"rattl", r"grinding"),
    _problem("damaged", r"破", r"裂", r"断", r"掉漆", r"掉了", r"划痕", r"刮痕", r"变形",
             r"开胶", r"起皮", r"塌", r"凹", r"鼓包", r"crack", r"snapp", r"broken",
             r"scratch", r"dent", r"torn", r"peel", r"came off", r"swell"),
    _problem("not_working", r"坏", r"故障", r"不工作", r"不能用", r"用不了", r"没反应",
             r"失灵", r"开不了机", r"不亮", r"停了", r"死机", r"不转", r"卡住", r"黑屏", r"花屏",
             r"充不进", r"关机", r"重启", r"重开机", r"报错", r"错误码", r"跳闸", r"跳电",
             r"打不着火", r"点不着", r"\b[Ee]\d{1,2}\b", r"not working", r"stopped working",
             r"won'?t", r"doesn'?t work", r"restarting", r"\bdied\b", r"no picture",
             r"flicker", r"dead pixel", r"stops"),
    _problem("overcharged", r"多收", r"多扣", r"多算", r"多刷", r"扣了.{0,3}[两2]", r"重复扣",
             r"扣了?两次", r"没减", r"没打折", r"原价", r"利息", r"(?:收|付|扣)了?.{0,6}运费",
             r"差价", r"降价",
             r"(?:另|又|多)收.{0,6}安装费", r"加收", r"另外出", r"overcharg",
             r"charged (?:me )?twice",
             r"full price", r"charged .{0,20}for"),
    _problem("invoice", r"发票", r"invoice"),
    _problem("wrong_item", r"发错", r"送错", r"寄错", r"型号不对", r"不是我订的", r"一只大一只小",
             r"wrong (?:model|item|size|colou?r)", r"isn'?t the colou?r"),
    _problem("delivery", r"没送", r"没到", r"没收到", r"还没发", r"没发货", r"没出货", r"延迟",
             r"延到", r"拖到", r"迟迟", r"少送", r"少发", r"漏发", r"缺件", r"没有赠品",
             r"赠品", r"还没送", r"没货", r"缺货", r"停产", r"never arrived", r"hasn'?t arrived",
             r"still nothing", r"missing", r"never came", r"never in the box", r"no gift",
             r"discontinued", r"without the"),
    _problem("promise", r"说好", r"承诺", r"合同", r"合约", r"价保", r"promised",
             r"contract", r"supposed to", r"was meant to"),
    _problem("rude", r"态度", r"骂", r"不理", r"白眼", r"不耐烦", r"凶", r"呛", r"没礼貌",
             r"不礼貌", r"斥责", r"当成?小偷", r"黑口黑面", r"rude", r"swore", r"attitude",
             r"ignored", r"rolled her eyes", r"shoplifting", r"called me"),
    _problem("unreachable", r"打不通", r"没人接", r"不回", r"没人回", r"已读不回", r"打不进",
             r"没人管", r"没人理", r"nobody (?:answers|picks|calls)", r"on hold", r"callback",
             r"call me back", r"ignored two"),
    _problem("absent", r"迟到", r"没来", r"放鸽子", r"爽约", r"没人来", r"没修好", r"修不了",
             r"no[- ]show", r"never showed", r"\blate\b", r"left without"),
    _problem("buck_passing", r"踢皮球", r"推诿", r"推脱", r"踢来踢去", r"互踢", r"找厂家",
             r"passing the buck", r"call the manufacturer"),
    _problem("waiting", r"排队", r"等了", r"等到", r"queue", r"waited", r"in line"),
)


# What each problem is called in the restatement's sentence ("您反映的是电热水壶的问题:漏水").
PROBLEM_LABELS = {
    "smoke": N_("smoke, sparks or a burning smell"),
    "shock": N_("it gives electric shocks"),
    "injury": N_("someone was hurt"),
    "illness": N_("someone fell ill"),
    "spoiled": N_("the goods are spoiled or past their date"),
    "fake": N_("it may not be genuine"),
    "leak": N_("it leaks"),
    "cooling": N_("it does not cool"),
    "heating": N_("it does not heat"),
    "noise": N_("it makes a noise"),
    "damaged": N_("it is damaged"),
    "not_working": N_("it does not work properly"),
    "overcharged": N_("the charge is not what was agreed"),
    "invoice": N_("a problem with the invoice"),
    "wrong_item": N_("the wrong item was delivered"),
    "delivery": N_("the goods did not arrive in full or on time"),
    "promise": N_("a promise made at the sale was not kept"),
    "rude": N_("a member of staff was impolite"),
    "unreachable": N_("nobody answered you"),
    "absent": N_("our technician was late, did not come or did not finish the job"),
    "buck_passing": N_("you were sent from one person to another"),
    "waiting": N_("you had to wait too long"),
}
assert set(PROBLEM_LABELS) == {p.key for p in PROBLEMS}
# The restatement names at most this many problems.
PROBLEMS_SHOWN = 3


@lru_cache(maxsize=1024)
def problems_of(text: str) -> tuple[str, ...]:
    """What went wrong in a customer's text, by ``Problem.key`` (cached, as ``normalise``)."""
    return _problems(normalise(text))


# Problems that say something went wrong; the others (an invoice, a promise, a delivery) are
# also what questions are about.
_FAULTS = frozenset(p.key for p in PROBLEMS) - {"invoice", "promise", "delivery", "waiting"}


_REMEDIES = frozenset({Want.REFUND, Want.EXCHANGE, Want.REPAIR, Want.COMPENSATION,
                       Want.DELIVERY})
# Questions about the store's rules, not about one's own goods.
_POLICY = re.compile(
    r"怎么办理|如何办理|要带|需要什么|多久|几天内|政策|规定|流程|手续|一般|以旧换新|回收"
    r"|多少钱|怎么收费|收费吗|要钱吗|鉴赏期|无理由"
    r"|do you (?:sell|stock|have)"
    r"|policy|how long|how do|how often|in general|usually|do you (?:offer|do|deliver)"
    r"|just (?:checking|wondering|asking)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """What the bot understood of a complaint, before the customer confirms it."""

    kind: Kind
    wants: tuple[Want, ...]
    product: str | None
    # What went wrong, by ``Problem.key``, in the order of PROBLEMS.
    problems: tuple[str, ...] = ()
    urgency: tuple[Urgency, ...] = ()
    # The customer's words that made it urgent.
    urgency_words: tuple[str, ...] = ()

    @property
    def want(self) -> Want | None:
        """The main want (the first), for readers that show one."""
        return self.wants[0] if self.wants else None


def read_complaint(text: str, products: tuple[str, ...] = (),
                   aliases: Mapping[str, Iterable[str]] | None = None) -> Reading:
    """Kind, wants, product, problems and urgency of a customer's message.

    ``products`` are the store's product names; ``aliases`` the store's own other names for
    them (config ``product_aliases``). Without products, the lexicon's usual names are used.
    """
    plain = normalise(text)
    kind = _kind(plain)
    wants = (Want.EXPLANATION,) if kind is Kind.INQUIRY else _wants(plain)
    urgency, words = _urgency(plain)
    return Reading(kind=kind, wants=wants, product=find_product(text, products, aliases),
                   problems=_problems(plain), urgency=urgency, urgency_words=words)


def suggest_kind(text: str) -> Kind:
    return _kind(normalise(text))


def _kind(text: str) -> Kind:
    reported = _reported(text)
    trouble = {k: _count(_KIND_TROUBLE[k], reported) for k in KIND_ORDER}
    topic = {k: _count(_KIND_TOPIC[k], text) for k in KIND_ORDER}
    # A question that reports a fault is a complaint ("内胆涂层掉了一大块,能免费换吗?").
    went_wrong = (any(trouble.values()) or _count(_TROUBLE, reported) > 0
                  or bool(_SAFETY.search(reported)) or bool(_THREAT.search(text))
                  or any(p.pattern.search(reported) for p in PROBLEMS if p.key in _FAULTS)
                  # Asking for a remedy for one's own goods is a complaint ("能不能来个人修",
                  # "什么时候退?"), unless it asks about the rules ("退货需要带什么").
                  or (any(w in _REMEDIES for w in _wants(reported))
                      and not _POLICY.search(reported))
                  # Declining a remedy says there is something to remedy ("不是要退货,就是想
                  # 知道洗衣机为什么...").
                  or any(w in _REMEDIES for w in _wants(reported, negated=True)))
    if not went_wrong and (_QUESTION.search(text) or _HYPOTHETICAL.search(text)
                           or _SUPPOSED.search(text)):
        return Kind.INQUIRY
    scores = {k: TROUBLE_WEIGHT * trouble[k] + topic[k] for k in KIND_ORDER}
    # Of several problems the one told first is most often the main one ("洗衣机漏水把楼下淹了,
    # 客服还爱理不理"): its kind weighs a little more.
    first = min(((m.start(), k) for k in KIND_ORDER
                 if (m := _KIND_TROUBLE[k].search(reported))), default=None, key=lambda f: f[0])
    if first is not None:
        scores[first[1]] += FIRST_TROUBLE_WEIGHT
    best = max(scores.values())
    if best == 0:
        # A bare statement with nothing to go on is most often about the product, and the
        # customer can change the kind with one button.
        return Kind.QUALITY
    return next(k for k in KIND_ORDER if scores[k] == best)


def suggest_wants(text: str) -> tuple[Want, ...]:
    """What the customer asks for, only what they say: otherwise the bot asks one question."""
    return _wants(normalise(text))


def suggest_want(text: str) -> Want | None:
    """The main want (the first of :func:`suggest_wants`), else None."""
    wants = suggest_wants(text)
    return wants[0] if wants else None


def _wants(text: str, negated: bool = False) -> tuple[Want, ...]:
    """What the text asks for; with ``negated``, what it says it does not want instead."""
    found = set()
    for clause in _CLAUSE.split(text):
        for want in WANT_ORDER:
            for match in _WANTS[want].finditer(clause):
                if _negated(clause, match.start()) == negated:
                    found.add(want)
                    break
    return tuple(w for w in WANT_ORDER if w in found)


def read_urgency(text: str) -> tuple[tuple[Urgency, ...], tuple[str, ...]]:
    """Safety and threats in a customer's text, and the words that show them (a follow-up to
    an open ticket is read for these alone)."""
    return _urgency(normalise(text))


# Words of the safety list that here say something harmless: burnt rice, a smoker, boots that
# fell apart.
_NOT_SAFETY = re.compile(
    r"饭.{0,3}(?:烧焦|焦了|糊了)|smoking (?:indoors|inside|a cig\w*)"
    r"|fell (?:apart|off|out)", re.IGNORECASE)


def _urgency(text: str) -> tuple[tuple[Urgency, ...], tuple[str, ...]]:
    """Safety in what happened (not in what is imagined); a threat even when it is a condition
    ("再不处理我就找媒体曝光" is a threat)."""
    reported = _NOT_SAFETY.sub(lambda m: "_" * len(m.group(0)), _reported(text))
    urgency, words = [], []
    for kind, pattern, where in ((Urgency.SAFETY, _SAFETY, reported),
                                 (Urgency.THREAT, _THREAT, text)):
        found = pattern.search(where)
        if found:
            urgency.append(kind)
            words.append(found.group(0))
    return tuple(urgency), tuple(words)


def _problems(text: str) -> tuple[str, ...]:
    reported = _reported(text)
    return tuple(p.key for p in PROBLEMS if p.pattern.search(reported))


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
    r"\s*[:\uff1a#]?\s*((?=[A-Za-z-]*\d)[A-Za-z0-9][A-Za-z0-9-]{3,31})",
    re.IGNORECASE,
)


def _lexicon() -> list[tuple[str, ...]]:
    """desk/data/products.tsv: each product's usual name, then the other names people use."""
    rows = []
    for line in LEXICON_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, forms = line.partition("\t")
            rows.append((name, *(f for f in forms.split("|") if f)))
    return rows


LEXICON_FILE = Path(__file__).resolve().parent / "data" / "products.tsv"
LEXICON = _lexicon()
LEXICON_NAMES = tuple(row[0] for row in LEXICON)


# Words that contain a product's name and are not the product (电视台 is a TV station).
_NOT_PRODUCTS = re.compile(r"电视台|手机号|[滑玩看]手机|手机载具|鞋套|phone number|phone call"
                           r"|on the phone|\bphone (?:me|you|us|him|her)\b")


@lru_cache(maxsize=256)
def _product_pattern(products: tuple[str, ...],
                     aliases: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[
                         re.Pattern[str] | None, dict[str, str]]:
    """One pattern for every name of the store's products, and which product each name is."""
    forms: dict[str, str] = {}
    for product in products:
        key = normalise(product).lower()
        names = [key]
        for row in LEXICON:
            if key in row:
                names += row
        names += [normalise(a).lower() for a in dict(aliases).get(product, ())]
        for name in names:
            forms.setdefault(name, product)
    if not forms:
        return None, forms
    parts = []
    for name in sorted(forms, key=len, reverse=True):
        word = re.escape(name)
        if name.isascii():  # "tv" in "tv", not in "tvs"... a plural is fine, "fan" not in "fancy"
            word = rf"(?<![a-z0-9]){word}(?:e?s)?(?![a-z0-9])"
        parts.append(word)
    return re.compile("|".join(parts)), forms


def find_product(text: str, products: tuple[str, ...] = (),
                 aliases: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The store's product named in the text, else an order number.

    A product is found by its name, the other names people use for it (desk/data/products.tsv:
    热水壶 and 電熱水壺 are 电热水壶, 雪柜 is 冰箱, "TV" is 电视机) and the store's own aliases.
    The first product named wins, except that of two names written together the second is the
    thing (手机充电器 is a 充电器). Without products, the lexicon's usual names are used.
    """
    catalogue = tuple(products) or LEXICON_NAMES
    frozen = tuple(sorted((p, tuple(a)) for p, a in (aliases or {}).items()))
    pattern, forms = _product_pattern(catalogue, frozen)
    plain = _NOT_PRODUCTS.sub(lambda m: "_" * len(m.group(0)), normalise(text).lower())
    if pattern is not None:
        found = list(pattern.finditer(plain))
        if found:
            first = found[0]
            for later in found[1:]:
                if later.start() != first.end():
                    break
                first = later
            name = first.group(0)
            return forms.get(name) or forms.get(name[:-1]) or forms[name[:-2]]  # plural
    order = _ORDER.search(text)
    return order.group(1) if order else None


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """The customer's words for a restatement, shortened so the message stays readable."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
