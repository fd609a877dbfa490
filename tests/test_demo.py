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
    ("zh_CN", ["无论是谁的责任,首先谢谢您使用了我们的产品", "🆕 投诉单 #1 · 商品质量投诉",
               "您的投诉单 #1 服务已完成,处理结果:已圆满解决。谢谢您的耐心!",
               "🆘 旗舰店:投诉单 #2 员工无法解决,需要您的支持。",
               "最迟答复时间:2026年11月23日 21:00。",
               "接下来:旗舰店的技术人员会在今天 16:52 前与您联系。",
               "⏰ 李工,投诉单 #2 须在 16:52 前联系客户。",
               "⚠️ 旗舰店:投诉单 #2 未能在期限 2026年11月23日 16:52 前联系客户,已记为遗漏。",
               "您好!这里是旗舰店,回访您的投诉单 #1。",
               "📋 技术服务反馈表 · 投诉单 #1", "服务品质指数:91.8",
               "📊 旗舰店 · 每日简报 · 2026年11月24日", "🖼 旗舰店 · 近14天每日投诉单",
               "张女士,元旦快乐!感谢您一直以来对旗舰店的信任与支持", "· 王先生 (有未结投诉)",
               # The conversation through the bot: the guard, the relay, photos both ways.
               "⛔ 未发送:“这是本店的规定”是对客户的禁句", "💬 旗舰店·李工:",
               "📷 💬 旗舰店·李工:", "✓ 已转达给投诉单 #1 的客户。"]),
    ("zh_TW", ["無論是誰的責任", "🆕 客訴單 #1 · 商品品質客訴"]),
    ("en", ["Whatever the cause, thank you for choosing our product", "Ticket #1 · Product quality",
            "You'll get an answer by Nov 23, 2026, 21:00 at the latest."]),
])
async def test_demo_story(language: str, expected: list[str]) -> None:
    lines: list[str] = []
    await play(bot.build_application, language, out=lines.append)
    transcript = "\n".join(lines)
    for text in expected:
        assert text in transcript
    assert "══ 赵经理 ══" in transcript or language != "zh_CN"


def test_demo_command_runs_offline() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bot.py"), "demo", "--lang", "en"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "══ Flagship staff ══" in result.stdout
