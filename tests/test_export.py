"""The /export CSV opened in Excel: what customers and staff typed stays text, never a formula."""

from __future__ import annotations

import csv
import io

import pytest

from desk.export import COLUMNS, to_csv
from desk.models import Event, Kind, State, Ticket, Want

# The columns that hold words somebody typed: customers, technicians, their Telegram names.
TYPED = ("customer", "phone", "product", "text", "assignee", "report", "comment")


def ticket_with(typed: str, *, customer_id: int = 1001) -> Ticket:
    """A served ticket whose every typed field holds ``typed``."""
    t = Ticket(key="k1", store_id="hq", customer_id=customer_id, customer_name=typed,
               language="zh_CN", text=typed, kind=Kind.QUALITY,
               created_at="2026-11-23T02:00:00+00:00", want=Want.EXCHANGE, product=typed,
               state=State.DONE, number=7, confirmed_at="2026-11-23T02:00:00+00:00",
               assignee_id=201, assignee_name=typed, report=typed)
    t.events.append(Event("2026-11-23T02:00:00+00:00", customer_id, "confirmed", {}))
    t.feedback.append({"stage": "done", "overall": 4, "solved": "fully",
                       "drivers": {"reliability": 5, "responsiveness": 3}, "comment": typed,
                       "answered_at": "2026-11-24T07:00:00+00:00"})
    return t


def exported(tickets: list[Ticket], phones: dict[int, str | None]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(to_csv(tickets, phones).decode("utf-8-sig"))))


@pytest.mark.parametrize(("typed", "cell"), [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("\0=1+1", "'\0=1+1"),
    # Some importers trim leading spaces before they look for a formula.
    ("  =1+1", "'  =1+1"),
    ("\u3000=1+1", "'\u3000=1+1"),
    ("\n@x", "'\n@x"),
    ("-", "'-"),
    ("--", "'--"),
    ("-1,000", "'-1,000"),
    ("-١٢٣", "'-١٢٣"),  # not digits Excel reads as a number
    # Words that merely contain the characters stay as they were.
    ("电热水壶用了两天就漏水,我要换货", "电热水壶用了两天就漏水,我要换货"),
    ("1+1=2", "1+1=2"),
    ("a@b.example", "a@b.example"),
    ("'=already quoted", "'=already quoted"),
    ("", ""),
    # Genuine numbers stay numbers, signed ones included.
    ("-123456789", "-123456789"),
    ("+8613800000000", "+8613800000000"),
    ("-3.5", "-3.5"),
    ("-1e5", "-1e5"),
    ("42", "42"),
])
def test_typed_cells_never_start_a_formula(typed: str, cell: str) -> None:
    (row,) = exported([ticket_with(typed)], {1001: typed})
    assert {column: row[column] for column in TYPED} == dict.fromkeys(TYPED, cell)


def test_figures_and_an_anonymised_customer_id_stay_numbers() -> None:
    forgotten = ticket_with("", customer_id=-123456789)
    (row,) = exported([forgotten], {-123456789: None})
    assert (row["number"], row["overall"], row["reliability"], row["quality_index"]) == (
        "7", "4", "5", "79.6")
    assert row["audit_trail"] == "2026-11-23T02:00:00+00:00 -123456789 confirmed"


def test_the_file_excel_opens_has_the_apostrophe_inside_the_quoted_cell() -> None:
    data = to_csv([ticket_with('=HYPERLINK("http://x","y")')], {})
    line = data.decode("utf-8-sig").splitlines()[1]
    assert line.split(",")[:6] == ["7", "hq", "quality", "done", "2026-11-23T02:00:00+00:00",
                                   '"\'=HYPERLINK(""http://x""']
    assert len(next(csv.reader(io.StringIO(line)))) == len(COLUMNS)
