"""The managers' desk in a real browser: headless Chromium at a phone's width, opened the way
Telegram opens a Mini App (signed init data and theme colours in the URL fragment).

Needs Debian's chromium (``apt-get install chromium``; ``.ci/run`` installs it when it runs as
root) or any Chrome named by SUNDOWN_CHROMIUM; without one these tests skip and say so.
Each page's screenshot is saved in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from sandbox.fake_telegram import FakeUser
from tests.conftest import World, file_complaint, start_world
from tests.test_desk_api import DESK_TOML, ZHAO
from webapp import auth
from webapp.server import WEBDESK_KEY

CHROMIUM = os.environ.get("SUNDOWN_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
playwright_api = pytest.importorskip("playwright.async_api",
                                     reason="pip install playwright (make test installs it)")
expect = playwright_api.expect
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium for the desk's browser tests: apt-get install "
    "chromium (Debian/Ubuntu), or set SUNDOWN_CHROMIUM to a Chrome binary")]
# This machine's network is closed: Chromium's own background traffic would only fail.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
THEME = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
         "button_color": "#5288c1", "button_text_color": "#ffffff",
         "secondary_bg_color": "#232e3c"}
PHONE = {"width": 360, "height": 740}


class Browser:
    """A manager's phone with the desk open."""

    def __init__(self, world: World, page, base: str, shots: Path):
        self.world = world
        self.page = page
        self.base = base
        self.shots = shots

    async def open_desk(self, user: dict = ZHAO, age: timedelta = timedelta(0)) -> None:
        init_data = auth.init_data_for(user, self.world.app.bot.token,
                                       int((self.world.clock() - age).timestamp()))
        fragment = (f"tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0"
                    f"&tgWebAppPlatform=android&tgWebAppThemeParams={quote(json.dumps(THEME))}")
        await self.page.goto(f"{self.base}/#{fragment}")

    async def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def fits_the_phone(self) -> bool:
        width = await self.page.evaluate("document.documentElement.scrollWidth")
        return width <= PHONE["width"]


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    world = await start_world(tmp_path / "data", DESK_TOML)
    webdesk = world.app.bot_data[WEBDESK_KEY]
    port = await webdesk.start("127.0.0.1", 0)
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = await chromium.new_page(viewport=PHONE, device_scale_factor=2)
        page.set_default_timeout(15_000)
        shots = tmp_path / "screenshots"
        shots.mkdir()
        try:
            yield Browser(world, page, f"http://127.0.0.1:{port}", shots)
        finally:
            await chromium.close()
            await webdesk.stop()
            await world.stop()


async def a_busy_morning(w: World) -> tuple[int, int]:
    """Two complaints: Zhang's kettle, taken by Li and talked over; Tom's purifier."""
    kettle = await file_complaint(w)
    await w.client.click(w.li, w.client.card(w.staff_group, kettle), "接单")
    await w.client.send(w.li, "您好,我们下午三点上门更换", group=w.staff_group,
                        reply_to=w.client.card(w.staff_group, kettle))
    await w.client.send(w.customer, "好的,三点见")
    tom = FakeUser(1003, "Tom", language_code="en")
    purifier = await file_complaint(w, "空气净化器噪音很大,要维修", user=tom)
    await w.client.share_contact(tom, "+86 139 1234 5678")
    await w.outbox.settle()
    return kettle, purifier


