"""Time on the wire and the dates a fact may have."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.clock import EARLIEST_FACT_DATE, EarlyDateError, FutureDateError, not_in_future, start_of_local_day
from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopRegistered


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(1910, 12, 31), date(1945, 1, 1), date(2026, 5, 1)])
def test_a_local_day_starts_at_a_fixed_plus_seven_offset(day):
    """Asia/Ho_Chi_Minh is local mean time (+07:06:40) before 1911; the wire always says +07:00."""
    assert start_of_local_day(day).utcoffset() == timedelta(hours=7)


def test_an_event_dated_before_1911_round_trips_with_plus_seven():
    event = CoopRegistered(
        coop_id=1,
        name="HTX Chè Tân Hương",
        form="hop_tac_xa",
        registration_code="TN-1",
        ward_code="05488",
        founded_on=date(1946, 1, 1),
        status="active",
    )
    fields = EventEnvelope.wrap(event, occurred_at=start_of_local_day(date(1900, 1, 1))).to_fields()
    assert fields["occurred_at"] == "1900-01-01T00:00:00+07:00"
    assert EventEnvelope.from_fields(fields).occurred_at.utcoffset() == timedelta(hours=7)


def test_fact_dates_run_from_1945_to_today():
    assert not_in_future(EARLIEST_FACT_DATE) == date(1945, 1, 1)
    with pytest.raises(EarlyDateError) as refused:
        not_in_future(date(1900, 1, 1))
    assert refused.value.values == {"value": "1900-01-01", "earliest": "1945-01-01"}
    with pytest.raises(FutureDateError):
        not_in_future(date.today() + timedelta(days=2))
