"""The phrase guard: what staff must never say to a customer (SOP section 4, seed 003 禁句).

Every message staff or a manager send a customer through the bot is checked first; a match
stops it, and the writer is shown which phrase matched and a better way to say it.

    hit = check(text, store.guard_phrases)
    if hit is not None:
        ...  # hit.phrase (as configured), t.gettext(hit.suggestion)

Seed 003's eight phrases are examples of kinds of answer, so the SOP's check is by meaning: each
is a family of rules (shirking, blaming the customer, blaming a colleague or a department,
hiding behind a rule, belittling, a flat "impossible", "I don't know" with no next step, "I never
said that", "I can't"), in Chinese and in English, each with seed 003's remedy as the better
wording. A rule names the wording it stops and, where the same words are good service, what
makes them so: "我马上去问厂家" (the writer does the asking), "按照规定,您可以…" (the rule gives
the customer something), "我不太清楚,我去问一下,半小时内答复您" (a next step), "以后绝不可能再发生"
(a promise about the future), "不是您使用不当" (a denial of blame).

Rules read the message in two views, made once per message (``View``):

- ``han``: the Han characters only, Traditional made Simplified (OpenCC), so anything put
  between them (spaces, a letter, a symbol, an emoji, a zero-width space) is gone; a run of
  pinyin (with or without tone marks or tone digits: "zhe shi ben dian de gui ding",
  "bù kě néng") is written back in the Han characters it spells first (pypinyin).
- ``words``: the Latin words, look-alike letters (Cyrillic, Greek, full width) made Latin,
  digits and symbols inside a word read as the letters they stand for ("n0t", "impo$$ible"),
  contractions spelt out ("don't" is "do not"), words spelt letter by letter joined
  ("n o t"), sentence ends kept as " . ".

A store's own phrases (config ``guard.phrases``) match as written, with width, case, script,
punctuation and spacing ignored; Chinese ones anywhere in the text, Latin ones as whole words.

Hits are recorded on the ticket's audit trail as ``guard_blocked`` events (actor = the writer),
so the digest counts them per technician (``desk.digest.figures``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from opencc import OpenCC

from desk.i18n import N_


@dataclass(frozen=True)
class Rule:
    """One wording of a family, as a regular expression over a view of the message.

    ``not_after``: innocent when the text just before the match ends like this (the writer is
    the subject: "我马上|去问厂家"); ``not_before``: innocent when the text just after starts like
    this ("不可能|再发生"); ``unless``: innocent when the message says this anywhere (a next
    step, something given to the customer).
    """

    pattern: str
    not_after: str | None = None
    not_before: str | None = None
    unless: str | None = None


@dataclass(frozen=True)
class Phrase:
    """A forbidden phrase: how it is shown, the forms that match it, and a better wording.

    ``patterns`` are literal forms (a store's own phrases); ``han`` and ``words`` are the rules
    of a family of the SOP's (matched on the two views of a message)."""

    label: str
    patterns: tuple[str, ...]
    suggestion: str  # a msgid for the defaults (translated by the caller), free text otherwise
    han: tuple[Rule, ...] = ()
    words: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Hit:
    phrase: str
    suggestion: str


# --- what makes the same words good service -------------------------------------------------

# A next step the writer takes or asks for (seed 003: "我会通知公司的专门人员为你解答").
_NEXT = (r"((我|我们|这边)(也|马上|立刻|这就|现在|就|会|来|去|先|再|帮您|替您|给您|为您|今天|明天"
         r"|上午|下午|晚上|稍后|尽快|一定|亲自|已经|可以|负责|跟|和|向|一下)*|马上|立刻|稍后|尽快)"
         r"(去|来|再)?(问|咨询|联系|查|核实|确认|跟进|反馈|上报|汇报|请示|转给|转告|安排|约|通知|请"
         r"|找|催|处理|解决|上门|过来|过去|检查|检测|看看|看一下)(?![不没])"
         r"|(回复|答复|回电|回覆|告诉|通知|联系|告知)(您|你)|给(您|你)(回|答复|打电话|消息|电话)"
         r"|(专门|专业)人员|(请|麻烦|能|可以|方便)(您|你)?(再)?(发|拍|提供|告诉|说|讲|描述|留)")
# Something the customer is given.
_OFFER = (r"(您|你)可以|(?<![不没])可以(给|为|帮|替)(您|你)|(?<![不没])可以免费"
          r"|(?<!办法)(?<!不能)(?<!无法)(?<!没法)(给|为|帮|替)(您|你)(免费|全额|退|换|修|补|办|安排|申请|处理|上门|送|寄)"
          r"|(?<!不)可(以)?(退|换|修)|免费|全额|无理由|无条件|我们(会|将|可以|来)"
          r"|(明天|后天|下周|周[一二三四五六日天]|上午|下午|晚上|点).{0,8}(可以|行|方便)吗")
_EXCUSED = _NEXT + "|" + _OFFER

_NEXT_EN = (r"\b(i|we) (will|shall|am going to|are going to|can)( \w+){0,3} (ask|check|find out"
            r"|contact|call|get back|let you know|look into|follow up|confirm|reply|send|arrange"
            r"|come|talk|pass|bring|replace|repair|fix|refund|exchange|find)\b"
            r"|\blet me (ask|check|find out|look)\b|\bget back to you\b|\blet you know\b"
            r"|\b(could|can|would) you (please )?(send|tell|share|give|describe|check|confirm)\b"
            r"|\bplease send\b|\bbut (we|i|you|tomorrow|today|instead|on|next|at)\b")
_OFFER_EN = (r"\byou (now |also |still |will )?(can|may|are entitled|are eligible|get|receive"
             r"|have)\b|\bentitled to\b"
             r"|\beligible\b|\bfree of charge\b|\bfor free\b|\bat no (cost|charge)\b"
             r"|\bfull refund\b|\bwe (will|can|shall) (send|replace|refund|give|offer|repair|fix"
             r"|exchange|cover|arrange|bring|come)\b")
_EXCUSED_EN = _NEXT_EN + "|" + _OFFER_EN

# The writer is the one who acts ("我马上去问厂家", "I will ask the manufacturer").
_I_DO = (r"(我|我们|我这边|这边)(马上|现在|这就|会|来|先|立刻|今天|明天|稍后|帮您|替您|给您|亲自"
         r"|再|去|也|一起|已经|可以|直接|负责)*$")
_I_DO_EN = (r"\b(i|we)( (will|shall|can|am going to|are going to|have|already|also|now|first"
            r"|just|personally|quickly|directly))* $|\blet me $")
# A denial of the blame ("不是您使用不当", "it is not your fault").
_DENIED = (r"(不是|并非|并不是|不|没|不属于|不会是|绝不是|如果是|若是)(您|你)?(们)?(自己)?$"
           r"|(您|你)(们)?(自己)?(并)?(没有?|不是|并非|并不是|绝对没有?)$")
_DENIED_EN = r"\b(not|never|no|nothing)( (at all|really|entirely|in any way))? $"

_DEPT = (r"(仓库|收银|财务|前台|客服|售后|同事|店员|导购|总部|技术部|别的部门|其他部门|上一班"
         r"|上个班|之前的同事|安装师傅|安装工|师傅|他们)")
_OUTSIDE = r"(快递|物流|送货的|送货员|配送|司机|厂家|工厂|原厂)"
_CO = r"(生产厂家|厂家|厂商|原厂|品牌方|官方|厂里|工厂|售后)"


def _rules(*rules: str | Rule) -> tuple[Rule, ...]:
    return tuple(r if isinstance(r, Rule) else Rule(r) for r in rules)


_SUGGEST_PATIENT = N_("Explain it patiently, step by step, without judging: “Let me walk you "
                      "through it.”")
_SUGGEST_VALUE = N_("Explain what the product offers and what we can do for the customer now.")
_SUGGEST_SERIOUS = N_("Take it seriously: “Thank you for telling us; we will check it right "
                      "away.”")
_SUGGEST_OWN = N_("Own it: “I will contact the manufacturer for you and get back to you by …”")
_SUGGEST_ASK = N_("Use the SOP's wording: “Sorry, I cannot say for certain yet; I will ask our "
                  "specialist and get back to you.”")
_SUGGEST_SAID = N_("Do not argue about what was said: “Sorry for the misunderstanding; let me "
                   "explain again.”")
_SUGGEST_WILL = N_("Say what you will do: “I will ask a colleague who knows this and get back to "
                   "you.”")
_SUGGEST_RULE = N_("Explain the reason behind the rule and offer what we can do.")
_SUGGEST_CALM = N_("Never set out to prove the customer wrong: explain calmly what happened and "
                   "what we will do about it.")
_SUGGEST_STORE = N_("Speak for the whole store and never blame a colleague or a department: "
                    "“Sorry, this is our mistake; here is what we will do: …”")

# Seed 003's eight and the two kinds of blame seed 003 forbids beside them
# ("切勿千方百计证明客户的错误,亦切勿随便怪责公司某位员工或部门"), in Chinese, then in English.
DEFAULT_PHRASES: tuple[Phrase, ...] = (
    Phrase("这种问题连三岁小孩子都懂", (), _SUGGEST_PATIENT, han=_rules(
        r"岁(的)?(小孩|孩子|小朋友)", r"(小孩|孩子|小朋友)(子)?(都|也)(懂|知道|会)",
        r"(这|这个|这点|这种|这么简单)(的)?(东西|问题|事|道理)?(你|您)?(都|也)不(懂|会|知道|明白)",
        r"这么简单.{0,6}不(会|懂)", r"(这么|这种|这点)(简单|小)的?(问题|事).{0,2}(还|也|都)要",
        r"(您|你)(是不是)?(自己)?不会(用|操作|看)",
        r"(这|这种|这点|这么简单的?)(问题|事|小事)(你|您)?(都|也|还)要(问|投诉|计较)",
        r"说明书.{0,3}(清清楚楚|明明白白|很清楚|写着呢|都写了|早就写)",
        r"(自己|您|你)(都|也)?不看说明书", r"小题大做|大惊小怪|至于吗|至于吧|至于这样|无理取闹",
        r"这(点|种)?小事(也|都|还)?(要|值得)", r"有什么好(投诉|生气|吵|闹|计较)",
        r"(没|有)(什么|啥)大不了", r"(常识|基本常识)(都|也)?不", r"矫情|不就是(个|一个)",
    )),
    Phrase("一分钱,一分货", (), _SUGGEST_VALUE, han=_rules(
        r"一分钱一分货|便宜没好货|贵有贵的道理|便宜有便宜的",
        r"(块钱|这个价|这价|这点钱|这么便宜|便宜货).{0,6}(还|就别)(指望|想要|要求|期望|想)",
        r"便宜(的)?(东西|货)?(就|都|就是)(这样|是这样|这个样)",
    )),
    Phrase("不可能,绝不可能发生这种事", (), _SUGGEST_SERIOUS, han=_rules(
        Rule(r"(不|没有?)可能",
             not_after=r"(以后|今后|将来|保证|确保|下次|再也|不是)(绝|绝对|也)?$",
             not_before=r"再|让您|让你|是(您|你)"),
        Rule(r"怎么可能", not_before=r"不|让您|让你"),
        Rule(r"(绝对|肯定|根本|完全|从来)不会(坏|漏|出现|发生|有|出)",
             not_after=r"(以后|今后|保证|确保|下次)$", not_before=r"再"),
        Rule(r"(产品|东西|货|壶|机器|质量|我们的)(是)?(绝对|肯定|根本|完全|从来)?(没有?|不会有?)"
             r"(问题|毛病|质量问题|噪音)", not_before=r"再"),
        Rule(r"(产品|东西|货|壶|机器|质量)(是)?(绝对|肯定|根本|从来)?不(会|可能)(有|出|坏|漏)",
             not_before=r"再"),
        r"从来没(有)?(发生|出现|出|遇到|遇见|碰到)过",
    )),
    Phrase("这种问题不关我的事,请去问生产厂家,我只负责卖货", (), _SUGGEST_OWN, han=_rules(
        r"不(关|干)(我|我们|本人)(的)?事|关(我|我们)(什么|啥|屁)事",
        r"(与|跟|和|同)(我|我们|本人|我们店|本店|店里)(都)?(没|无|没有)(啥|什么)?关(系)?",
        r"(与|跟|和)(我|我们|本人)(无关|不相干)|不归(我|我们)(管|负责)",
        r"(我|我们)(只|就|只是|就是)(负责|管)卖|只管卖|(就是|只是|只)(个|一个)?卖(货|东西)的",
        r"(售后|维修|这事|这个|那个)不归|爱找谁找谁|(别|不要)找(我|我们)|你问别人|(找|问)(别人|其他人)(去|吧)",
        r"不是(我|我们).{0,3}的(事|责任|问题)", r"(去|随便|尽管)(投诉|告|曝光)(吧|去|啊|好了)",
        r"(去|找|问|打给?)(问问看|问问|问)?(消基会|消保官|消协|工商)",
        r"(我|我们)(是|可|才|就)?不管(这个|这些|这种事|的|了)?$",
        Rule(r"(不是|不归)(我|我们)(负责|管)|管不(了|着)", unless=_EXCUSED),
        Rule(r"(你|您|自己)?(去|再去|直接)?(问|找|联系|打给|打电话给)(一下)?" + _CO
             + r"(吧|去|啊|啦)?", not_after=_I_DO + r"|(不用|不必|无需|用不着)(您|你)?(去|再)?$"),
    )),
    Phrase("嗯……这个问题我不大清楚", (), _SUGGEST_ASK, han=_rules(
        Rule(r"不(大|太|是很|怎么|很)?(清楚|知道|晓得|了解|确定|明白)",
             not_after=r"(您|你|如果|要是|假如|若)(们)?(也|还|要是|如果)?$",
             not_before=r"(您|你|是否|能否|可否|方不方便|有没有|怎么|哪|的地方)", unless=_EXCUSED),
        Rule(r"哪知道|谁(知道|晓得)|(我|鬼|天)(咋|怎么|哪)(知道|晓得)|搞不清|说不清|说不好|不好说"
             r"|说不准|说不上来|无可奉告|没头绪|我(也)?不懂",
             unless=_EXCUSED),
    )),
    Phrase("我绝对没有说过那种话", (), _SUGGEST_SAID, han=_rules(
        r"(我|我们)(可|可从来|绝对|从来|根本|从|并|压根)?(都)?没(有)?(说|讲|答应|承诺|保证)过",
        r"(绝对|从来|根本|压根)没(有)?(说|讲|答应|承诺)过",
        r"谁(跟|和|给)?(你|您)(说|讲|答应|承诺)(的|过)",
        r"(我|我们)(什么时候|几时|哪里|哪儿|哪有)(说|讲|答应|承诺)过",
        r"(您|你)(肯定|一定|可能|应该)?(听|记)错了", r"(我|我们)没(这么|那么|这样)(说|讲)",
        r"不是这么说的|口说无凭",
    )),
    Phrase("这是本店的规定", (), _SUGGEST_RULE, han=_rules(
        Rule(r"规定|规矩|制度|政策|条例|章程",
             not_before=r"(时间|期限|范围|日期|的时间|是(顾客|客户|您)|就是(顾客|客户|您))",
             unless=_EXCUSED),
        r"概不退换|恕不退换|一律不(退|换)|售出不退",
    )),
    Phrase("我不会", (), _SUGGEST_WILL, han=_rules(
        Rule(r"我(也)?(真的|真|实在|确实|是真的)?不会(?=$|修|弄|处理|搞|装|调|用|办|做|操作|啊|呀|呢|了|哦|啦|耶"
             r"|您找|你找|您问|你问|你去|您去)", unless=_EXCUSED),
        Rule(r"(我|我们)(也)?(修|弄|处理|搞|办|做)不(了|来|好)|修不好|搞不定|弄不好|处理不了"
             r"|帮不了|(我|我们)?(也)?没(有)?(办法|法子|辙)|无能为力|爱莫能助|没法(弄|修|处理|办)"
             r"|(修|弄|处理|办|搞|做)不(了|好)"
             r"|做不了主", unless=_EXCUSED),
    )),
    Phrase("肯定是您自己使用不当", (), _SUGGEST_CALM, han=_rules(
        Rule(r"(您|你)(们)?(自己)?(的)?(使用|操作|安装|保管|保养|用|放)(的)?(方法|方式)?"
             r"(不当|不对|错误|有误|不正确|错了|不规范)", not_after=_DENIED),
        Rule(r"使用不当|操作不当|操作错误|使用错误|人为(损坏|造成|原因|因素|导致|的)",
             not_after=_DENIED),
        Rule(r"(您|你)(自己)?((摔|弄|搞|碰|烧|泡|砸|拆)(坏|过)|用坏)", not_after=_DENIED),
        Rule(r"(您|你)(自己)?没(有)?(按|看|照)(说明书|说明|要求)", not_after=_DENIED),
        Rule(r"是(您|你)(们)?(自己)?(的)?(问题|责任|错|原因|过错)",
             not_after=r"(不|并不|不可能|不会|绝不|怎么会)$"),
        Rule(r"(怪|只能怪)(您|你)", not_after=r"(不|不能|别|不会)$"), r"活该|谁让(您|你)",
        r"(别人|其他人|其他顾客|别的顾客)(用|买)?(的)?(都|也)(好好的|没(有)?(问题|事|毛病)|正常)",
    )),
    Phrase("这是仓库那边的错", (), _SUGGEST_STORE, han=_rules(
        Rule(_DEPT + r"(那边|那里|的人)?(的)?(错|失误|锅|过错)", not_after=r"我们$"),
        Rule(r"(是|都是|这是|那是|属于)" + _DEPT + r"(那边|那里|的人)?(的)?(问题|责任)",
             not_after=r"我们$"),
        Rule(_DEPT + r"(那边|那里)?(搞|弄|发|开|送|装|写|算|记)(错|坏|漏)", not_after=r"我们$"),
        Rule(r"(怪|都怪|要怪|得怪|只能怪)" + _DEPT),
        Rule(_OUTSIDE + r"(那边|那里)?(的)?(错|责任|失误|锅|过错)", not_after=r"我们$"),
        Rule(r"(怪|都怪|要怪|得怪|只能怪)" + _OUTSIDE),
        Rule(_OUTSIDE + r"(那边|那里)(搞|弄|发|开|送|装|写)(错|坏|漏)", not_after=r"我们$",
             unless=_EXCUSED),
        r"不是(我|我们)(的)?(错|责任)",
    )),
    # The same families as English-speaking staff say them.
    Phrase("even a three-year-old knows", (), _SUGGEST_PATIENT, words=_rules(
        r"\b(three|3) year old", r"\b(a|any) (child|kid) (could|would|knows|can|understands)\b",
        r"\b(anyone|anybody|everyone|everybody) (could|can|would) (figure|understand|see|do)\b",
        r"\b(its|it is|this is|that is|thats) (really )?not (that )?(hard|complicated|difficult)\b",
        r"\b(just|simply|go|did you( even)?) read the (manual|instructions)\b",
        r"\bcalm down\b", r"\bcommon sense\b", r"\b(making|make) a fuss\b",
        r"\b(dont|do not) (over ?react|be (so )?dramatic)\b", r"\bwhat is the big deal\b",
        r"\b(its|it is) (just|only) (a|an) \w+( \.|$)",
    )),
    Phrase("you get what you pay for", (), _SUGGEST_VALUE, words=_rules(
        r"\byou get what you pay for\b",
        r"\bwhat (did|do) you expect (for|at) (that|this|the|such a) (price|money)\b",
        r"\b(for|at) (that|this|such a) price(,)? what do you expect\b",
        r"\bcheap (stuff|things|products|ones) (break|do not last|wont last)\b",
    )),
    Phrase("that's impossible", (), _SUGGEST_SERIOUS, words=_rules(
        Rule(r"\bimpossible\b", not_after=r"\b(not|isnt|is not) $",
             not_before=r" to (reach|contact|call|get through|find)\b"),
        Rule(r"\b(that|this|it) is not possible( \.|$)"),
        Rule(r"\b(that|this|it) (cannot|could not|can not) (be|happen|have happened)\b",
             not_before=r" (repaired|fixed|done|delivered|installed|refunded|returned|used|true"
                        r" right)"),
        Rule(r"\b(never happens|(has|had) never happened|never happened)\b",
             not_before=r" again"),
        Rule(r"\b(our|these|the|this|that) (\w+ )?(products?|kettles?|units?|models?|machines?"
             r"|things?) (never|do not|does not|cannot|will not|wont) (leak|break|fail|have|make"
             r"|overheat|do that|go wrong)\b", not_before=r" again"),
        r"\bnothing (is )?wrong with (it|the|our|this|that)\b", r"\bno way( \.|$| (that|this|it))",
    )),
    Phrase("not my problem, ask the manufacturer", (), _SUGGEST_OWN, words=_rules(
        r"\bnot (my|our) (problem|job|business|department|responsibility|concern|issue)\b",
        r"\bnone of (my|our) (business|concern)\b", r"\bnothing to do with (me|us)\b",
        r"\b(i|we) (only|just) sell\b", r"\b(ask|call|try|talk to) (someone|somebody) else\b",
        r"\b(i am|im) (just|only) (a |the )?(salesperson|cashier|sales ?clerk|shop assistant"
        r"|seller|sales assistant)\b", r"\babove my pay ?grade\b",
        Rule(r"\b(ask|call|contact|talk to|go to|phone|email|write to) the (manufacturer|factory"
             r"|brand|maker)\b", not_after=_I_DO_EN),
        r"\b(take|bring) it (up )?(with|to) the (manufacturer|factory|brand)\b",
        r"\b(thats|that is|its|it is) the (manufacturers|factorys|brands) (problem|issue|business"
        r"|job)\b",
    )),
    Phrase("I don't really know", (), _SUGGEST_ASK, words=_rules(
        Rule(r"\b(i )?(do not|dont|dunno|do nt)( really| even)? know\b|\bdunno\b",
             not_after=r"\byou $|\bif $", not_before=r" (if|whether) you\b", unless=_EXCUSED_EN),
        Rule(r"\b(no|not a|have no) (idea|clue)\b|\bno clue\b|\bnot sure\b|\bwho knows\b"
             r"|\bbeats me\b|\b(i )?(cannot|can not) say\b", unless=_EXCUSED_EN),
    )),
    Phrase("I never said that", (), _SUGGEST_SAID, words=_rules(
        Rule(r"\b(i|we) (never|did not|didnt) (said|say|promise|promised|tell|told|agree|agreed)"
             r"( (that|so|anything|you|such|this|it))?\b", not_before=r" (it )?clearly"),
        r"\byou (must have |probably )?(misheard|heard (it )?wrong|misunderstood)\b",
        r"\b(thats|that is) not what (i|we) (said|promised)\b",
    )),
    Phrase("it's store policy", (), _SUGGEST_RULE, words=_rules(
        Rule(r"\b(store|shop|company|companys|stores|our|the|its|it is|that is|thats|by|per"
             r"|under|against)( \w+)? (policy|policies|rules?|regulations?)\b", unless=_OFFER_EN),
        Rule(r"\b(rules|policy) (is|are) (rules|policy)\b"),
        Rule(r"\b(thats|that is|its|it is) (just )?(how|the way) (it is|it works|things are)\b"),
        Rule(r"\b(we|i) (have to|must) (follow|stick to) (the )?(rules|policy)\b",
             unless=_OFFER_EN),
    )),
    Phrase("I can't do that", (), _SUGGEST_WILL, words=_rules(
        Rule(r"\b(i|we) (cannot|can not|will not|wont|refuse to|am unable to|are unable to) "
             r"(do|fix|repair|replace|refund|exchange|help)( (it|that|this|you|anything))?\b",
             unless=_EXCUSED_EN),
        Rule(r"\b(there is|theres|there s) nothing (i|we) can do\b", unless=_EXCUSED_EN),
        Rule(r"(^|\. |nope |no |sorry )(cannot|can not) help\b", unless=_EXCUSED_EN),
        Rule(r"\b(i|we) (do not|dont) know how\b", unless=_EXCUSED_EN),
        Rule(r"\b(out of|not in) (my|our) hands\b", unless=_EXCUSED_EN),
    )),
    Phrase("it's your own fault", (), _SUGGEST_CALM, words=_rules(
        r"\byou (must|probably|obviously|clearly|certainly|definitely) (have )?(used|installed"
        r"|dropped|broken|broke|misused|damaged|mishandled|done)\b",
        r"\byou (used|installed|set up|handled) it (wrong|wrongly|incorrectly|improperly)\b",
        Rule(r"\b(user|operator) error\b|\b(improper|incorrect|wrong) use\b|\bmisuse\b",
             not_after=_DENIED_EN),
        Rule(r"\byour (own )?fault\b", not_after=_DENIED_EN),
        r"\byou (did not|didnt|never) (read|follow) the (manual|instructions)\b",
        r"\byou broke it\b", r"\b(its|that is|thats) on you\b",
        r"\byou should (have|ve) (read|followed|checked|looked at)\b",
        r"\b(everyone|everybody|other customers|nobody) (else )?(is happy|has no problem|has had no"
        r" problem|complains|complained|has complained)\b", r"\b(must|has to) be (you|your)\b",
    )),
    Phrase("that's the warehouse's fault", (), _SUGGEST_STORE, words=_rules(
        Rule(r"\b(warehouse|delivery (company|guy|man|driver|people)|courier|installer"
             r"|technician|cashier|colleague|accounting|finance|front desk|other (department"
             r"|shift|store)|manufacturer|factory|their|his|her)s? (fault|mistake|problem|error)\b",
             not_after=r"\bour $"),
        r"\bblame (the|them|it on)\b", r"\b(they|he|she) (messed|screwed) (it )?up\b",
        r"\bnot (our|my) fault\b",
    )),
)

# The wordings spelt in pinyin that the guard writes back in Han characters (the longest run of
# syllables that spells a piece of one of these wins, so "bu guan wo de shi" is 不关我的事).
SPOKEN = (
    "这是本店的规定", "这是公司的规定", "这是规矩", "本店规矩", "规定就是规定", "公司政策",
    "不关我的事", "不关我们的事", "与我无关", "跟我没关系", "不归我管", "我只负责卖货",
    "去问生产厂家", "你去找厂家", "不可能", "绝不可能发生这种事", "绝对不可能", "怎么可能",
    "我不知道", "我也不清楚", "我不大清楚", "我不太清楚", "我绝对没有说过那种话", "我没说过",
    "我不会", "我也没办法", "我修不了", "我帮不了你", "一分钱一分货", "便宜没好货",
    "三岁小孩子都懂", "你自己使用不当", "人为损坏", "这是仓库的错",
)

# --- the two views of a message -------------------------------------------------------------

# Cyrillic and Greek letters that look like Latin ones (Unicode's confusables, the usual ones).
_LOOKALIKE = str.maketrans(dict(zip(
    "аеорсхуікјѕԁһмтвнӏєαοεκντρχυι",
    "aeopcxyikjsdhmtbhleaoekvtpxui", strict=True)))
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_CONTRACTIONS = ((r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"), (r"n't\b", " not"),
                 (r"'ll\b", " will"), (r"'re\b", " are"), (r"'m\b", " am"), (r"'ve\b", " have"),
                 (r"'d\b", " would"), (r"'", ""))
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class View:
    han: str
    words: str


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


def _plain(text: str) -> str:
    """Width, case, Traditional characters and the apostrophe's forms made alike."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("ʼ", "'").replace("`", "'")
    plain: str = _converter().convert(text)
    return plain


def _latin(plain: str) -> str:
    """Look-alike letters made Latin and accents (pinyin's tone marks) dropped."""
    plain = plain.translate(_LOOKALIKE).replace("ü", "v")
    return "".join(ch for ch in unicodedata.normalize("NFKD", plain)
                   if not unicodedata.combining(ch))


@cache
def _spoken() -> dict[str, str]:
    """Pinyin (no tones, no spaces) of every piece of the SPOKEN wordings -> its characters."""
    from pypinyin import Style, lazy_pinyin  # only when a message has pinyin-like words

    pieces: dict[str, str] = {}
    for wording in SPOKEN:
        syllables = lazy_pinyin(wording, style=Style.NORMAL)
        for start in range(len(wording)):
            for end in range(start + 1, len(wording) + 1):
                pieces.setdefault("".join(syllables[start:end]), wording[start:end])
    return pieces


@cache
@cache
def _homophones(syllable: str) -> list[str]:
    """The characters of SPOKEN that one syllable may stand for ("zhi": 只, 知)."""
    from pypinyin import Style, lazy_pinyin

    return [ch for ch in dict.fromkeys("".join(SPOKEN))
            if lazy_pinyin(ch, style=Style.NORMAL) == [syllable]]


def _in_context(syllable: str, left: str, right: str) -> str | None:
    """The character a lone syllable among Han characters stands for: the one that continues
    a SPOKEN wording furthest on both sides ("我不zhi道" is 我不知道, not 我不只道)."""
    def reach(candidate: str) -> int:
        best = 0
        for wording in SPOKEN:
            for at in (i for i, ch in enumerate(wording) if ch == candidate):
                before = next((n for n in range(min(at, len(left)), -1, -1)
                               if left.endswith(wording[at - n:at])), 0)
                after = next((n for n in range(min(len(wording) - at - 1, len(right)), -1, -1)
                              if right.startswith(wording[at + 1:at + 1 + n])), 0)
                best = max(best, before + after)
        return best

    candidates = _homophones(syllable)
    return max(candidates, key=reach) if candidates else None


@cache
def _from_pinyin(letters: str, shortest: int = 2) -> str | None:
    """The Han characters a run of pinyin spells, when SPOKEN's pieces cover all of it."""
    pieces = _spoken()
    longest = max(map(len, pieces))
    # best[i]: (score, characters) for letters[:i]; a longer piece scores more than two short.
    best: list[tuple[int, str] | None] = [None] * (len(letters) + 1)
    best[0] = (0, "")
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - longest), end):
            han = pieces.get(letters[start:end])
            before, current = best[start], best[end]
            if han is not None and before is not None:
                score = before[0] + len(han) ** 2
                if current is None or score > current[0]:
                    best[end] = (score, before[1] + han)
    found = best[-1]
    return found[1] if found is not None and len(found[1]) >= shortest else None


_LATIN_RUN = re.compile(r"[a-z0-5]+(?:[\s\-'·]+[a-z0-5]+)*")


def _han(latin: str) -> str:
    """The Han characters of the message, pinyin written back in characters: in each run of
    Latin words, every stretch of words that are all pinyin of SPOKEN's pieces ("haha bu guan
    wo de shi" is "haha" and 不关我的事); among Han characters, a single syllable too
    ("不guan我的事")."""
    shortest = 1 if _HAN.search(latin) else 2

    def spelt(match: re.Match[str]) -> str:
        words = [re.sub(r"[0-5]", "", w) for w in re.split(r"[^a-z0-5]+", match.group())]
        if shortest == 1 and len(words) == 1 and len(_from_pinyin(words[0], 1) or "") == 1:
            left = "".join(_HAN.findall(match.string[:match.start()]))[-6:]
            right = "".join(_HAN.findall(match.string[match.end():]))[:6]
            return _in_context(words[0], left, right) or " "
        out, stretch = [], []
        for word in [*words, ""]:
            if word and _from_pinyin(word, shortest=1) is not None:
                stretch.append(word)
                continue
            han = _from_pinyin("".join(stretch), shortest) if stretch else None
            out.append(han if han is not None else " ")
            stretch = []
        return "".join(out) if shortest == 1 else " ".join(out)

    if re.search(r"[a-z]", latin):
        latin = _LATIN_RUN.sub(spelt, latin)
    return "".join(_HAN.findall(latin))


def _words(latin: str) -> str:
    """Latin words, one space apart, sentence ends as " . " (see the module's docstring)."""
    text = re.sub(r"(?<=[a-z])[013457@$]+(?=[a-z])|(?<![a-z0-9])[013457@$](?=[a-z]{3,})",
                  lambda m: "".join(_LEET[c] for c in m.group()), latin)
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    # A symbol between two letters is an inserted character ("im-possible", "n.o.t").
    text = re.sub(r"(?<=[a-z])[^a-z\s]+(?=[a-z])", "", text)
    text = re.sub(r"[.!?;:,。!?;:,…\n]+", " . ", text)
    text = re.sub(r"[^a-z0-9.\s]", " ", text)
    text = _SPACE.sub(" ", text).strip()
    # Words spelt letter by letter ("n o t  m y") are joined.
    text = re.sub(r"\b[a-z](?: [a-z]\b){2,}", lambda m: m.group().replace(" ", ""), text)
    return text


def view(text: str, plain: str | None = None) -> View:
    """The two views of ``text`` (``plain``: its ``_plain`` form, when already made)."""
    latin = _latin(_plain(text) if plain is None else plain)
    return View(_han(latin), _words(latin))


@cache
def _spaced(pattern: str) -> str:
    """An English pattern that also finds its words written together ("notmyproblem")."""
    return pattern.replace(" ", " ?")


def _rule_matches(rule: Rule, haystack: str, english: bool = False) -> bool:
    if not haystack:
        return False
    pattern = _spaced(rule.pattern) if english else rule.pattern
    for match in re.finditer(pattern, haystack):
        before = haystack[max(0, match.start() - 24):match.start()]
        after = haystack[match.end():match.end() + 24]
        if rule.not_after and re.search(rule.not_after, before):
            continue
        if rule.not_before and re.match(rule.not_before, after):
            continue
        if rule.unless and re.search(rule.unless, haystack):
            continue
        return True
    return False


# --- a store's own phrases, matched as written ----------------------------------------------

def _squeezed(plain: str) -> str:
    """For Chinese: letters and digits only, nothing between them."""
    return "".join(ch for ch in plain if ch.isalnum())


def _literal_words(plain: str) -> str:
    """For Latin: words separated by single spaces (apostrophes kept inside words)."""
    kept = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in plain)
    return " " + _SPACE.sub(" ", kept).strip() + " "