async def test_a_manager_reads_filters_searches_and_opens_a_ticket(browser: Browser) -> None:
    kettle, purifier = await a_busy_morning(browser.world)
    page = browser.page
    await browser.open_desk()

    # The open tickets, in the theme Telegram gave, at a phone's width.
    await page.wait_for_selector(".ticket")
    numbers = await page.eval_on_selector_all(".ticket", "els => els.map(e => e.dataset.number)")
    assert sorted(int(n) for n in numbers) == sorted([kettle, purifier])
    assert await page.text_content("#tabs button[data-tab=open]") == "待处理"
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    assert await browser.fits_the_phone()
    await browser.screenshot("open-tickets")

    # Filter: Li's tickets only.
    await page.select_option("select[name=technician]", "201")
    await expect(page.locator(".ticket")).to_have_count(1)
    await expect(page.locator(f".ticket[data-number='{kettle}']")).to_be_visible()
    await browser.screenshot("filtered")

    # Search Tom's phone number, as a manager types it.
    await page.click("#tabs button[data-tab=search]")
    await page.fill("input[name=q]", "139 1234")
    await page.press("input[name=q]", "Enter")
    await page.wait_for_selector(f".result[data-number='{purifier}']")
    assert await page.eval_on_selector_all(".result", "els => els.length") == 1
    await browser.screenshot("search")

    # Open Zhang's ticket and read the conversation, in order.
    await page.fill("input[name=q]", "电热水壶")
    await page.press("input[name=q]", "Enter")
    await page.click(f".result[data-number='{kettle}']")
    await page.wait_for_selector("#conversation li")
    said = await page.eval_on_selector_all("#conversation .bubble",
                                           "els => els.map(e => e.textContent)")
    assert said == ["您好,我们下午三点上门更换", "好的,三点见"]
    assert "张女士" in await page.text_content("dl.facts")
    assert await browser.fits_the_phone()
    await browser.screenshot("ticket")

    # Switch to English: the same page, in the manager's other language.
    await page.select_option("#language", "en")
    await expect(page.locator("#tabs button[data-tab=open]")).to_have_text("Open")
    assert await page.text_content("#tabs button[data-tab=search]") == "Search"

    # Trends: the charts are drawn in the page.
    await page.click("#tabs button[data-tab=trends]")
    await page.wait_for_selector("#trends .chart svg")
    assert await page.eval_on_selector_all("#trends .chart svg", "els => els.length") >= 3
    assert await browser.fits_the_phone()
    await browser.screenshot("trends")

    await page.click("#tabs button[data-tab=export]")
    await page.click("form button[type=submit]")
    await page.wait_for_selector("#export-link")
    await browser.screenshot("export")
    assert sorted(p.name for p in browser.shots.iterdir()) == [
        "export.png", "filtered.png", "open-tickets.png", "search.png", "ticket.png",
        "trends.png"]


async def test_a_manager_hands_a_ticket_to_a_technician_from_the_page(browser: Browser
                                                                       ) -> None:
    w = browser.world
    number = await file_complaint(w)
    page = browser.page
    await browser.open_desk()
    await page.click(f".ticket[data-number='{number}']")
    await page.click("button:has-text('王工')")
    # First what will happen and to whom; nothing is sent before "发送".
    await expect(page.locator("#confirm-text")).to_have_text(
        f"将告诉 王工:投诉单 #{number} 现在由他/她负责;并告诉客户 张女士 由 王工 联系。")
    assert w.db.by_number(number).assignee_id != 202
    await page.click("#confirm-send")
    await expect(page.locator("#action-result")).to_have_text("已完成。")
    await w.outbox.settle()
    assert w.db.by_number(number).assignee_id == 202
    assert any(f"#{number}" in text for text in w.client.texts(w.wang))


async def test_a_customer_who_opens_the_desk_sees_a_refusal_and_no_tickets(browser: Browser
                                                                           ) -> None:
    await file_complaint(browser.world)
    await browser.open_desk({"id": 1001, "first_name": "张", "language_code": "zh-hans"})
    await browser.page.wait_for_selector("#problem")
    assert await browser.page.text_content("#problem") == "工作台仅供本店经理使用。"
    assert await browser.page.query_selector(".ticket") is None


async def test_the_page_outside_telegram_says_where_to_open_it(browser: Browser) -> None:
    await browser.page.goto(browser.base + "/")
    await browser.page.wait_for_selector("#problem")
    assert "/desk" in await browser.page.text_content("#problem")


async def test_a_customers_name_full_of_markup_is_shown_as_text(browser: Browser) -> None:
    w = browser.world
    name = '<img src=x onerror="document.title=\'pwned\'">'
    number = await file_complaint(w, "电热水壶<b>漏水</b>", user=FakeUser(1004, name))
    page = browser.page
    await browser.open_desk()
    line = page.locator(f".ticket[data-number='{number}']")
    await expect(line).to_contain_text("<img src=x")
    await line.click()
    await expect(page.locator("dl.facts")).to_contain_text("<b>漏水</b>")
    assert await page.query_selector("#view img") is None
    assert await page.title() != "pwned"


