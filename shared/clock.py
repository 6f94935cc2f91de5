"""Time rules: everything tz-aware; local dates are Vietnam's (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def start_of_local_day(day: date) -> datetime:
    """Midnight in Vietnam on `day`: when a fact known only by its date is said to occur."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM)


def today_in_vietnam() -> date:
    """Vietnam's calendar day: a harvest entered at 06:00 local time is not "tomorrow" in UTC."""
    return datetime.now(VIETNAM).date()


class FutureDateError(ValueError):
    """A date after today in Vietnam, where only past facts may be recorded."""

    key = "date.future"

    def __init__(self, value: date) -> None:
        super().__init__(f"date {value.isoformat()} is in the future")
        self.values = {"value": value.isoformat()}


OptionalDate = TypeVar("OptionalDate", bound=date | None)


def not_in_future(value: OptionalDate) -> OptionalDate:
    """Validator for dates of facts: today at the latest."""
    if value is not None and value > today_in_vietnam():
        raise FutureDateError(value)
    return value


# The date of a fact in a request: today at the latest (pydantic runs `not_in_future` on it).
PastDate = Annotated[date, AfterValidator(not_in_future)]
