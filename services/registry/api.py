"""Registry HTTP routes: parse the request, call a command or a query, shape the answer.

Writes need a token (401 without one; 403 for a role or a co-op it does not cover). Reads
are public, but personal data and finances (members' full names, capital, phones and ID
numbers, a co-op's contact person) are shown only to the co-op itself and the province, and a
partner's tax code and address only to the province, the co-ops and the partner, in every view,
history and search result (`visibility`; docs/public-surfaces.md). Anyone else sees member
households as their co-op chose: names, initials (the default) or only counts.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse

from services.registry import commands, importing, queries
from services.registry.schemas import (
    ContractCreate,
    ContractPublic,
    CoopCreate,
    CoopHistory,
    CoopPage,
    CoopPrivate,
    CoopPublic,
    CoopSort,
    CoopUpdate,
    ImportKind,
    ImportReport,
    MemberCreate,
    MemberLeave,
    MemberPage,
    MemberPrivate,
    MemberPublic,
    PartnerCreate,
    PartnerHistory,
    PartnerPage,
    PartnerPrivate,
    PartnerPublic,
    RecordedEvent,
    StatusChange,
    StatusHistoryPublic,
    UnionMemberAdd,
    UnionMemberRemove,
    UnionMembershipPublic,
    WardPublic,
    coop_public,
    partner_public,
    union_membership_public,
    ward_filter,
    ward_public,
)
from services.registry.visibility import (
    coop_view,
    history_view,
    member_view,
    partner_view,
    require_name_search,
)
from shared.auth import OptionalPrincipalDep, Principal, PrincipalDep
from shared.db import UnitOfWork
from shared.events.registry import CoopStatus, MemberKind, Membership, OrganisationForm, PartnerKind
from shared.i18n import language_of, translate
from shared.idempotency import IdempotentRoute
from shared.limits import UPLOAD_BODY_BYTES
from shared.places import Scheme, scheme_on, search_wards
from shared.service import SessionDep, UnitOfWorkDep

router = APIRouter(tags=["registry"], route_class=IdempotentRoute)


# --- organisations ---------------------------------------------------------------------------


@router.post(
    "/coops",
    status_code=status.HTTP_201_CREATED,
    response_model=CoopPrivate,
    summary="Register a co-operative group, co-op or union (province)",
)
async def register_coop(data: CoopCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> CoopPublic:
    coop = await commands.register_coop(uow.session, data, principal)
    return coop_public(coop, private=True)


@router.get(
    "/coops",
    response_model=CoopPage,
    summary="Search organisations; diacritics optional",
    description="Anyone. Names, forms, registration and tax codes, communes, addresses, products, status and "
    "how each shows its households; never a contact person.",
)
async def list_coops(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description='"tan huong" finds "Tân Hương"')] = None,
    form: OrganisationForm | None = None,
    status_: Annotated[CoopStatus | None, Query(alias="status")] = None,
    ward_code: Annotated[str | None, Query(description="Current or legacy commune code")] = None,
    product: Annotated[str | None, Query(max_length=200, description='"che" finds "chè búp khô"')] = None,
    sort: CoopSort = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CoopPage:
    ward = ward_filter(ward_code)
    coops, total = await queries.search_coops(
        session, q, limit, offset, form=form, status=status_, ward_code=ward, product=product, sort=sort
    )
    return CoopPage(items=[coop_public(c) for c in coops], total=total, limit=limit, offset=offset)


@router.get(
    "/wards",
    response_model=list[WardPublic],
    summary="Communes and wards by name, diacritics optional, before or after 1 July 2025",
    description="Anyone: public reference data (vietnamadminunits). `scheme=legacy` (or `on` a date before "
    "1 July 2025) searches the pre-reform communes and says which current one(s) each went to, the proposed one "
    "first; a divided commune lists several.",
)
async def list_wards(
    q: Annotated[str, Query(min_length=1, max_length=100, description='"dai phuc" finds "Xã Đại Phúc"')],
    scheme: Scheme | None = None,
    on: Annotated[date | None, Query(description="The date of the document the name comes from")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[WardPublic]:
    read_as = scheme or (scheme_on(on) if on else Scheme.CURRENT)
    return [ward_public(unit) for unit in search_wards(q, read_as, limit)]


@router.get(
    "/coops/{coop_id}",
    response_model=CoopPrivate | CoopPublic,
    summary="One organisation; its contact person only for itself and the province",
    description="Anyone, as in the search; the contact person only for the organisation itself and the province.",
)
async def get_coop(coop_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> CoopPublic:
    return coop_view(await queries.get_coop(session, coop_id), principal)


@router.patch(
    "/coops/{coop_id}",
    response_model=CoopPrivate,
    summary="Change an organisation's details (province, or the co-op itself)",
    description="The province, or the co-op itself. Answers the organisation with its contact person. "
    "`household_display` chooses how the public (trace pages, member lists, history) shows its member "
    "households: `names`, `initials` (default) or `counts`; each change is an event in its history.",
)
async def update_coop(coop_id: int, data: CoopUpdate, uow: UnitOfWorkDep, principal: PrincipalDep) -> CoopPublic:
    coop = await commands.update_coop(uow.session, coop_id, data, principal)
    return coop_public(coop, private=True)


@router.post(
    "/coops/{coop_id}/status",
    status_code=status.HTTP_201_CREATED,
    response_model=StatusHistoryPublic,
    summary="Suspend, reactivate or dissolve (province); appends to the history",
)
async def change_status(
    coop_id: int, data: StatusChange, uow: UnitOfWorkDep, principal: PrincipalDep
) -> StatusHistoryPublic:
    row = await commands.change_status(uow.session, coop_id, data, principal)
    return StatusHistoryPublic.model_validate(row, from_attributes=True)


@router.get(
    "/coops/{coop_id}/history",
    response_model=CoopHistory,
    summary="Status history and every event recorded about the organisation (a union's too)",
    description="Anyone. Payloads carry names and dates, never phones, ID numbers, capital or contacts; a "
    "member's name in full only for the co-op itself and the province, else as the co-op shows households.",
)
async def coop_history(coop_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> CoopHistory:
    history = await queries.coop_history(session, coop_id)
    coop = await queries.get_coop(session, coop_id)
    return history.model_copy(update={"events": history_view(history.events, coop, principal)})


# --- members ---------------------------------------------------------------------------------


@router.post(
    "/coops/{coop_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberPrivate,
    summary="Add a member or worker (province, or the co-op itself)",
)
async def add_member(coop_id: int, data: MemberCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> MemberPrivate:
    member = await commands.add_member(uow.session, coop_id, data, principal)
    return MemberPrivate.model_validate(member, from_attributes=True)


@router.get(
    "/coops/{coop_id}/members",
    response_model=MemberPage,
    summary="Search a co-op's members by name; personal data only for the co-op and the province",
    description="Anyone. The co-op itself and the province see every field; others no capital, phone or ID "
    "number, and names as the co-op shows households (initials by default, none for `counts`). Searching by "
    "name (`q`) is for those who see names: 401 without a token, 403 for another co-op or a buyer, unless "
    "the co-op shows names publicly.",
)
async def list_members(
    coop_id: int,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    q: Annotated[str | None, Query(max_length=200, description="Name, diacritics optional")] = None,
    membership: Membership | None = None,
    kind: MemberKind | None = None,
    active_on: Annotated[date | None, Query(description="Only those who were members that day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MemberPage:
    coop = await queries.get_coop(session, coop_id)
    if q:
        require_name_search(principal, coop)
    members, total = await queries.search_members(
        session, coop_id, q, limit, offset, membership=membership, kind=kind, active_on=active_on
    )
    items = [member_view(m, principal, coop.household_display) for m in members]
    return MemberPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/coops/{coop_id}/members/{member_id}",
    response_model=MemberPrivate | MemberPublic,
    summary="One member; personal data only for the co-op and the province",
    description="Anyone. As in the member list: every field for the co-op itself and the province; for "
    "others no capital, phone or ID number, and the name as the co-op shows households.",
)
async def get_member(
    coop_id: int, member_id: int, session: SessionDep, principal: OptionalPrincipalDep
) -> MemberPublic:
    coop = await queries.get_coop(session, coop_id)
    return member_view(await queries.get_member(session, coop_id, member_id), principal, coop.household_display)


@router.get(
    "/coops/{coop_id}/members/{member_id}/history",
    response_model=list[RecordedEvent],
    summary="Events about one member (joined, left, plots...)",
    description="Anyone. The member's name in full only for the co-op itself and the province, else as the "
    "co-op shows households; never capital, phone or ID number.",
)
async def member_history(
    coop_id: int, member_id: int, session: SessionDep, principal: OptionalPrincipalDep
) -> list[RecordedEvent]:
    events = await queries.member_history(session, coop_id, member_id)
    return history_view(events, await queries.get_coop(session, coop_id), principal)


@router.post(
    "/coops/{coop_id}/members/{member_id}/leave",
    response_model=MemberPrivate,
    summary="A member leaves (province, or the co-op itself)",
)
async def leave_member(
    coop_id: int, member_id: int, data: MemberLeave, uow: UnitOfWorkDep, principal: PrincipalDep
) -> MemberPrivate:
    member = await commands.leave_member(uow.session, coop_id, member_id, data, principal)
    return MemberPrivate.model_validate(member, from_attributes=True)


# --- unions ----------------------------------------------------------------------------------
# A union is an organisation (form lien_hiep): its history, members added and removed included,
# is GET /coops/{union_id}/history, so there is no separate /unions/{union_id}/history.


@router.post(
    "/unions/{union_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=UnionMembershipPublic,
    summary="A co-op joins a union (province, or the union)",
)
async def add_union_member(
    union_id: int, data: UnionMemberAdd, uow: UnitOfWorkDep, principal: PrincipalDep
) -> UnionMembershipPublic:
    row = await commands.add_union_member(uow.session, union_id, data, principal)
    return union_membership_public(row, (await queries.get_coop(uow.session, row.coop_id)).name)


@router.post(
    "/unions/{union_id}/members/{coop_id}/leave",
    response_model=UnionMembershipPublic,
    summary="A co-op leaves a union (province, or the union)",
)
async def remove_union_member(
    union_id: int, coop_id: int, data: UnionMemberRemove, uow: UnitOfWorkDep, principal: PrincipalDep
) -> UnionMembershipPublic:
    row = await commands.remove_union_member(uow.session, union_id, coop_id, data, principal)
    return union_membership_public(row, (await queries.get_coop(uow.session, coop_id)).name)


@router.get(
    "/unions/{union_id}/members",
    response_model=list[UnionMembershipPublic],
    summary="A union's member co-ops over time, or on one day",
)
async def union_members(
    union_id: int,
    session: SessionDep,
    on: Annotated[date | None, Query(description="Members on this day")] = None,
) -> list[UnionMembershipPublic]:
    return await queries.union_members(session, union_id, on)


# --- partners and value-chain contracts ------------------------------------------------------


@router.post(
    "/partners",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerPrivate,
    summary="Register an enterprise, buyer, trader or craft village (province)",
    description="The province. Answers the partner with its tax code and address (not public: see GET /partners).",
)
async def register_partner(data: PartnerCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> PartnerPublic:
    partner = await commands.register_partner(uow.session, data, principal)
    return partner_public(partner, private=True)


_PARTNER_READERS = (
    "Anyone: name, kind and commune. The tax code and the address only for the province, the co-ops (they "
    "ship to and invoice partners) and the partner's own buyer token."
)


@router.get(
    "/partners",
    response_model=PartnerPage,
    summary="Search partners; diacritics optional",
    description=_PARTNER_READERS,
)
async def list_partners(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: PartnerKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PartnerPage:
    partners, total = await queries.search_partners(session, q, kind, limit, offset)
    items = [partner_view(p, principal) for p in partners]
    return PartnerPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/partners/{partner_id}",
    response_model=PartnerPrivate | PartnerPublic,
    summary="One partner",
    description=_PARTNER_READERS,
)
async def get_partner(partner_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> PartnerPublic:
    return partner_view(await queries.get_partner(session, partner_id), principal)


@router.get(
    "/partners/{partner_id}/history",
    response_model=PartnerHistory,
    summary="Every event recorded about a partner: registered, contracts signed; oldest first",
)
async def partner_history(partner_id: int, session: SessionDep) -> PartnerHistory:
    """Public like the co-op history: the payloads carry names, kinds, wards, products and dates,
    never a tax code, an address or anyone's phone or ID number."""
    return await queries.partner_history(session, partner_id)


