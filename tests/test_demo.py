"""`make demo` plays its story in every language without a token or a network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bot
from sandbox.story import play

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("language", "expected"), [
    # What the story shows comes first; then a store-hours question answered at once; every
    # press as the person's action, time jumps announced, edits marked as edits.
    ("zh_CN", ["这是 Sundown 的演示", "张女士: 请问你们周日几点关门?",
               "星期日(11月29日):10:00 开门,17:00 关门。", "👆 李工 按下 [✅ 接单]",
               "👆 张女士 按下 [✅ 对,提交]", "—— 第二天,11月24日周二 10:00 ——",
               "—— 2027年1月1日周五 09:00 ——", "🤖 ✎ [m6, 已修改] ✅ 已提交。",
               "无论是谁的责任,首先谢谢您使用了我们的产品", "🆕 投诉单 #1 · 商品质量投诉",
               "您的投诉单 #1 服务已完成,处理结果:已圆满解决。谢谢您的耐心!",
               "🆘 旗舰店:投诉单 #2 员工无法解决,需要您的支持。",
               "经理最迟会在 今天 21:00 前给您答复,请您耐心等候。",
               "接下来:旗舰店的技术人员会在今天 16:45 前与您联系。",
               "⏰ 李工,投诉单 #2 请在 16:45 前联系客户。",
               "⚠️ 旗舰店:投诉单 #2 未能在期限 今天 16:45 前联系客户,已记为遗漏。",
               "您好!这里是旗舰店,回访您的投诉单 #1。",
               "📋 技术服务反馈表 · 投诉单 #1", "服务品质指数:91.8",
               "📊 旗舰店 · 每日简报 · 2026年11月24日", "🖼 旗舰店 · 近14天每日投诉单",
               "张女士,元旦快乐!感谢您一直以来对旗舰店的信任与支持", "· 王先生 (有未结投诉)",
               # The conversation through the bot: the guard, the relay, photos both ways.
               "⛔ 未发送:“这是本店的规定”是对客户的禁句", "💬 旗舰店·李工:",
               "📷 💬 旗舰店·李工:", "✓ 已转达给投诉单 #1 的客户。",
               # Topics mode: a topic per ticket, named for its state; General's overview.
               "══ 旗舰店员工群 › 🆕 #1 张女士 · 电热水壶 漏水 ══",
               "🤖 🗂 ✎ [话题, 已关闭] ✅ #1 张女士 · 电热水壶 漏水", "══ 旗舰店员工群 ══",
               "📋 旗舰店 "]),
    ("zh_TW", ["這是 Sundown 的示範", "星期日(11月29日):10:00 開門,17:00 打烊。",
               "👆 李工 按下 [✅ 接單]", "—— 隔天,11月24日週二 10:00 ——",
               "無論是誰的責任", "🆕 客訴單 #1 · 商品品質客訴"]),
    ("en", ["This is Sundown's demo", "Sunday (Nov 29): open from 10:00 to 17:00.",
            "👆 Li presses [✅ Accept]", "— the next day, Tue, Nov 24, 10:00 —",
            "🤖 ✎ [m6, edited] ✅ Submitted.",
            "Whatever the cause, thank you for choosing our product", "Ticket #1 · Product quality",
            "You'll get an answer by today 21:00 at the latest."]),
])
@pytest.mark.slow
async def test_demo_story(language: str, expected: list[str]) -> None:
    lines: list[str] = []
    await play(bot.build_application, language, out=lines.append)
    transcript = "\n".join(lines)
    for text in expected:
        assert text in transcript
    assert "══ 赵经理 ══" in transcript or language != "zh_CN"
    assert lines[0].startswith(expected[0]), "the story says first what it shows"
    # The bot's message numbers never look like ticket numbers.
    assert not [line for line in lines if line.startswith(("🤖 #", "🤖 ✎ #"))]


@pytest.mark.slow
def test_demo_command_runs_offline() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bot.py"), "demo", "--lang", "en"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "══ Flagship staff ══" in result.stdout
