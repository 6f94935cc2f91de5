"""Certificate rules: validity windows, revocation, and OCOP stars from points.

Pure functions over plain values: no database, no clock (the caller passes `today`), no HTTP.
A refusal raises `shared.errors.Unprocessable` with an i18n key, so the command that called
the rule answers with a translated 422 and writes nothing.
"""

from __future__ import annotations

from datetime import date

from shared.errors import Unprocessable

# Decision 148/QĐ-TTg (2023): points out of 100 -> stars. Below 50 a product gets no OCOP star.
OCOP_STAR_BANDS: tuple[tuple[int, int, int], ...] = ((3, 50, 69), (4, 70, 89), (5, 90, 100))


def ocop_stars_for_score(score: int) -> int:
    for stars, low, high in OCOP_STAR_BANDS:
        if low <= score <= high:
            return stars
    raise Unprocessable("certificate.ocop_score_too_low", score=score, minimum=OCOP_STAR_BANDS[0][1])


def check_ocop(kind: str, stars: int | None, score: int | None) -> int | None:
    """The OCOP stars of a certificate: given directly, from the score, or both if they agree."""
    if kind != "ocop":
        if stars is not None or score is not None:
            raise Unprocessable("certificate.stars_not_ocop", kind=kind)
        return None
    if stars is None and score is None:
        raise Unprocessable("certificate.ocop_needs_stars")
    if score is not None:
        from_score = ocop_stars_for_score(score)
        if stars is not None and stars != from_score:
            raise Unprocessable("certificate.ocop_stars_mismatch", stars=stars, score=score, expected=from_score)
        return from_score
    if stars not in {band[0] for band in OCOP_STAR_BANDS}:
        raise Unprocessable("certificate.ocop_stars_range", stars=stars)
    return stars


def check_validity_window(valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise Unprocessable("certificate.window", valid_from=valid_from, valid_to=valid_to)


def is_valid_on(day: date, valid_from: date, valid_to: date, revoked_on: date | None) -> bool:
    """Valid on `day` if `day` is within [valid_from, valid_to] and it was not revoked on or before `day`.

    The rule `queries.list_certificates` applies in SQL for `valid_on`."""
    return valid_from <= day <= valid_to and (revoked_on is None or revoked_on > day)


def certificate_status(day: date, valid_from: date, valid_to: date, revoked_on: date | None) -> str:
    """One word for what a certificate is on `day`: valid, revoked, expired or not_yet_valid."""
    if revoked_on is not None and revoked_on <= day:
        return "revoked"
    if day < valid_from:
        return "not_yet_valid"
    if day > valid_to:
        return "expired"
    return "valid"


def check_revocation(revoked_on: date, valid_from: date, valid_to: date, already: date | None, today: date) -> None:
    if already is not None:
        raise Unprocessable("certificate.already_revoked", revoked_on=already)
    if revoked_on > today:
        raise Unprocessable("certificate.revoked_in_future", revoked_on=revoked_on)
    if revoked_on > valid_to:
        raise Unprocessable("certificate.revoked_after_end", revoked_on=revoked_on, valid_to=valid_to)
