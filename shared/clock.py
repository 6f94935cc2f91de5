"""Time rules: everything tz-aware; local dates are Vietnam's (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def start_of_local_day(day: date) -> datetime:
    """Midnight in Vietnam on `day`: when a fact known only by its date is said to occur."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM)