@router.get(
    "/partners/{partner_id}/contracts", response_model=list[ContractPublic], summary="A partner's value-chain contracts"
)
async def partner_contracts(partner_id: int, session: SessionDep) -> list[ContractPublic]:
    return await queries.list_contracts(session, partner_id=partner_id)


@router.post(
    "/coops/{coop_id}/contracts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractPublic,
    summary="Record a value-chain contract with a partner (province, or the co-op itself)",
)
async def sign_contract(
    coop_id: int, data: ContractCreate, uow: UnitOfWorkDep, principal: PrincipalDep
) -> ContractPublic:
    contract = await commands.sign_contract(uow.session, coop_id, data, principal)
    return contract


@router.get(
    "/coops/{coop_id}/contracts", response_model=list[ContractPublic], summary="A co-op's value-chain contracts"
)
async def coop_contracts(coop_id: int, session: SessionDep) -> list[ContractPublic]:
    return await queries.list_contracts(session, coop_id=coop_id)


# --- bulk import -----------------------------------------------------------------------------

_IMPORT_DOC = (
    "Multipart field `file`: a CSV (UTF-8) or XLSX spreadsheet, headers in row 1 "
    "(template: docs/registry-import.md). Answers a report by row and column. A file with errors "
    'imports nothing (422) unless `accept_valid_rows=true` (the option "import the valid rows only"), '
    "which imports the valid rows and lists the skipped ones (201). `message` says what happened in counts "
    "and `retry_with` what to do next, in the request's language."
)


