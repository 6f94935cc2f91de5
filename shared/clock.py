"""Time rules: everything tz-aware; local dates are Vietnam's (Asia/Ho_Chi_Minh).

Times that leave a service (events, answers) carry a fixed +07:00 offset, never the zone's
historical one: for a date before 1911 `Asia/Ho_Chi_Minh` gives local mean time (+07:06:40),
which consumers refused as malformed (docs/design-brief.md, trap 14). Facts are refused before
`EARLIEST_FACT_DATE`: no co-operative record in this register predates 1945.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # for "what day is it in Vietnam now"
VIETNAM_OFFSET = timezone(timedelta(hours=7), "ICT")  # for times written on the wire
EARLIEST_FACT_DATE = date(1945, 1, 1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as tz-aware UTC: SQLite gives back naive datetimes for what was written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_of_local_day(day: date) -> datetime:
    """Midnight in Vietnam on `day`: when a fact known only by its date is said to occur."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM_OFFSET)


def today_in_vietnam() -> date:
    """Vietnam's calendar day: a harvest entered at 06:00 local time is not "tomorrow" in UTC."""
    return datetime.now(VIETNAM).date()


class FutureDateError(ValueError):
    """A date after today in Vietnam, where only past facts may be recorded."""

    key = "date.future"

    def __init__(self, value: date) -> None:
        super().__init__(f"date {value.isoformat()} is in the future")
        self.values = {"value": value.isoformat()}


class EarlyDateError(ValueError):
    """A date before any fact this register can hold (a typo such as 1900 for 2019, say)."""

    key = "date.too_early"

    def __init__(self, value: date) -> None:
        super().__init__(f"date {value.isoformat()} is before {EARLIEST_FACT_DATE.isoformat()}")
        self.values = {"value": value.isoformat(), "earliest": EARLIEST_FACT_DATE.isoformat()}


OptionalDate = TypeVar("OptionalDate", bound=date | None)


def not_in_future(value: OptionalDate) -> OptionalDate:
    """Validator for dates of facts: from `EARLIEST_FACT_DATE` to today."""
    if value is not None and value > today_in_vietnam():
        raise FutureDateError(value)
    if value is not None and value < EARLIEST_FACT_DATE:
        raise EarlyDateError(value)
    return value


# The date of a fact in a request: 1945 to today (pydantic runs `not_in_future` on it).
PastDate = Annotated[date, AfterValidator(not_in_future)]
