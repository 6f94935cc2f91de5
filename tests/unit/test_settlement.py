"""How payments settle a household's rounds (`shared.settlement`). A round is (season, number)."""

from __future__ import annotations

from datetime import date

from shared.settlement import outstanding, payment_round, purchase_round, settle

R1, R2, R3 = (2024, 1), (2024, 2), (2024, 3)


def test_a_payment_naming_a_round_settles_that_round_only():
    assert settle({R1: 300, R2: 100}, [(R2, 60)]) == {R1: 0, R2: 60}


def test_a_payment_without_a_round_settles_the_oldest_rounds_first():
    paid = settle({R2: 100, R1: 300, R3: 50}, [(R1, 100), (None, 250)])
    assert paid == {R1: 300, R2: 50, R3: 0}
    assert outstanding({R2: 100, R1: 300, R3: 50}, paid, R2) == 50
    assert outstanding({R2: 100, R1: 300, R3: 50}, paid, None) == 100


def test_last_seasons_rounds_are_older_than_this_seasons_first_round():
    paid = settle({(2026, 1): 500, (2025, 4): 200}, [(None, 300)])
    assert paid == {(2025, 4): 200, (2026, 1): 100}


def test_round_one_of_two_seasons_are_two_rounds():
    owed = {(2025, 1): 400, (2026, 1): 700}
    paid = settle(owed, [((2026, 1), 700)])
    assert outstanding(owed, paid, (2025, 1)) == 400 and outstanding(owed, paid, (2026, 1)) == 0


def test_money_beyond_every_round_is_kept_under_no_round():
    paid = settle({R1: 90}, [(None, 100)])
    assert paid == {R1: 90, None: 10}
    assert outstanding({R1: 90}, paid, None) == -10


def test_a_round_paid_for_but_owing_nothing_shows_what_was_paid():
    paid = settle({}, [((2024, 4), 70)])
    assert paid == {(2024, 4): 70} and outstanding({}, paid, (2024, 4)) == -70


def test_a_round_named_without_its_year_is_the_latest_season_with_that_round_up_to_the_payment():
    owed = [(2024, 1), (2025, 1), (2025, 2), (2027, 1)]
    assert payment_round(None, 1, date(2026, 1, 5), owed) == (2025, 1)  # paid in January for last season
    assert payment_round(None, 2, date(2025, 8, 1), owed) == (2025, 2)
    assert payment_round(None, 3, date(2025, 8, 1), owed) == (2025, 3)  # nothing owed for it: its own year
    assert payment_round(2024, 1, date(2026, 1, 5), owed) == (2024, 1)  # a named season stands
    assert payment_round(None, None, date(2025, 8, 1), owed) is None


def test_a_purchase_without_its_harvest_year_takes_the_purchase_date():
    assert purchase_round(2025, 4, date(2026, 1, 3)) == (2025, 4)
    assert purchase_round(None, 4, date(2026, 1, 3)) == (2026, 4)
    assert purchase_round(None, None, date(2026, 1, 3)) is None
