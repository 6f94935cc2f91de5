"""Who sees what of an organisation: personal data (members' phones and ID numbers, a co-op's
contact person) and the co-op's own records (gradings, inspections) are for the co-op itself and
the province only; everyone else gets the public view.
"""

from __future__ import annotations

from services.registry.schemas import CoopPublic, MemberPrivate, MemberPublic, coop_public
from services.registry.tables import Coop, Member
from shared.auth import Principal
from shared.errors import Forbidden


def sees_private(principal: Principal | None, coop_id: int) -> bool:
    """Personal data only for the co-op itself and the province."""
    return principal is not None and (
        principal.role == "province" or (principal.role == "coop" and principal.coop_id == coop_id)
    )


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


def member_view(member: Member, principal: Principal | None) -> MemberPublic:
    """Phone and ID number only for the member's own co-op and the province."""
    model = MemberPrivate if sees_private(principal, member.coop_id) else MemberPublic
    return model.model_validate(member, from_attributes=True)