@cache
def _han_only(pattern: str) -> str:
    """A store's phrase as the Han view sees it, when it is all Han characters (else "")."""
    plain = _plain(pattern.rstrip("$"))
    core = "".join(ch for ch in plain if ch.isalnum())
    return core if core and all(_HAN.fullmatch(ch) for ch in core) else ""


@cache
def _needle(pattern: str) -> tuple[bool, bool, str]:
    """(Latin?, must end the message?, the normalised form) of a pattern."""
    core = _plain(pattern.rstrip("$"))
    latin = core.isascii()
    return latin, pattern.endswith("$"), _literal_words(core) if latin else _squeezed(core)


def _matches(pattern: str, squeezed: str, words: str) -> bool:
    latin, at_end, needle = _needle(pattern)
    haystack = words if latin else squeezed
    if not needle.strip():
        return False
    return haystack.endswith(needle) if at_end else needle in haystack


def check(text: str, phrases: tuple[Phrase, ...] | list[Phrase]) -> Hit | None:
    """The first forbidden phrase in ``text``, or None when it may go to the customer."""
    plain = _plain(text)
    squeezed, words = _squeezed(plain), _literal_words(plain)
    seen: View | None = None
    for phrase in phrases:
        if any(_matches(p, squeezed, words) for p in phrase.patterns):
            return Hit(phrase.label, phrase.suggestion)
        if phrase.patterns and any(_HAN.fullmatch(ch) for p in phrase.patterns for ch in p):
            # A store's Chinese phrase with something typed inside it ("爱x买不买").
            seen = seen or view(text, plain)
            if any(_han_only(p) and _han_only(p) in seen.han for p in phrase.patterns):
                return Hit(phrase.label, phrase.suggestion)
        if phrase.han or phrase.words:
            seen = seen or view(text, plain)
            if any(_rule_matches(r, seen.han) for r in phrase.han) \
                    or any(_rule_matches(r, seen.words, True) for r in phrase.words):
                return Hit(phrase.label, phrase.suggestion)
    return None


def shown_as(phrase: str, language: str) -> str:
    """The matched phrase in the reader's script: the defaults are kept in Simplified."""
    return OpenCC("s2t").convert(phrase) if language == "zh_TW" else phrase


def configured(entries: list[dict[str, Any]], keep_defaults: bool) -> tuple[Phrase, ...]:
    """A store's phrases from its config: its own (each phrase is its only pattern), after
    the SOP's eight unless ``keep_defaults`` is false."""
    own = tuple(Phrase(e["phrase"], (e["phrase"],),
                       e.get("suggestion") or N_("Please say it in a kinder way."))
                for e in entries)
    return (DEFAULT_PHRASES if keep_defaults else ()) + own
