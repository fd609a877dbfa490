"""The manager's digest: exact figures, the four no-misses audit, chart, exports, refusals."""

from __future__ import annotations

import csv
import io
import json
import struct
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from matplotlib import font_manager

from desk import chart as charts
from desk.buttons import Action
from desk.digest import compute
from desk.i18n import translator
from desk.models import Event, Kind, State, Ticket, Want
from schedules.deadlines import JOB_NAME as DEADLINES
from schedules.digest import JOB_NAME as DIGESTS
from tests.conftest import CHAIN_TOML, World, chain_settings, file_complaint, start_world

HQ = chain_settings(Path("/tmp/unused")).store("hq")
DAY = date(2026, 11, 23)


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """Shanghai wall-clock time in November 2026, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


def ticket(number: int, kind: Kind, confirmed: datetime, events: list[tuple], *,
           product: str | None = None, state: State = State.CLAIMED,
           feedback: list | None = None, text: str = "漏水") -> Ticket:
    deadline = sh(confirmed.astimezone(HQ.timezone).day, 16, 52) \
        if confirmed.astimezone(HQ.timezone).hour < 16 else sh(24, 16, 52)
    t = Ticket(key=f"k{number}", store_id="hq", customer_id=1000 + number, customer_name="客户",
               language="zh_CN", text=text, kind=kind, created_at=confirmed.isoformat(),
               want=Want.REFUND, product=product, state=state, number=number,
               confirmed_at=confirmed.isoformat(), contact_by=deadline.isoformat(),
               feedback=feedback or [])
    t.events.append(Event(confirmed.isoformat(), 1000 + number, "confirmed",
                          {"contact_by": deadline.isoformat()}))
    for at, actor, action, detail in events:
        t.events.append(Event(at.isoformat(), actor, action, detail))
    return t


def survey(answered: datetime, overall: int, solved: str, drivers: dict | None = None,
           technician: int = 201) -> dict:
    return {"stage": "done", "overall": overall, "solved": solved, "drivers": drivers or {},
            "answered_at": answered.isoformat(), "technician": technician}


def seeded() -> list[Ticket]:
    return [
        # Served the same day: contact after 30 min, a perfect survey.
        ticket(1, Kind.QUALITY, sh(23, 10), [
            (sh(23, 10, 10), 201, "accepted", {}), (sh(23, 10, 40), 201, "contacted", {}),
            (sh(23, 12), 201, "done", {"outcome": "solved"}),
            (sh(23, 15), 1001, "callback_sent", {}), (sh(23, 15, 5), 1001, "survey_answer",
                                                      {"step": "s"})],
            product="电热水壶", state=State.DONE,
            feedback=[survey(sh(23, 15, 5), 4, "fully", {
                "reliability": 5, "responsiveness": 5, "assurance": 5, "empathy": 5,
                "tangibles": 5})]),
        # Offered, never claimed: the deadline passes.
        ticket(2, Kind.SERVICE, sh(23, 11), [
            (sh(23, 11), 0, "offered", {"to": 202}),
            (sh(23, 16, 52), 0, "missed", {"deadline": sh(23, 16, 52).isoformat()})],
            state=State.OFFERED),
        # Saturday's ticket: contacted after 60 min, a low score reopened it, no new contact.
        ticket(3, Kind.CONTRACT, sh(21, 10), [
            (sh(21, 10, 5), 201, "claimed", {}), (sh(21, 11, 5), 201, "contacted", {}),
            (sh(21, 12), 201, "done", {"outcome": "partly"}),
            (sh(22, 10), 0, "callback_sent", {}),
            (sh(22, 10, 5), 1003, "survey_answer", {"step": "s"}),
            (sh(22, 10, 5), 0, "reopened", {"contact_by": sh(23, 16, 52).isoformat()}),
            (sh(23, 16, 52), 0, "missed", {"deadline": sh(23, 16, 52).isoformat()})],
            product="电热水壶", feedback=[survey(sh(22, 10, 5), 2, "not")]),
        ticket(4, Kind.QUALITY, sh(20, 15), [(sh(20, 15, 30), 202, "accepted", {}),
                                             (sh(20, 16), 202, "contacted", {})],
               product="电热水壶", state=State.CONTACTED),
        ticket(5, Kind.INQUIRY, sh(23, 12), [(sh(23, 12, 5), 202, "claimed", {}),
                                             (sh(23, 14, 5), 202, "contacted", {})],
               state=State.CONTACTED),
    ]


def test_exact_figures_for_a_day_and_its_week() -> None:
    digest = compute(HQ, seeded(), DAY, sh(23, 20), {DAY: 100}, set())
    today, week = digest.today, digest.week
    assert today.new_by_kind == {Kind.CONTRACT: 0, Kind.QUALITY: 1, Kind.SERVICE: 1,
                                 Kind.INQUIRY: 1}
    assert week.new_total == 5 and week.new_by_kind[Kind.QUALITY] == 2
    assert sorted(today.contact_minutes) == [40.0, 125.0]
    assert sorted(week.contact_minutes) == [40.0, 60.0, 65.0, 125.0]
    assert (today.contact_median, week.contact_median) == (82.5, 62.5)
    assert week.contact_p90 == 107.0
    assert (today.missed, today.deadlines_due, today.miss_rate) == (2, 4, 0.5)
    assert (week.missed, week.deadlines_due) == (2, 6)
    assert (today.low, today.answered, today.dissatisfaction_rate) == (0, 1, 0.0)
    assert (week.low, week.answered) == (1, 2)
    assert (today.complaints, today.served, today.complaint_rate) == (2, 100, 0.02)
    assert week.served is None and week.complaint_rate is None, "unknown days: no rate"
    assert today.quality_index == 100.0 and week.driver_average("reliability") == 5.0
    li, wang = week.technicians[201], week.technicians[202]
    assert (li.claimed, li.contacted_on_time, li.scores) == (2, 2, [4, 2])
    assert li.average_score == 3.0
    assert (wang.claimed, wang.contacted_on_time, wang.average_score) == (2, 2, None)
    assert (digest.open_now, digest.overdue_now, digest.escalations_waiting) == (4, 2, 0)
    assert digest.gaps == {"never_claimed": [2], "done_unanswered": [],
                           "reopened_uncontacted": [3], "low_score_no_followup": [3]}
    assert [(r.label, r.numbers) for r in digest.recurring] == [("电热水壶", [1, 3, 4])]
    assert digest.chart[-1] == (DAY, {Kind.CONTRACT: 0, Kind.QUALITY: 1, Kind.SERVICE: 1,
                                      Kind.INQUIRY: 1}, 2)
    assert len(digest.chart) == 14 and digest.chart[0][0] == date(2026, 11, 10)


def test_fed_back_issues_leave_the_audit() -> None:
    digest = compute(HQ, seeded(), DAY, sh(23, 20), {}, {"p:电热水壶"})
    assert digest.recurring == []


def test_similar_texts_recur_without_a_product() -> None:
    texts = ["收银员态度很差,不理人", "收银员态度差,不理人还骂人", "收银员态度很差", "电热水壶漏水"]
    tickets = [ticket(i + 1, Kind.SERVICE, sh(23, 10 + i), [], text=text)
               for i, text in enumerate(texts)]
    digest = compute(HQ, tickets, DAY, sh(23, 20), {}, set())
    assert [(r.numbers, r.key) for r in digest.recurring] == [([1, 2, 3], "t:1")]


def test_a_past_day_is_computed_as_it_was() -> None:
    digest = compute(HQ, seeded(), date(2026, 11, 21), sh(23, 20), {}, set())
    assert digest.today.new_by_kind[Kind.CONTRACT] == 1
    assert digest.open_now == 1, "only #4: #3 was done until Sunday's reopen"
    assert digest.gaps["reopened_uncontacted"] == []


# -- conversations ---------------------------------------------------------------------------


async def run_digest_sweep(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name(DIGESTS)
    await job.run(world.app)
    await world.client.settle()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG"
    return struct.unpack(">II", data[16:24])


async def test_evening_digest_with_chart_once(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    world.clock.set(sh(23, 16, 52))
    (deadline_sweep,) = world.app.job_queue.get_jobs_by_name(DEADLINES)
    await deadline_sweep.run(world.app)
    await world.client.settle()
    world.clock.set(sh(23, 19, 59))
    await run_digest_sweep(world)
    assert not any("每日简报" in m.text for m in c.inbox(world.manager))
    world.clock.set(sh(23, 20))
    await run_digest_sweep(world)
    digest, chart = c.inbox(world.manager)[-2:]
    assert digest.text.startswith("📊 旗舰店 · 每日简报 · 2026年11月23日\n\n新投诉单:今天 1 · 近7天 1")
    assert "服务投诉率:今天 — · 近7天 —" in digest.text
    assert "服务遗漏率:今天 1/1 (100%) · 近7天 1/1 (100%)" in digest.text
    assert "  已记录但无人接单,已逾期:#1" in digest.text
    assert chart.kind == "photo" and chart.text == "旗舰店 · 近14天每日投诉单"
    assert png_size(chart.document) == (1000, 500)
    await run_digest_sweep(world)
    assert len([m for m in c.inbox(world.manager) if "每日简报" in m.text]) == 1
    east = [m.text.split("\n")[0] for m in c.inbox(world.east_manager) if "每日简报" in m.text]
    assert east == ["📊 东区店 · 每日简报 · 2026年11月23日"], "each manager, their own stores"


def test_chart_font_draws_simplified_and_traditional() -> None:
    path = charts.cjk_font_path()
    assert charts.has_glyphs(path, "投诉"), f"no 投诉 in {path}"
    assert charts.has_glyphs(path, "投訴"), f"no 投訴 in {path}"
    assert not charts.has_glyphs(font_manager.findfont("DejaVu Sans"), "投诉"), "the probe tells"


def test_chart_labels_render_without_a_missing_glyph() -> None:
    days = [(DAY - timedelta(days=13 - i), dict.fromkeys(Kind, i % 3), i % 4) for i in range(14)]
    for language, title in [("zh_CN", "旗舰店 · 近14天每日投诉单"), ("zh_TW", "旗艦店 · 近14天每日投訴單"),
                            ("en", "Flagship · tickets per day")]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            png = charts.render(translator(language), title, days)
        assert png_size(png) == (1000, 500)


async def test_digest_is_not_repeated_after_a_restart(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    world.clock.set(sh(23, 20, 30))
    await run_digest_sweep(world)
    await world.stop()
    again = await start_world(tmp_path / "data", clock=world.clock)
    await run_digest_sweep(again)
    assert again.client.inbox(again.manager) == []
    await again.stop()


async def test_chain_manager_gets_each_store_and_a_summary(tmp_path: Path) -> None:
    toml = CHAIN_TOML.replace("managers = [501]", "managers = [501, 500]")
    world = await start_world(tmp_path / "data", toml=toml)
    await world.client.send(world.manager, "/start")
    world.clock.set(sh(23, 20))
    await run_digest_sweep(world)
    texts = [m.text for m in world.client.inbox(world.manager)]
    assert [t.split("\n")[0] for t in texts if t.startswith(("📊", "🏬"))] == [
        "📊 旗舰店 · 每日简报 · 2026年11月23日", "📊 东区店 · 每日简报 · 2026年11月23日",
        "🏬 连锁汇总 · 2026年11月23日"]
    assert texts[-1].endswith("全部门店:新投诉单 0 · 服务遗漏率 — · 服务不满意率 —")
    await world.stop()


async def test_digest_on_demand_and_refusals(world: World) -> None:
    c = world.client
    await c.send(world.li, "/digest")
    assert c.last(world.li).text == "抱歉,每日简报仅供本店经理查看。"
    await c.send(world.manager, "/digest hq 2026-13-01")
    assert c.last(world.manager).text == "请给出过去的日期,格式为 YYYY-MM-DD,例如 /digest hq 2026-11-23。"
    await c.send(world.manager, "/digest east")
    assert c.last(world.manager).text.startswith("请问是哪家门店?")
    await c.send(world.manager, "/digest 2026-11-20")
    assert c.inbox(world.manager)[-2].text.startswith("📊 旗舰店 · 每日简报 · 2026年11月20日")


async def test_served_count_gives_the_complaint_rate(world: World) -> None:
    c = world.client
    await file_complaint(world)
    await c.send(world.manager, "/served 180")
    assert c.last(world.manager).text == "已记录:旗舰店在2026年11月23日接待了 180 位顾客。"
    await c.send(world.manager, "/served lots")
    assert c.last(world.manager).text.startswith("用法:/served")
    await c.send(world.li, "/served 5")
    assert c.last(world.li).text == "抱歉,只有本店经理可以进行此操作。"
    await c.send(world.manager, "/digest")
    assert "服务投诉率:今天 1/180 (0.6%) · 近7天 —" in c.inbox(world.manager)[-2].text


async def test_fed_back_mark_is_stored_with_who_and_when(world: World) -> None:
    c = world.client
    for user in (world.customer, world.other_customer, world.outsider):
        await file_complaint(world, "电热水壶漏水,我要退款", user=user)
    await c.send(world.manager, "/digest")
    digest = c.inbox(world.manager)[-2]
    assert "    · 电热水壶 ×3:#1 #2 #3" in digest.text
    assert [p.action for p in digest.presses] == [Action.FED_BACK]
    assert await c.press_action(world.east_manager, digest, Action.FED_BACK) == "只有本店经理可以进行此操作。"
    assert await c.press_action(world.manager, digest, Action.FED_BACK) == "已标记为已反馈:电热水壶"
    assert digest.actions == []
    (record,) = world.db.fed_back_records("hq")
    assert (record["key"], record["by"], record["at"]) == (
        "p:电热水壶", 500, "2026-11-23T02:00:00+00:00")
    await c.send(world.manager, "/digest")
    assert "反复出现(30天内 3 次以上)、尚未反馈的问题:\n    —" in c.inbox(world.manager)[-2].text


async def test_export_is_a_csv_excel_reads(world: World) -> None:
    c = world.client
    await file_complaint(world)
    await c.share_contact(world.customer, "+8613800000000")
    await c.send(world.li, "/export")
    assert c.last(world.li).text == "抱歉,导出记录仅供本店经理使用。"
    await c.send(world.manager, "/export 2026-11-01 2026-11-30")
    document = c.last(world.manager)
    assert document.kind == "document" and document.filename == (
        "sundown-2026-11-01-2026-11-30.csv")
    assert document.text == "2026年11月1日 至 2026年11月30日,共 1 张投诉单"
    assert document.document.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(document.document.decode("utf-8-sig"))))
    assert rows[0]["number"] == "1" and rows[0]["text"] == "电热水壶用了两天就漏水,我要换货"
    assert rows[0]["phone"] == "+8613800000000" and rows[0]["store"] == "hq"
    assert "confirmed" in rows[0]["audit_trail"] and "offered" in rows[0]["audit_trail"]
    await c.send(world.manager, "/export yesterday")
    assert c.last(world.manager).text.startswith("用法:/export")


def test_export_lists_a_settled_callback_once() -> None:
    from desk.export import to_csv

    answered = survey(sh(23, 15, 5), 4, "fully")
    settled = {**answered, "outcome": "solved", "report": "已更换"}
    done = ticket(1, Kind.QUALITY, sh(23, 10), [], state=State.DONE, feedback=[settled])
    done.survey = answered  # the live survey stays on the ticket after it is archived
    row = next(csv.DictReader(io.StringIO(to_csv([done], {}).decode("utf-8-sig"))))
    assert row["overall"] == "4"
    assert len(json.loads(row["feedback_records"])) == 1