async def _import(
    kind: ImportKind,
    request: Request,
    file: UploadFile,
    accept_valid_rows: bool,
    uow: UnitOfWork,
    principal: Principal,
) -> JSONResponse:
    report = await importing.import_upload(
        uow.session, kind, file, accept_valid_rows=accept_valid_rows, principal=principal, language=language_of(request)
    )
    if not report.imported:
        await uow.session.rollback()  # the 422 report is an answer, not an exception: undo by hand
    return JSONResponse(status_code=report.status_code(), content=report.model_dump(mode="json"))


def _add_import_route(kind: ImportKind, rows: str) -> None:
    """One upload route per kind of row: the same form, report and answers for each."""

    @router.post(
        f"/imports/{kind}",
        max_body_size=UPLOAD_BODY_BYTES,
        name=f"import_{kind}",
        response_model=ImportReport,
        description=_IMPORT_DOC,
        summary=f"Import {rows} from the province's spreadsheet (province)",
        responses={422: {"model": ImportReport, "description": "Errors; nothing imported"}},
    )
    async def import_rows(
        request: Request,
        uow: UnitOfWorkDep,
        principal: PrincipalDep,
        file: Annotated[UploadFile, File(description="CSV or XLSX")],
        accept_valid_rows: Annotated[
            bool,
            Query(
                title=translate("import.option_valid_only", "vi"),
                description=f"{translate('import.option_valid_only', 'vi')} / {translate('import.option_valid_only', 'en')}",
            ),
        ] = False,
    ) -> JSONResponse:
        return await _import(kind, request, file, accept_valid_rows, uow, principal)


_add_import_route("coops", "organisations")
_add_import_route("members", "members")
