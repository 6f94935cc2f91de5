"""Who sees what of an organisation: personal data and finances (members' full names, capital,
phones and ID numbers, a co-op's contact person) and the co-op's own records (gradings,
inspections) are for the co-op itself and the province only; a partner's tax code and address
for the province, the co-ops and the partner itself. Everyone else gets the public view, in
which households appear as their co-op chose (`Coop.household_display`: names, initials or
counts; shared.households). docs/public-surfaces.md lists every public field and why.
"""

from __future__ import annotations

from services.registry.schemas import (
    CoopPublic,
    MemberPrivate,
    MemberPublic,
    PartnerPublic,
    RecordedEvent,
    coop_public,
    partner_public,
)
from services.registry.tables import Coop, Member, Partner
from shared.auth import Principal
from shared.errors import Forbidden, Unauthorized
from shared.events import registry as contracts
from shared.households import household_label, sees_private

__all__ = [
    "coop_view",
    "history_view",
    "member_view",
    "partner_view",
    "require_coop_reader",
    "require_name_search",
    "sees_partner_private",
    "sees_private",
]


def require_coop_reader(principal: Principal, coop_id: int) -> None:
    """Inspections and gradings: the province, or the co-op itself."""
    if sees_private(principal, coop_id):
        return
    if principal.role == "coop":
        raise Forbidden("auth.other_coop", own=principal.coop_id, target=coop_id)
    raise Forbidden("auth.role", role=principal.role)


def coop_view(coop: Coop, principal: Principal | None) -> CoopPublic:
    """The contact person only for the co-op itself and the province."""
    return coop_public(coop, private=sees_private(principal, coop.id))


def member_view(member: Member, principal: Principal | None, display: str) -> MemberPublic:
    """Everything for the member's own co-op and the province; for anyone else no capital, phone
    or ID number, and the name as the co-op's `display` says (initials, nothing, or in full)."""
    if sees_private(principal, member.coop_id):
        return MemberPrivate.model_validate(member, from_attributes=True)
    shown = MemberPublic.model_validate(member, from_attributes=True)
    shown.name = household_label(member.name, display, private=False)
    return shown


def require_name_search(principal: Principal | None, coop: Coop) -> None:
    """Searching members by name tells whether a named person is a member: only for those who
    see names (the co-op, the province, or anyone when the co-op shows names publicly)."""
    if coop.household_display == "names" or sees_private(principal, coop.id):
        return
    if principal is None:
        raise Unauthorized("member.search_needs_token", coop_id=coop.id)
    raise Forbidden("member.search_not_allowed", coop_id=coop.id)


def history_view(events: list[RecordedEvent], coop: Coop, principal: Principal | None) -> list[RecordedEvent]:
    """Event payloads as this reader may see them: a member's name (`registry.member_joined`) as
    the co-op shows households, unless the reader is the co-op itself or the province."""
    if sees_private(principal, coop.id):
        return events
    joined = contracts.MemberJoined.event_type
    return [
        event.model_copy(
            update={
                "payload": event.payload
                | {"name": household_label(str(event.payload.get("name", "")), coop.household_display, private=False)}
            }
        )
        if event.event_type == joined
        else event
        for event in events
    ]


def sees_partner_private(principal: Principal | None, partner_id: int) -> bool:
    """A partner's tax code and address: the province, any co-op (it ships to and invoices the
    partner) and the partner's own buyer token; not the anonymous public or other buyers."""
    if principal is None:
        return False
    return principal.role in ("province", "coop") or principal.partner_id == partner_id


def partner_view(partner: Partner, principal: Principal | None) -> PartnerPublic:
    return partner_public(partner, private=sees_partner_private(principal, partner.id))
