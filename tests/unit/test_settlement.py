"""How payments settle a household's rounds (`shared.settlement`)."""

from __future__ import annotations

from shared.settlement import outstanding, settle


def test_a_payment_naming_a_round_settles_that_round_only():
    assert settle({1: 300, 2: 100}, [(2, 60)]) == {1: 0, 2: 60}


def test_a_payment_without_a_round_settles_the_oldest_rounds_first():
    paid = settle({2: 100, 1: 300, 3: 50}, [(1, 100), (None, 250)])
    assert paid == {1: 300, 2: 50, 3: 0}
    assert outstanding({2: 100, 1: 300, 3: 50}, paid, 2) == 50
    assert outstanding({2: 100, 1: 300, 3: 50}, paid, None) == 100


def test_money_beyond_every_round_is_kept_under_no_round():
    paid = settle({1: 90}, [(None, 100)])
    assert paid == {1: 90, None: 10}
    assert outstanding({1: 90}, paid, None) == -10


def test_a_round_paid_for_but_owing_nothing_shows_what_was_paid():
    paid = settle({}, [(4, 70)])
    assert paid == {4: 70} and outstanding({}, paid, 4) == -70
