"""The desk's pure rules: Telegram's init data check, the search, the list's order, the charts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from desk.listing import Filters, deadline, open_tickets, overdue
from desk.models import Kind, State, Ticket
from desk.search import Query, row_of, search
from webapp import auth, charts

TOKEN = "123456:TEST-TOKEN"
NOW = 1_795_000_000
USER = {"id": 500, "first_name": "赵", "language_code": "zh-hans"}


def signed(**changes) -> str:
    return auth.init_data_for({**USER, **changes}, TOKEN, NOW)


def resigned_without(field: str) -> str:
    fields = dict(parse_qsl(signed()))
    del fields["hash"], fields[field]
    return auth.sign(fields, TOKEN)


# Telegram's own example of the algorithm, recomputed independently of auth.sign.
def test_the_signature_is_telegrams_hmac_of_the_sorted_fields() -> None:
    import hashlib
    import hmac

    fields = dict(parse_qsl(signed()))
    given = fields.pop("hash")
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    assert hmac.new(secret, check.encode(), hashlib.sha256).hexdigest() == given


@pytest.mark.parametrize(("init_data", "now", "accepted"), [
    (signed(), NOW, True),
    (signed(), NOW + 86_400, True),  # exactly the configured age
    (signed(), NOW + 86_401, False),  # a second older
    (signed(), NOW - auth.CLOCK_SKEW, True),  # a phone's clock a little ahead
    (signed(), NOW - auth.CLOCK_SKEW - 1, False),  # dated in the future
    (signed().replace("hash=", "hash=0"), NOW, False),
    (auth.init_data_for(USER, "654321:OTHER", NOW), NOW, False),
    (signed() + "&extra=1", NOW, False),  # a field added after signing
    (signed() + "&hash=" + "0" * 64, NOW, False),  # a second hash
    (resigned_without("user"), NOW, False),
    (resigned_without("auth_date"), NOW, False),
    ("", NOW, False),
    ("not a query string", NOW, False),
    ("x" * 9000, NOW, False),
])
def test_init_data_is_accepted_only_when_signed_for_this_bot_and_fresh(
        init_data: str, now: int, accepted: bool) -> None:
    if accepted:
        assert auth.verify(init_data, TOKEN, now, 86_400).id == 500
    else:
        with pytest.raises(auth.Unauthorized):
            auth.verify(init_data, TOKEN, now, 86_400)


def test_a_user_changed_after_signing_is_refused() -> None:
    fields = dict(parse_qsl(signed()))
    fields["user"] = json.dumps({**USER, "id": 501})
    with pytest.raises(auth.Unauthorized):
        auth.verify(urlencode(fields), TOKEN, NOW, 86_400)


@pytest.mark.parametrize(("header", "data"), [
    ("tma abc=1", "abc=1"), ("TMA abc=1", "abc=1"), ("Bearer abc=1", ""), (None, ""),
    ("tma", "")])
def test_the_authorization_header(header: str | None, data: str) -> None:
    assert auth.from_header(header) == data


def test_download_links_expire_and_cannot_be_altered() -> None:
    link = auth.download_token({"u": 500, "s": ["hq"]}, TOKEN, NOW + 300)
    assert auth.read_download_token(link, TOKEN, now=NOW)["s"] == ["hq"]
    with pytest.raises(auth.Unauthorized):
        auth.read_download_token(link, TOKEN, now=NOW + 301)
    _body, mac = link.split(".")
    other = auth.download_token({"u": 500, "s": ["east"]}, TOKEN, NOW + 300).split(".")[0]
    with pytest.raises(auth.Unauthorized):
        auth.read_download_token(f"{other}.{mac}", TOKEN, now=NOW)
    with pytest.raises(auth.Unauthorized):
        auth.read_download_token(link, "654321:OTHER", now=NOW)


# -- search ----------------------------------------------------------------------------------

DOC = {"number": 42, "store_id": "hq", "state": "done", "kind": "quality",
       "confirmed_at": "2026-04-02T02:00:00+00:00", "customer_id": 7,
       "customer_name": "张女士", "product": "电热水壶", "assignee_name": "李工",
       "text": "电热水壶用了两天就漏水,我要换货"}
PHONES = {7: "8613800138000"}


@pytest.mark.parametrize(("query", "found"), [
    ("42", True), ("#42", True), ("4", False),
    ("张女士", True), ("张", True), ("王", False),
    ("13800138000", True), ("138 0013 8000", True), ("+86 138-0013-8000", True),
    ("0013", True), ("139", False),
    ("电热水壶", True), ("电热水壶 漏水", True), ("电热水壶 噪音", False),
    ("ＬＥＡＫ", False), ("", False), ("   ", False),
])
def test_what_a_search_finds(query: str, found: bool) -> None:
    rows = [row_of(DOC, "2026-04")]
    assert bool(search(rows, Query.parse(query), PHONES, {"hq"})[0]) is found


def test_a_search_is_blind_to_width_and_case_and_other_stores() -> None:
    rows = [row_of({**DOC, "product": "Kettle K-2"}, None)]
    assert search(rows, Query.parse("ｋｅｔｔｌｅ"), {}, {"hq"})[1] == 1
    assert search(rows, Query.parse("kettle"), {}, {"east"})[1] == 0


def test_results_are_newest_first_and_limited() -> None:
    rows = [row_of({**DOC, "number": n, "confirmed_at": f"2026-04-{n:02d}T00:00:00+00:00"},
                   None) for n in range(1, 21)]
    shown, count = search(rows, Query.parse("漏水"), {}, {"hq"}, limit=5)
    assert count == 20 and [r.number for r in shown] == [20, 19, 18, 17, 16]


@pytest.mark.parametrize("doc", [{**DOC, "state": "draft"}, {**DOC, "number": None},
                                 {**DOC, "customer_id": "x"}, {}])
def test_drafts_and_damaged_records_are_not_rows(doc: dict) -> None:
    assert row_of(doc, None) is None


# -- the open tickets' order -----------------------------------------------------------------

BASE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def ticket(number: int, state: State, due_in: float | None = None, **extra) -> Ticket:
    t = Ticket(key=f"k{number}", store_id=extra.pop("store_id", "hq"), customer_id=number,
               customer_name="x", language="zh_CN", text="x", kind=Kind.QUALITY,
               created_at=BASE.isoformat(), state=state, number=number,
               confirmed_at=(BASE - timedelta(hours=number)).isoformat(), **extra)
    if due_in is not None:
        field = "reply_by" if state is State.ESCALATED else "contact_by"
        setattr(t, field, (BASE + timedelta(hours=due_in)).isoformat())
    return t


@pytest.mark.parametrize(("t", "due", "late"), [
    (ticket(1, State.NEW, 2), 2, False),
    (ticket(2, State.CLAIMED, -1), -1, True),
    (ticket(3, State.CLAIMED, 3, missed=True), 3, True),
    (ticket(4, State.CONTACTED, -5), None, False),  # contacted: the contact promise is kept
    (ticket(5, State.ESCALATED, 1), 1, False),
    (ticket(6, State.ESCALATED), None, False),
    (ticket(7, State.ESCALATED, 4, reply_missed=True), 4, True),
])
def test_the_promise_a_ticket_waits_on(t: Ticket, due: float | None, late: bool) -> None:
    assert deadline(t) == (BASE + timedelta(hours=due) if due is not None else None)
    assert overdue(t, BASE) is late


def test_the_list_puts_broken_promises_first_then_the_nearest_deadline() -> None:
    tickets = [ticket(1, State.NEW, 5), ticket(2, State.CONTACTED), ticket(3, State.NEW, -1),
               ticket(4, State.CLAIMED, 1, assignee_id=201), ticket(5, State.DONE, 1),
               ticket(6, State.NEW, 2, store_id="east")]
    everything = Filters(store_ids=frozenset({"hq"}))
    assert [t.number for t in open_tickets(tickets, everything, BASE)] == [3, 4, 1, 2]
    assert [t.number for t in open_tickets(tickets, Filters(
        store_ids=frozenset({"hq"}), technician=0), BASE)] == [3, 1, 2]
    assert [t.number for t in open_tickets(tickets, Filters(
        store_ids=frozenset({"hq"}), overdue_only=True), BASE)] == [3]


# -- charts ----------------------------------------------------------------------------------


def test_chart_labels_are_escaped_and_the_svg_is_well_formed() -> None:
    hostile = '<script>alert(1)</script>&"王工"'
    drawn = charts.bars("t<", [(hostile, 0.5, "50%"), ("空", None, "—")], maximum=1.0)
    root = ET.fromstring(drawn)  # raises on anything a browser would parse as markup
    assert "<script>" not in drawn
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert hostile in texts
    daily = charts.daily("x&y", [(BASE.date(), 3, 1)], "<a>", "b")
    ET.fromstring(daily)
