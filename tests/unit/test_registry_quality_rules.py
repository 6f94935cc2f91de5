"""Pure registry quality rules: plot geometry, OCOP stars, certificate validity, grading
thresholds and not-graded rules, status periods, compliance checks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.registry.quality import certificate_rules, compliance_rules, grading_rules, plot_rules
from shared.errors import Unprocessable
from shared.i18n import MESSAGES

SQUARE = [[105.745312, 21.601234], [105.746312, 21.601234], [105.746312, 21.602234], [105.745312, 21.601234]]


def refusal(call, *args) -> str:
    with pytest.raises(Unprocessable) as caught:
        call(*args)
    assert caught.value.key in MESSAGES  # every refusal has a translated message
    return caught.value.key


# --------------------------------------------------------------------------- plots


def test_point_is_rounded_to_six_decimals_and_altitude_dropped():
    shape = plot_rules.normalise_geometry({"type": "Point", "coordinates": [105.74531249, 21.6012345678, 120]})
    assert shape == {"type": "Point", "coordinates": [105.745312, 21.601235]}


def test_polygon_kept_closed_and_rounded():
    ring = [[x + 0.0000001, y] for x, y in SQUARE]
    shape = plot_rules.normalise_geometry({"type": "Polygon", "coordinates": [ring]})
    assert shape["coordinates"][0] == SQUARE
    assert shape["type"] == "Polygon"


@pytest.mark.parametrize(
    ("geometry", "key"),
    [
        ({"type": "LineString", "coordinates": SQUARE}, "plot.geometry_type"),
        ("105.7,21.6", "plot.geometry_type"),
        ({"type": "Point", "coordinates": [105.7]}, "plot.geometry_position"),
        ({"type": "Point", "coordinates": ["105.7", 21.6]}, "plot.geometry_coordinate"),
        ({"type": "Point", "coordinates": [True, 21.6]}, "plot.geometry_coordinate"),
        ({"type": "Point", "coordinates": [float("nan"), 21.6]}, "plot.geometry_coordinate"),
        ({"type": "Point", "coordinates": [21.6, 105.7]}, "plot.geometry_out_of_range"),  # lat/lon swapped
        ({"type": "Point", "coordinates": [180.000001, 0]}, "plot.geometry_out_of_range"),
        ({"type": "Point", "coordinates": [0, -90.000001]}, "plot.geometry_out_of_range"),
        ({"type": "Polygon", "coordinates": []}, "plot.geometry_rings"),
        ({"type": "Polygon", "coordinates": [SQUARE[:3]]}, "plot.geometry_ring_short"),
        ({"type": "Polygon", "coordinates": [[*SQUARE[:3], [105.7, 21.7]]]}, "plot.geometry_ring_open"),
        (
            {"type": "Polygon", "coordinates": [[[105.0, 21.0], [105.1, 21.1], [105.2, 21.2], [105.0, 21.0]]]},
            "plot.geometry_ring_flat",
        ),
    ],
)
def test_bad_geometry_is_refused_with_its_reason(geometry, key):
    assert refusal(plot_rules.normalise_geometry, geometry) == key


def test_range_edges_are_accepted():
    assert plot_rules.normalise_geometry({"type": "Point", "coordinates": [-180, 90]})["coordinates"] == [-180, 90]
    assert plot_rules.normalise_geometry({"type": "Point", "coordinates": [180, -90]})["coordinates"] == [180, -90]


def test_point_refused_from_four_hectares_polygon_accepted():
    point = {"type": "Point", "coordinates": [105.745312, 21.601234]}
    assert plot_rules.check_plot_geometry(Decimal("3.9999"), point)["type"] == "Point"
    assert refusal(plot_rules.check_plot_geometry, Decimal("4.0000"), point) == "plot.polygon_required"
    assert (
        plot_rules.check_plot_geometry(Decimal("4"), {"type": "Polygon", "coordinates": [SQUARE]})["type"] == "Polygon"
    )
    assert plot_rules.check_plot_geometry(Decimal("12"), None) is None


# --------------------------------------------------------------------------- certificates


@pytest.mark.parametrize(("score", "stars"), [(50, 3), (69, 3), (70, 4), (89, 4), (90, 5), (100, 5)])
def test_ocop_stars_from_score_at_band_edges(score, stars):
    assert certificate_rules.ocop_stars_for_score(score) == stars
    assert certificate_rules.check_ocop("ocop", None, score) == stars
    assert certificate_rules.check_ocop("ocop", stars, score) == stars


def test_ocop_refusals():
    assert refusal(certificate_rules.ocop_stars_for_score, 49) == "certificate.ocop_score_too_low"
    assert refusal(certificate_rules.check_ocop, "ocop", None, None) == "certificate.ocop_needs_stars"
    assert refusal(certificate_rules.check_ocop, "ocop", 4, 69) == "certificate.ocop_stars_mismatch"
    assert refusal(certificate_rules.check_ocop, "ocop", 2, None) == "certificate.ocop_stars_range"
    assert refusal(certificate_rules.check_ocop, "vietgap", 3, None) == "certificate.stars_not_ocop"
    assert certificate_rules.check_ocop("ocop", 5, None) == 5
    assert certificate_rules.check_ocop("vietgap", None, None) is None


FROM, TO = date(2024, 3, 1), date(2027, 2, 28)


def test_valid_on_first_and_last_day_not_the_day_after_or_before():
    assert certificate_rules.is_valid_on(FROM, FROM, TO, None)
    assert certificate_rules.is_valid_on(TO, FROM, TO, None)
    assert not certificate_rules.is_valid_on(TO + timedelta(days=1), FROM, TO, None)
    assert not certificate_rules.is_valid_on(FROM - timedelta(days=1), FROM, TO, None)


def test_revoked_on_a_day_is_invalid_from_that_day():
    revoked = date(2025, 6, 10)
    assert certificate_rules.is_valid_on(revoked - timedelta(days=1), FROM, TO, revoked)
    assert not certificate_rules.is_valid_on(revoked, FROM, TO, revoked)
    assert not certificate_rules.is_valid_on(TO, FROM, TO, revoked)
    assert certificate_rules.certificate_status(revoked, FROM, TO, revoked) == "revoked"
    assert certificate_rules.certificate_status(revoked - timedelta(days=1), FROM, TO, revoked) == "valid"


def test_status_words():
    assert certificate_rules.certificate_status(FROM - timedelta(days=1), FROM, TO, None) == "not_yet_valid"
    assert certificate_rules.certificate_status(TO + timedelta(days=1), FROM, TO, None) == "expired"
    assert certificate_rules.certificate_status(TO, FROM, TO, None) == "valid"


def test_window_and_revocation_refusals():
    assert refusal(certificate_rules.check_validity_window, TO, FROM) == "certificate.window"
    certificate_rules.check_validity_window(FROM, FROM)  # a one-day certificate is a window
    today = date(2025, 7, 1)
    assert (
        refusal(certificate_rules.check_revocation, today + timedelta(days=1), FROM, TO, None, today)
        == "certificate.revoked_in_future"
    )
    assert (
        refusal(certificate_rules.check_revocation, date(2024, 5, 1), FROM, date(2024, 4, 30), None, today)
        == "certificate.revoked_after_end"
    )
    assert (
        refusal(certificate_rules.check_revocation, today, FROM, TO, date(2025, 1, 1), today)
        == "certificate.already_revoked"
    )
    certificate_rules.check_revocation(today, FROM, TO, None, today)


# --------------------------------------------------------------------------- grading

SCHEME = grading_rules.TT01_2020


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (0, "yeu"),
        (49, "yeu"),
        (50, "trung_binh"),
        (64, "trung_binh"),
        (65, "kha"),
        (79, "kha"),
        (80, "tot"),
        (100, "tot"),
    ],
)
def test_circular_01_2020_thresholds_at_their_edges(total, grade):
    assert grading_rules.grade_for_total(total, SCHEME) == grade


def test_total_is_the_sum_within_limits():
    assert grading_rules.total_score({"finance": 30, "governance": 25, "members": 15, "community": 9}, SCHEME) == 79
    assert (
        refusal(grading_rules.total_score, {"finance": 60, "governance": 30, "members": 10, "community": 1}, SCHEME)
        == "grading.total_too_high"
    )
    assert (
        refusal(grading_rules.total_score, {"finance": -1, "governance": 0, "members": 0, "community": 0}, SCHEME)
        == "grading.score_range"
    )
    assert (
        refusal(grading_rules.total_score, {"finance": 1, "governance": 1, "members": 1}, SCHEME)
        == "grading.scheme_criteria_of"
    )


def test_a_scheme_is_data_with_its_own_caps_and_thresholds():
    capped = grading_rules.GradingScheme(
        code="X-2030",
        title="x",
        thresholds=((85, "tot"), (70, "kha"), (55, "trung_binh"), (0, "yeu")),
        criteria_max={"finance": 40, "governance": 20, "members": 20, "community": 20},
    )
    grading_rules.check_scheme(capped)
    assert grading_rules.grade_for_total(84, capped) == "kha"
    assert grading_rules.grade_for_total(85, capped) == "tot"
    assert (
        refusal(grading_rules.total_score, {"finance": 41, "governance": 0, "members": 0, "community": 0}, capped)
        == "grading.score_range"
    )


@pytest.mark.parametrize(
    "thresholds",
    [
        ((80, "tot"), (65, "kha")),  # does not reach 0
        ((65, "tot"), (80, "kha"), (0, "yeu")),  # not descending
        ((101, "tot"), (0, "yeu")),  # above the total
    ],
)
def test_bad_schemes_are_refused(thresholds):
    assert (
        refusal(grading_rules.check_scheme, grading_rules.GradingScheme(code="b", title="b", thresholds=thresholds))
        == "grading.scheme_thresholds"
    )


def test_not_graded_when_operating_under_12_months_of_the_year():
    assert grading_rules.not_graded_reason(2024, date(2024, 1, 1), [], SCHEME) is None
    assert grading_rules.not_graded_reason(2024, date(2024, 1, 2), [], SCHEME) == "operating_under_12_months"
    assert grading_rules.not_graded_reason(2024, date(2010, 5, 1), [], SCHEME) is None
    assert (
        grading_rules.not_graded_reason(2024, date(2010, 5, 1), [], SCHEME, dissolved_on=date(2024, 12, 31))
        == "operating_under_12_months"
    )
    assert grading_rules.not_graded_reason(2024, date(2010, 5, 1), [], SCHEME, dissolved_on=date(2025, 1, 1)) is None


def test_not_graded_when_suspended_more_than_90_days_in_the_year():
    founded = date(2010, 5, 1)
    ninety = [grading_rules.Period(date(2024, 3, 1), date(2024, 5, 29))]  # 31 + 30 + 29 days
    assert sum(p.days_within(date(2024, 1, 1), date(2024, 12, 31)) for p in ninety) == 90
    assert grading_rules.not_graded_reason(2024, founded, ninety, SCHEME) is None
    ninety_one = [grading_rules.Period(date(2024, 3, 1), date(2024, 5, 30))]
    assert grading_rules.not_graded_reason(2024, founded, ninety_one, SCHEME) == "suspended_over_3_months"
    # two periods add up; days outside the year do not count
    split = [grading_rules.Period(date(2023, 11, 1), date(2024, 1, 31)), grading_rules.Period(date(2024, 11, 1), None)]
    assert sum(p.days_within(date(2024, 1, 1), date(2024, 12, 31)) for p in split) == 31 + 61
    assert grading_rules.not_graded_reason(2024, founded, split, SCHEME) == "suspended_over_3_months"


def test_status_history_becomes_periods():
    changes = [
        (date(2010, 5, 1), "active"),
        (date(2024, 3, 1), "suspended"),
        (date(2024, 6, 1), "active"),
        (date(2024, 10, 1), "suspended"),
        (date(2025, 2, 1), "dissolved"),
    ]
    suspensions, dissolved_on = grading_rules.periods_from_statuses(changes)
    assert suspensions == [
        grading_rules.Period(date(2024, 3, 1), date(2024, 5, 31)),
        grading_rules.Period(date(2024, 10, 1), date(2025, 1, 31)),
    ]
    assert dissolved_on == date(2025, 2, 1)
    still = grading_rules.periods_from_statuses([(date(2010, 5, 1), "active"), (date(2024, 3, 1), "suspended")])
    assert still == ([grading_rules.Period(date(2024, 3, 1), None)], None)


def test_grading_year_must_be_finished_and_after_founding():
    today = date(2026, 3, 1)
    assert refusal(grading_rules.check_grading_year, 2026, date(2010, 1, 1), today) == "grading.year_not_finished"
    assert refusal(grading_rules.check_grading_year, 2009, date(2010, 1, 1), today) == "grading.before_founding"
    grading_rules.check_grading_year(2025, date(2010, 1, 1), today)


# --------------------------------------------------------------------------- compliance


def test_members_below_minimum_since_the_last_drop():
    founded = date(2015, 1, 1)
    five = [compliance_rules.Membership(date(2015, 1, 1)) for _ in range(4)] + [
        compliance_rules.Membership(date(2016, 1, 1), date(2024, 4, 1))
    ]
    assert compliance_rules.below_minimum_since(five, 5, founded, date(2024, 3, 31)) is None
    assert compliance_rules.below_minimum_since(five, 5, founded, date(2024, 4, 1)) == date(2024, 4, 1)
    assert compliance_rules.count_on(date(2024, 4, 1), five) == 4
    # founded with four: below from the founding, broken by 2016-2024, below again since the leave
    assert compliance_rules.below_minimum_since(five, 5, founded, date(2015, 6, 1)) == founded
    assert compliance_rules.below_minimum_since([], 3, date(2020, 2, 2), date(2025, 1, 1)) == date(2020, 2, 2)


def _scope(cid, kind, start, end, plots=(), products=(), revoked=None, coop=1):
    return compliance_rules.CertificateScope(
        cid, coop, kind, start, end, revoked, frozenset(plots), frozenset(products)
    )


def test_expired_certificate_flagged_until_a_newer_one_covers_its_scope():
    day = date(2025, 6, 1)
    old = _scope(1, "vietgap", date(2022, 1, 1), date(2024, 12, 31), plots={1, 2}, products={"che"})
    assert compliance_rules.expired_unreplaced([old], day) == [old]
    partial = _scope(2, "vietgap", date(2025, 1, 1), date(2027, 12, 31), plots={1}, products={"che"})
    assert compliance_rules.expired_unreplaced([old, partial], day) == [old]
    other_kind = _scope(3, "organic", date(2025, 1, 1), date(2027, 12, 31), plots={1, 2}, products={"che"})
    assert compliance_rules.expired_unreplaced([old, other_kind], day) == [old]
    other_coop = _scope(6, "vietgap", date(2025, 1, 1), date(2027, 12, 31), plots={1, 2}, products={"che"}, coop=2)
    assert compliance_rules.expired_unreplaced([old, other_coop], day) == [old]
    later = _scope(4, "vietgap", date(2025, 7, 1), date(2028, 6, 30), plots={1, 2, 3}, products={"che"})
    assert compliance_rules.expired_unreplaced([old, later], day) == [old]  # not issued yet on `day`
    assert compliance_rules.expired_unreplaced([old, later], date(2025, 7, 1)) == []
    assert compliance_rules.expired_unreplaced([old], date(2024, 12, 31)) == []  # last valid day
    revoked = _scope(5, "vietgap", date(2022, 1, 1), date(2024, 12, 31), plots={1}, revoked=date(2024, 6, 1))
    assert compliance_rules.expired_unreplaced([revoked], day) == []


def test_violation_overdue_after_its_deadline_while_open():
    deadline = date(2025, 5, 31)
    assert not compliance_rules.violation_overdue(deadline, None, deadline)
    assert compliance_rules.violation_overdue(deadline, None, deadline + timedelta(days=1))
    assert not compliance_rules.violation_overdue(deadline, date(2025, 6, 1), date(2025, 6, 1))
    assert compliance_rules.violation_overdue(deadline, date(2025, 6, 10), date(2025, 6, 5))


async def test_without_status_history_the_current_status_is_assumed_for_the_whole_year():
    from services.registry.quality.queries import OperatingHistory, history_from_current_status
    from services.registry.tables import Coop

    def coop(status: str) -> Coop:
        return Coop(
            id=1,
            name="HTX",
            name_search="htx",
            form="hop_tac_xa",
            registration_code="R",
            ward_code="05488",
            founded_on=date(2010, 1, 1),
            status=status,
        )

    assert await history_from_current_status(None, coop("active"), 2024) == OperatingHistory()
    suspended = await history_from_current_status(None, coop("suspended"), 2024)
    assert suspended.suspensions == [grading_rules.Period(date(2024, 1, 1), date(2024, 12, 31))]
    assert (
        grading_rules.not_graded_reason(2024, date(2010, 1, 1), suspended.suspensions, SCHEME)
        == "suspended_over_3_months"
    )
    dissolved = await history_from_current_status(None, coop("dissolved"), 2024)
    assert (
        grading_rules.not_graded_reason(2024, date(2010, 1, 1), [], SCHEME, dissolved.dissolved_on)
        == "operating_under_12_months"
    )


FIFTEEN = grading_rules.TT01_2020_15


def test_the_fifteen_item_scheme_caps_each_item_and_names_it():
    grading_rules.check_scheme(FIFTEEN)
    assert len(FIFTEEN.criteria_max) == 15 and sum(c or 0 for c in FIFTEEN.criteria_max.values()) == 100
    full = {code: cap or 0 for code, cap in FIFTEEN.criteria_max.items()}
    assert grading_rules.total_score(full, FIFTEEN) == 100
    assert grading_rules.grade_for_total(grading_rules.total_score(full | {"awards": 0}, FIFTEEN), FIFTEEN) == "tot"
    with pytest.raises(Unprocessable) as refused:
        grading_rules.total_score(full | {"business_results": 12}, FIFTEEN)
    assert refused.value.key == "grading.score_range"
    assert refused.value.values["criterion"] == "3 business_results (Kết quả sản xuất, kinh doanh trong năm)"
    assert refusal(grading_rules.total_score, {"finance": 30}, FIFTEEN) == "grading.scheme_criteria_of"
    uncapped = grading_rules.GradingScheme(
        code="X", title="x", thresholds=FIFTEEN.thresholds, criteria_max=dict.fromkeys(FIFTEEN.criteria_max)
    )
    assert refusal(grading_rules.check_scheme, uncapped) == "grading.scheme_item_caps"


def test_a_score_changed_from_its_proposal_needs_a_note():
    full = {code: cap or 0 for code, cap in FIFTEEN.criteria_max.items()}
    proposed = {"member_benefit": grading_rules.Proposed(7, "member_benefit.paid_share", {"paid_vnd": 700})}
    grading_rules.check_proposal(full | {"member_benefit": 7}, proposed, {}, FIFTEEN)  # taken as proposed
    assert refusal(grading_rules.check_proposal, full, proposed, {}, FIFTEEN) == "grading.change_without_note"
    grading_rules.check_proposal(full, proposed, {"member_benefit": "Biên bản đối chiếu"}, FIFTEEN)
    too_many = {"awards": grading_rules.Proposed(9, "x", {})}
    assert refusal(grading_rules.check_proposal, full, too_many, {}, FIFTEEN) == "grading.score_range"
    stray = {"finance": grading_rules.Proposed(1, "x", {})}
    assert refusal(grading_rules.check_proposal, full, stray, {}, FIFTEEN) == "grading.proposal_unknown"