@pytest.mark.parametrize("who", ["customer", "expired manager"])
async def test_a_refused_sign_in_shows_nothing_of_the_desk(browser: Browser, who: str) -> None:
    """Only the notice: no tab buttons, no language menu (``.tabs { display: grid }`` once
    overrode ``hidden`` and showed four blank buttons above it)."""
    await file_complaint(browser.world)
    page = browser.page
    if who == "customer":
        await browser.open_desk({"id": 1001, "first_name": "张", "language_code": "zh-hans"})
        expected = "工作台仅供本店经理使用。"
    else:
        await browser.open_desk(ZHAO, age=timedelta(days=2))  # signed two days ago
        expected = "登录已过期:请关闭工作台,再从聊天中重新打开。"

    await page.wait_for_selector("#problem")
    if expected:
        assert await page.text_content("#problem") == expected
    await browser.screenshot("refused")
    for selector in ("#tabs", "#tabs button", "#language"):
        for element in await page.query_selector_all(selector):
            assert not await element.is_visible(), selector
    assert await page.query_selector(".ticket") is None


async def test_a_session_that_expires_on_a_language_change_hides_the_desk_again(
        browser: Browser) -> None:
    await file_complaint(browser.world)
    page = browser.page
    await browser.open_desk()
    await page.wait_for_selector(".ticket")
    assert await page.is_visible("#tabs") and await page.is_visible("#language")
    browser.world.clock.advance(days=2)
    await page.select_option("#language", "en")
    await page.wait_for_selector("#problem")
    assert not await page.is_visible("#tabs") and not await page.is_visible("#language")


async def test_what_needs_the_manager_comes_first_and_is_confirmed_before_it_is_sent(
        browser: Browser) -> None:
    """Issue 19, item 10, as a manager sees it on the phone."""
    w = browser.world
    c = w.client
    await file_complaint(w, "空气净化器有异味", user=w.other_customer)
    number = await file_complaint(w)
    await c.share_contact(w.customer, "+86 138 0013 8000")
    ticket = w.db.by_number(number)
    offered_to = next(x for x in (w.li, w.wang) if x.id == ticket.assignee_id)
    await c.click(offered_to, c.card(w.staff_group, number), "接单")
    await c.click(offered_to, c.card(w.staff_group, number), "无法解决")
    await w.outbox.settle()
    page = browser.page
    await browser.open_desk()
    await page.wait_for_selector(".ticket")
    first = page.locator(".ticket").first
    assert await first.get_attribute("data-number") == str(number)
    await expect(first.locator(".badge")).to_have_text("待您决定")
    await expect(first.locator(".clock")).to_contain_text("请在此前决定 今天 16:45")
    other = page.locator(".ticket").nth(1)
    await expect(other.locator(".clock")).to_contain_text("尚未接单")
    await browser.screenshot("needs-you")

    await first.click()
    link = page.locator("#phone-link")
    assert await link.get_attribute("href") == "tel:+8613800138000"
    labels = await page.eval_on_selector_all(".reply-choice", "els => els.map(e => e.textContent)")
    assert labels == ["今天打烊前(21:00)", "下一个营业日打烊前(明天 21:00)",
                      "第三个营业日打烊前(11月26日 21:00)"]
    told = len(c.texts(w.customer))
    await page.click(".reply-choice >> nth=1")
    await expect(page.locator("#confirm-text")).to_have_text(
        "将告诉客户 张女士:最迟答复时间为 明天 21:00;员工群中的卡片随之更新。")
    assert await browser.fits_the_phone()
    await browser.screenshot("confirm")
    await page.click("#confirm-cancel")
    await expect(page.locator("#confirm")).to_be_hidden()
    assert w.db.by_number(number).reply_by is None, "cancelled: nothing sent"
    await page.click(".reply-choice >> nth=1")
    await page.click("#confirm-send")
    await expect(page.locator("#action-result")).to_have_text("已完成。")
    await w.outbox.settle()
    assert w.db.by_number(number).reply_by == "2026-11-24T21:00:00+08:00"
    assert len(c.texts(w.customer)) == told + 1
