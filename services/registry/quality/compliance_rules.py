"""Compliance rules: what a province officer follows up (too few members or member co-ops,
a certificate expired and not replaced, a violation past its correction deadline).

Pure functions over plain values: no database, no clock (the caller passes the day to judge
on), no HTTP. They refuse nothing: each answers whether, and since when, something is true.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

# Law on Cooperatives 2023: a co-op needs 5 official members; a union 3 member co-ops (check).
MINIMUM_MEMBERS = {"hop_tac_xa": 5}
MINIMUM_UNION_COOPS = 3


@dataclass(frozen=True)
class Membership:
    joined_on: date
    left_on: date | None = None


def count_on(day: date, memberships: Iterable[Membership]) -> int:
    return sum(1 for m in memberships if m.joined_on <= day and (m.left_on is None or m.left_on > day))


def below_minimum_since(memberships: Sequence[Membership], minimum: int, founded_on: date, day: date) -> date | None:
    """The date since which the count has been below `minimum` without a break, or None if it is not.

    The count changes only on join and leave dates, so those (and the founding) are the candidates.
    """
    if count_on(day, memberships) >= minimum:
        return None
    changes = sorted(
        {founded_on, *(m.joined_on for m in memberships), *(m.left_on for m in memberships if m.left_on is not None)}
    )
    since: date | None = founded_on
    for change in changes:
        if change > day:
            break
        if count_on(change, memberships) >= minimum:
            since = None
        elif since is None:
            since = change
    return since or founded_on


@dataclass(frozen=True)
class CertificateScope:
    certificate_id: int
    coop_id: int
    kind: str
    valid_from: date
    valid_to: date
    revoked_on: date | None
    plot_ids: frozenset[int]
    products: frozenset[str]  # search keys, so "Chè" and "che" are one product


def _covers(newer: CertificateScope, older: CertificateScope) -> bool:
    return older.plot_ids <= newer.plot_ids and older.products <= newer.products


def expired_unreplaced(certificates: Sequence[CertificateScope], day: date) -> list[CertificateScope]:
    """Certificates that ended before `day`, were not revoked, and have no newer certificate of
    the same co-op and kind (issued by `day`) covering all their plots and products."""
    by_holder: dict[tuple[int, str], list[CertificateScope]] = {}
    for certificate in certificates:
        by_holder.setdefault((certificate.coop_id, certificate.kind), []).append(certificate)
    found = []
    for old in certificates:
        if old.valid_to >= day or (old.revoked_on is not None and old.revoked_on <= day):
            continue
        replaced = any(
            new.certificate_id != old.certificate_id and old.valid_from < new.valid_from <= day and _covers(new, old)
            for new in by_holder[(old.coop_id, old.kind)]
        )
        if not replaced:
            found.append(old)
    return found


def violation_overdue(deadline: date, resolved_on: date | None, day: date) -> bool:
    """Still open on `day` after its correction deadline passed."""
    return deadline < day and (resolved_on is None or resolved_on > day)
