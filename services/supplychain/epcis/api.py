"""EPCIS 2.0 REST binding (GS1 openapi.yaml), under /epcis: capture and events; and a lot's
EPCIS document (`GET /lots/{code}/epcis`).

Who may call (bearer tokens, shared.auth):
- capture (`POST /epcis/capture`): the province, or a co-op. A co-op's capture is recorded
  as its own (the job's actor, the events' owner); its jobs are visible to it and to the
  province only. A co-op may name only its own lots, places and households and declare in
  error only events it captured (403); chain facts are corrected by `POST /corrections`, never
  by a captured declaration (409). Buyers read, they do not capture.
- queries (`GET /epcis/events`, `/epcis/events/{eventID}`, `/lots/{code}/epcis`): any
  signed-in party, each seeing its part (`ownership.read_scope`): the province every event,
  a co-op its own, a buyer those about what was shipped or sold to it and upstream of it,
  without households and without other buyers' shipments and sales. Not public: the events
  name households' parties and business documents. The public view of a lot is its trace
  (`/lots/{code}/trace`).

Errors are RFC 7807 `application/problem+json` with the binding's exception types
(`epcisException:ValidationException`, `QueryParameterException`, `NoSuchResourceException`,
`SecurityException`, ...), their `title` in the caller's language (Vietnamese by default).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis import capture as capturing
from services.supplychain.epcis import discovery, export, named_queries, ownership, subscriptions
from services.supplychain.epcis import epc_format as epc_formats
from services.supplychain.epcis import query as querying
from services.supplychain.epcis.tables import EpcisCapture
from services.supplychain.epcis.validation import schema_errors
from shared.auth import Principal, PrincipalDep
from shared.errors import DomainError
from shared.i18n import Language, language_of, translate
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

VERSION = (2, 0, 0)  # of EPCIS and of the CBV this repository speaks
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
# What a client may ask for in GS1-EPCIS-Min/-Max and GS1-CBV-Min/-Max: the range it accepts.
VERSION_RANGE_HEADERS = ("GS1-EPCIS-Min", "GS1-EPCIS-Max", "GS1-CBV-Min", "GS1-CBV-Max")
PROBLEM = "application/problem+json"
ANSWERED_MEDIA = ("application/json", "application/ld+json", "application/problem+json")
# The body the capture routes read themselves (not through a pydantic model), for the OpenAPI document.
JSON_LD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/ld+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
_EXCEPTION_TYPES = {
    401: "SecurityException",
    403: "SecurityException",
    404: "NoSuchResourceException",
    409: "ValidationException",
    413: "CaptureLimitExceededException",
    415: "ValidationException",
    422: "ValidationException",
}


class EpcisProblem(Exception):
    """An EPCIS exception as the binding answers it: RFC 7807 with an epcisException type."""

    def __init__(self, status: int, exception: str, key: str, *, extra: dict | None = None, **values: object) -> None:
        super().__init__(key)
        self.status, self.exception, self.key, self.values, self.extra = status, exception, key, values, extra or {}

    def response(self, request: Request) -> JSONResponse:
        body = {
            "type": f"epcisException:{self.exception}",
            "title": translate(self.key, language_of(request), **self.values),
            "status": self.status,
            **self.extra,
        }
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM, headers=VERSION_HEADERS)


class EpcisRoute(IdempotentRoute):
    """Answers every refusal on the EPCIS routes as problem+json, auth and request errors included."""

    # How shared.openapi declares these routes' refusals in the OpenAPI document: problem+json, and
    # pydantic's refusals of a parameter as a 400 QueryParameterException (below), not a 422.
    validation_status = 400
    error_content = {
        PROBLEM: {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status"],
                "properties": {
                    "type": {"type": "string", "description": "epcisException:<name>"},
                    "title": {"type": "string", "description": "In the request's language"},
                    "status": {"type": "integer"},
                },
            }
        }
    }

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def problem_aware(request: Request) -> Response:
            try:
                _negotiate(request)
                return await handler(request)
            except EpcisProblem as problem:
                return problem.response(request)
            except DomainError as error:
                exception = _EXCEPTION_TYPES.get(error.status_code, "ImplementationException")
                return EpcisProblem(error.status_code, exception, error.key, **error.values).response(request)
            except RequestValidationError as error:
                name = ".".join(str(part) for part in error.errors()[0]["loc"][1:])
                return EpcisProblem(400, "QueryParameterException", "epcis.parameter.number", name=name).response(
                    request
                )

        return problem_aware


def _negotiate(request: Request) -> None:
    """406 NotAcceptableException when the client accepts neither JSON nor this EPCIS/CBV version
    (2.0.0); the binding's XML is not served, so `Accept: application/xml` alone is refused."""
    for name in VERSION_RANGE_HEADERS:
        given = request.headers.get(name)
        if given is None:
            continue
        try:
            version = tuple(int(part) for part in given.strip().split("."))
        except ValueError:
            raise EpcisProblem(400, "ValidationException", "epcis.version_header", name=name, value=given) from None
        version += (0,) * (3 - len(version))
        if (name.endswith("Min") and version > VERSION) or (name.endswith("Max") and version < VERSION):
            raise EpcisProblem(406, "NotAcceptableException", "epcis.version_not_acceptable", name=name, value=given)
    accept = request.headers.get("accept")
    if accept and not _accepts_json(accept):
        raise EpcisProblem(406, "NotAcceptableException", "epcis.media_not_acceptable", accept=accept[:200])


def _accepts_json(accept: str) -> bool:
    for part in accept.split(","):
        media, *parameters = (piece.strip().lower() for piece in part.split(";"))
        if any(parameter.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for parameter in parameters):
            continue
        if media in ("*/*", "application/*") or media in ANSWERED_MEDIA:
            return True
    return False


router = APIRouter(
    tags=["EPCIS 2.0"],
    route_class=EpcisRoute,
    responses={
        406: {
            "description": "NotAcceptableException: the client accepts neither JSON nor EPCIS/CBV 2.0.0 "
            "(Accept, GS1-EPCIS-Min/-Max, GS1-CBV-Min/-Max)"
        }
    },
)


def _require_capture_rights(principal: Principal) -> None:
    principal.require_role("province", "coop")


@router.options("/epcis/capture", status_code=204, summary="Discover the capture interface's limits")
async def capture_options() -> Response:
    return Response(
        status_code=204,
        headers={
            **VERSION_HEADERS,
            "Allow": "OPTIONS, GET, POST",
            "GS1-EPCIS-Capture-Limit": str(capturing.CAPTURE_LIMIT),
            "GS1-EPCIS-Capture-File-Size-Limit": str(capturing.CAPTURE_FILE_SIZE_LIMIT),
            "GS1-Capture-Error-Behaviour": "rollback, proceed",
        },
    )


@router.post(
    "/epcis/capture",
    status_code=202,
    response_class=Response,  # no body: the job is at Location
    max_body_size=capturing.CAPTURE_FILE_SIZE_LIMIT,  # the documented 32 MB, not the app's 1 MiB
    summary="Capture an EPCISDocument (or EPCISQueryDocument)",
    openapi_extra=JSON_LD_BODY,
    responses={
        202: {"description": "Accepted; Location names the capture job"},
        400: {"description": "Not a valid EPCIS 2.0 document; nothing stored"},
    },
)
async def capture(
    request: Request,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    error_behaviour: Annotated[str, Header(alias="GS1-Capture-Error-Behaviour")] = "rollback",
) -> Response:
    """Validates the document against GS1's EPCIS 2.0 JSON Schema (400 ValidationException with
    the violations if it fails, nothing stored), stores its events, and answers 202 with the
    capture job's URL in `Location` (`GET /epcis/capture/{captureID}` tells success or errors).

    `GS1-Capture-Error-Behaviour`: `rollback` (default, all or nothing) or `proceed`.
    Events without `eventID` get `urn:uuid:...`; `recordTime` is set by the repository.
    """
    _require_capture_rights(principal)
    if error_behaviour not in ("rollback", "proceed"):
        raise EpcisProblem(400, "ValidationException", "epcis.error_behaviour", value=error_behaviour)
    document = await _read_document(request)
    errors = schema_errors(document)
    if errors:
        raise EpcisProblem(
            400, "ValidationException", "epcis.invalid_document", count=len(errors), extra={"errors": errors}
        )
    events = capturing.events_of(document)
    if len(events) > capturing.CAPTURE_LIMIT:
        raise EpcisProblem(
            413,
            "CaptureLimitExceededException",
            "epcis.too_many_events",
            count=len(events),
            limit=capturing.CAPTURE_LIMIT,
        )
    await ownership.check_capture(uow.session, principal, events)
    language = language_of(request)
    job = await _store(uow.session, principal, document, error_behaviour, language)
    if job is None:  # another capture stored one of these eventIDs between our check and our insert
        job = capturing.failed_job(
            principal.actor, capturing.capture_problem("epcis.concurrent_duplicate", language), error_behaviour
        )
        uow.session.add(job)
        await uow.session.flush()
    return Response(status_code=202, headers={**VERSION_HEADERS, "Location": f"/epcis/capture/{job.id}"})


async def _store(
    session: AsyncSession, principal: Principal, document: dict, error_behaviour: str, language: Language
) -> EpcisCapture | None:
    """Capture the document as the caller's; None if a concurrent capture stored one of its eventIDs
    first (the unique index, caught at a savepoint rather than at commit)."""
    try:
        async with session.begin_nested():
            job = await capturing.capture_document(
                session,
                document,
                actor=principal.actor,
                owner_coop_id=principal.coop_id if principal.role == "coop" else None,
                error_behaviour="proceed" if error_behaviour == "proceed" else "rollback",
                language=language,
            )
            await session.flush()
    except IntegrityError:
        return None
    return job


async def _read_document(request: Request) -> dict:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and not content_type.endswith("json"):
        raise EpcisProblem(415, "ValidationException", "epcis.unsupported_media_type", content_type=content_type)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > capturing.CAPTURE_FILE_SIZE_LIMIT:
        raise EpcisProblem(
            413,
            "CaptureLimitExceededException",
            "epcis.too_large",
            size=declared,
            limit=capturing.CAPTURE_FILE_SIZE_LIMIT,
        )
    raw = await request.body()
    if len(raw) > capturing.CAPTURE_FILE_SIZE_LIMIT:
        raise EpcisProblem(
            413,
            "CaptureLimitExceededException",
            "epcis.too_large",
            size=len(raw),
            limit=capturing.CAPTURE_FILE_SIZE_LIMIT,
        )
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise EpcisProblem(400, "ValidationException", "epcis.not_json", reason=str(error)[:200]) from None
    except RecursionError:
        raise EpcisProblem(400, "ValidationException", "request.too_deep") from None


def _job_json(job: EpcisCapture) -> dict:
    return {
        "captureID": job.id,
        "createdAt": querying.timestamp(job.created_at),
        **({"finishedAt": querying.timestamp(job.finished_at)} if job.finished_at else {}),
        "running": job.finished_at is None,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "eventCount": job.event_count,
        "errors": json.loads(job.errors) if job.errors else [],
    }


def _visible_jobs(principal: Principal):
    statement = select(EpcisCapture)
    if principal.role != "province":
        statement = statement.where(EpcisCapture.actor == principal.actor)
    return statement


@router.get("/epcis/capture", summary="Capture jobs (the province sees all, a co-op its own)")
async def capture_jobs(session: SessionDep, principal: PrincipalDep, perPage: int = 30) -> JSONResponse:  # noqa: N803
    """The most recent capture jobs first, at most `perPage` (up to 1000)."""
    _require_capture_rights(principal)
    per_page = max(1, min(perPage, querying.MAX_PER_PAGE))
    jobs = (
        await session.exec(_visible_jobs(principal).order_by(col(EpcisCapture.created_at).desc()).limit(per_page))
    ).all()
    return JSONResponse([_job_json(job) for job in jobs], headers=VERSION_HEADERS)


@router.get("/epcis/capture/{captureID}", summary="A capture job: running, success, errors")
async def capture_job(
    captureID: Annotated[str, Path(max_length=36)],  # noqa: N803
    session: SessionDep,
    principal: PrincipalDep,
) -> JSONResponse:
    _require_capture_rights(principal)
    job = (await session.exec(_visible_jobs(principal).where(EpcisCapture.id == captureID))).first()
    if job is None:
        raise EpcisProblem(404, "NoSuchResourceException", "epcis.capture_not_found", capture_id=captureID)
    return JSONResponse(_job_json(job), headers=VERSION_HEADERS)


@router.get(
    "/epcis/events",
    summary="Query events (EPCIS SimpleEventQuery parameters)",
    response_description='An EPCISQueryDocument; `Link: <...>; rel="next"` while more pages remain',
    responses={
        413: {
            "description": "QueryTooLargeException (more events than maxEventCount) or QueryTooComplexException "
            "(more values per parameter or EPC patterns per query than the repository evaluates)"
        }
    },
)
async def events(request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    """Filters (pipe-delimited lists, e.g. `EQ_bizStep=shipping|receiving`): eventType,
    GE_/LT_eventTime, GE_/LT_recordTime, EQ_action, EQ_bizStep, EQ_disposition (bare CBV word
    or URI, either matches either), EQ_readPoint, EQ_bizLocation, EQ_transformationID,
    EQ_persistentDisposition_set/unset, MATCH_epc, MATCH_parentID, MATCH_inputEPC,
    MATCH_outputEPC, MATCH_anyEPC, MATCH_epcClass, MATCH_inputEPCClass, MATCH_outputEPCClass,
    MATCH_anyEPCClass (EPC pattern URIs allowed), EQ_eventID, EXISTS_errorDeclaration,
    GE_/LT_errorDeclarationTime, EQ_errorReason, EQ_correctiveEventID; orderBy (eventTime,
    recordTime), orderDirection, eventCountLimit, maxEventCount; perPage (default 30, at most
    1000) and nextPageToken; partner look-ups `EQ_bizTransaction_<type>`, `EQ_source_<type>`,
    `EQ_destination_<type>` (e.g. `EQ_bizTransaction_po=urn:...`; the type as CBV word or any
    CBV URI). Other standard parameters: 501 ImplementationException naming them.

    At most 500 values per parameter and 100 EPC patterns (`urn:epc:idpat:`) in the whole query
    (HTX_EPCIS_MAX_VALUES_PER_PARAMETER, HTX_EPCIS_MAX_PATTERNS_PER_QUERY); beyond, 413
    QueryTooComplexException, saying which: split the query, or use a broader pattern.

    An SGTIN, LGTIN or SSCC matches in either form: its EPC URN finds it captured as a GS1 Digital
    Link (any domain) and the other way round; EPC patterns find Digital Links too where GS1
    publishes the company prefix's length. `GS1-EPC-Format` (header) chooses the form of the
    answer's EPCs: `Always_GS1_Digital_Link`, `Always_EPC_URN`, `Never_Translates` or
    `No_Preference` (the default here: as captured); the answer's `GS1-EPC-Format` says which.
    """
    return await _query_answer(request, session, principal)


async def _query_answer(
    request: Request, session: AsyncSession, principal: Principal, given: list[tuple[str, str]] | None = None
) -> JSONResponse:
    """The page of events the request's query parameters select, and `given` (a discovery
    resource's own filter, a named query's), in the caller's scope, as an EPCISQueryDocument."""
    epc_format = _epc_format(request)
    asked = request.query_params.multi_items()
    fixed = {name for name, _ in given or ()}
    for name, _ in asked:
        # A repeated parameter adds values (OR): the resource's own filter would be widened, not narrowed.
        if name in fixed:
            raise EpcisProblem(400, "QueryParameterException", "epcis.parameter.fixed", name=name)
    parameters = [*(given or ()), *asked]
    try:
        limits = querying.QueryLimits.of(request.app.state.settings)
        query = querying.EventQuery.from_parameters(parameters, limits)
        page = await querying.find_events(session, query, await ownership.read_scope(session, principal))
    except (querying.QueryTooComplex, querying.QueryParameterError, querying.QueryTooLarge) as error:
        raise _query_problem(error) from None
    headers = {**VERSION_HEADERS, epc_formats.HEADER: epc_format}
    if page.next_page_token:
        headers["Link"] = _next_page_link(request, page.next_page_token)
    events = [epc_formats.translated(ownership.for_reader(principal, event), epc_format) for event in page.events]
    return JSONResponse(querying.query_document(events), headers=headers)


def _query_problem(
    error: querying.QueryTooComplex | querying.QueryParameterError | querying.QueryTooLarge,
) -> EpcisProblem:
    """The binding's answer to a query the parser or the store refused."""
    if isinstance(error, querying.QueryTooLarge):
        return EpcisProblem(413, "QueryTooLargeException", "epcis.query_too_large", limit=error.limit)
    if isinstance(error, querying.QueryTooComplex):
        return EpcisProblem(413, "QueryTooComplexException", error.key, **error.values)
    if isinstance(error, querying.UnsupportedParameter):
        return EpcisProblem(501, "ImplementationException", error.key, **error.values)
    return EpcisProblem(400, "QueryParameterException", error.key, **error.values)


def _next_page_link(request: Request, token: str) -> str:
    """The `Link` to the next page: this URL with the token, percent-encoded, since the path may
    hold what a header cannot (a query's Vietnamese name, a place's URI, as Starlette decodes them)."""
    url = str(request.url.include_query_params(nextPageToken=token))
    return f'<{quote(url, safe=":/?#[]@!$&()*+,;=%~-._")}>; rel="next"'


def _epc_format(request: Request) -> str:
    chosen = epc_formats.chosen(request.headers.get(epc_formats.HEADER))
    if chosen is None:
        raise EpcisProblem(
            400,
            "QueryParameterException",
            "epcis.parameter.choice",
            name=epc_formats.HEADER,
            choices=", ".join(epc_formats.FORMATS),
        )
    return chosen


@router.post(
    "/epcis/events",
    status_code=201,
    summary="Capture one event (synchronous)",
    openapi_extra=JSON_LD_BODY,
    responses={
        201: {"description": "Stored; `Location` is the event's URL, the body the event as stored"},
        409: {"description": "ResourceAlreadyExistsException: an event with this eventID is stored"},
    },
)
async def capture_event(request: Request, uow: UnitOfWorkDep, principal: PrincipalDep) -> JSONResponse:
    """One EPCIS event, stored before the answer (the binding's synchronous capture; `/epcis/capture`
    takes documents). Who may call and what is checked are as for capture: the province or a co-op
    (its own lots, places and households), GS1's JSON Schema (400 ValidationException with the
    violations). The event may carry its own `@context`; without `eventID` it gets a `urn:uuid:`."""
    _require_capture_rights(principal)
    event = await _read_document(request)
    if not isinstance(event, dict):
        raise EpcisProblem(400, "ValidationException", "epcis.not_an_event")
    context = event.pop("@context", [discovery.CONTEXT])
    event.setdefault("eventID", f"urn:uuid:{uuid.uuid4()}")
    document = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": querying.timestamp(datetime.now(UTC)),
        "epcisBody": {"eventList": [event]},
    }
    errors = schema_errors(document)
    if errors:
        raise EpcisProblem(
            400, "ValidationException", "epcis.invalid_document", count=len(errors), extra={"errors": errors}
        )
    await ownership.check_capture(uow.session, principal, [event])
    job = await _store(uow.session, principal, document, "rollback", language_of(request))
    if job is None or not job.success:
        raise EpcisProblem(409, "ResourceAlreadyExistsException", "epcis.event_exists", event_id=event["eventID"])
    stored = await querying.get_event(uow.session, event["eventID"])
    location = "/epcis/events/" + quote(event["eventID"], safe="")
    return JSONResponse(
        ownership.for_reader(principal, stored or event),
        status_code=201,
        headers={**VERSION_HEADERS, "Location": location},
    )


@router.get("/epcis/events/{eventID:path}", summary="One event, by its eventID (URL-encoded)")
async def event(eventID: str, request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:  # noqa: N803
    """An EPCISQueryDocument holding the event (with its errorDeclaration, if declared wrong); its
    EPCs in the form `GS1-EPC-Format` asks for, as on `/epcis/events`."""
    epc_format = _epc_format(request)
    found = await querying.get_event(session, eventID, await ownership.read_scope(session, principal))
    if found is None:  # or not the caller's to see: the same answer, so ids cannot be probed
        raise EpcisProblem(404, "NoSuchResourceException", "epcis.event_not_found", event_id=eventID)
    shown = epc_formats.translated(ownership.for_reader(principal, found), epc_format)
    return JSONResponse(querying.query_document([shown]), headers={**VERSION_HEADERS, epc_formats.HEADER: epc_format})


@router.get("/lots/{code}/epcis", summary="A lot's EPCIS 2.0 document (its events, its units' and cartons')")
async def lot_epcis(code: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    """An EPCISDocument of every event naming the lot, its packed units or their cartons, by
    eventTime; valid against GS1's schema, capturable by any EPCIS 2.0 repository."""
    document = await export.lot_document(session, code, await ownership.read_scope(session, principal))
    if document is None:
        raise EpcisProblem(404, "NoSuchResourceException", "lot.not_found", lot_code=code)
    body = document["epcisBody"]
    body["eventList"] = [ownership.for_reader(principal, event) for event in body["eventList"]]
    return JSONResponse(document, headers=VERSION_HEADERS)


# --- discovery (the binding's top-level resources, services/supplychain/epcis/discovery.py) -------


def _options(allow: str) -> Callable:
    async def options() -> Response:
        """What this resource answers (`Allow`) and the EPCIS and CBV versions spoken (2.0.0);
        no token needed, it says nothing about any event."""
        return Response(
            status_code=204,
            headers={
                **VERSION_HEADERS,
                "Allow": allow,
                "GS1-EPCIS-Min": "2.0.0",
                "GS1-EPCIS-Max": "2.0.0",
                "GS1-CBV-Min": "2.0.0",
                "GS1-CBV-Max": "2.0.0",
                epc_formats.HEADER: ", ".join(epc_formats.FORMATS),
            },
        )

    return options


def _per_page(request: Request) -> int:
    raw = request.query_params.get("perPage", str(discovery.DEFAULT_PER_PAGE))
    if not raw.isdigit() or not 1 <= int(raw) <= discovery.MAX_PER_PAGE:
        raise EpcisProblem(400, "QueryParameterException", "epcis.parameter.per_page", limit=discovery.MAX_PER_PAGE)
    return int(raw)


async def top_level(principal: PrincipalDep) -> JSONResponse:
    """The top-level resources this repository answers (any signed-in party)."""
    return JSONResponse(discovery.collection(discovery.TOP_LEVEL), headers=VERSION_HEADERS)


def _listing(kind: str) -> Callable:
    async def listing(request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
        scope = await ownership.read_scope(session, principal)
        try:
            page = await discovery.list_values(
                session, kind, scope, _per_page(request), request.query_params.get("nextPageToken")
            )
        except querying.QueryParameterError as error:
            raise EpcisProblem(400, "QueryParameterException", error.key, **error.values) from None
        headers = dict(VERSION_HEADERS)
        if page.next_page_token:
            headers["Link"] = _next_page_link(request, page.next_page_token)
        return JSONResponse(discovery.collection(page.members), headers=headers)

    listing.__doc__ = (
        f"The {kind} an event the caller may read names (the scope of `/epcis/events`), in code-point "
        'order, `perPage` (default 30, at most 1000) at a time with `Link: <...>; rel="next"`'
        + ("; the standard values are always listed." if discovery.standard_values(kind) else ".")
    )
    return listing


async def _known(session: AsyncSession, principal: Principal, kind: str, value: str) -> None:
    # Unknown and not the caller's to see answer alike, so values cannot be probed.
    if not await discovery.is_known(session, kind, value, await ownership.read_scope(session, principal)):
        raise EpcisProblem(404, "NoSuchResourceException", "epcis.resource_not_found", kind=kind, value=value)


def _sub_resources(kind: str) -> Callable:
    async def sub_resources(value: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
        """The value's sub-resources (`events`); 404 if no event the caller may read names it."""
        await _known(session, principal, kind, value)
        return JSONResponse(discovery.collection(["events"]), headers=VERSION_HEADERS)

    return sub_resources


def _value_events(kind: str) -> Callable:
    async def value_events(value: str, request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
        """`/epcis/events` with the value as a filter (and any other query parameter, paging alike)."""
        await _known(session, principal, kind, value)
        return await _query_answer(request, session, principal, [(discovery.KINDS[kind].parameter, value)])

    return value_events


router.add_api_route("/epcis", _options("OPTIONS, GET"), methods=["OPTIONS"], status_code=204)
router.add_api_route("/epcis", top_level, methods=["GET"], summary="The repository's top-level resources")
router.add_api_route("/epcis/events", _options("OPTIONS, GET, POST"), methods=["OPTIONS"], status_code=204)
router.add_api_route("/epcis/events/{eventID:path}", _options("OPTIONS, GET"), methods=["OPTIONS"], status_code=204)
for _kind in discovery.KINDS:
    router.add_api_route(f"/epcis/{_kind}", _options("OPTIONS, GET"), methods=["OPTIONS"], status_code=204)
    router.add_api_route(f"/epcis/{_kind}", _listing(_kind), methods=["GET"], summary=f"Known {_kind}")
    # `/events` first: a value may hold slashes (a Digital Link), so `{value:path}` would swallow it.
    router.add_api_route(
        f"/epcis/{_kind}/{{value:path}}/events",
        _options("OPTIONS, GET"),
        methods=["OPTIONS"],
        status_code=204,
    )
    router.add_api_route(
        f"/epcis/{_kind}/{{value:path}}/events",
        _value_events(_kind),
        methods=["GET"],
        summary=f"Events by one of the {_kind} (URL-encoded)",
    )
    router.add_api_route(
        f"/epcis/{_kind}/{{value:path}}", _options("OPTIONS, GET"), methods=["OPTIONS"], status_code=204
    )
    router.add_api_route(
        f"/epcis/{_kind}/{{value:path}}",
        _sub_resources(_kind),
        methods=["GET"],
        summary=f"One of the {_kind}: its sub-resources",
    )


# --- named queries (services/supplychain/epcis/named_queries.py) ----------------------------------


def _query_not_found(name: str) -> EpcisProblem:
    return EpcisProblem(404, "NoSuchNameException", "epcis.query.not_found", name=name)


router.add_api_route("/epcis/queries", _options("OPTIONS, GET, POST"), methods=["OPTIONS"], status_code=204)


@router.get("/epcis/queries", summary="The caller's organisation's named queries")
async def queries(request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    """Every query the caller's organisation saved (the province, a co-op, a buyer each have their
    own names), by name, `perPage` at a time with `Link: <...>; rel="next"`."""
    per_page = _per_page(request)
    token = request.query_params.get("nextPageToken")
    try:
        after = discovery.decode_token(token) if token is not None else None
    except querying.QueryParameterError as error:
        raise EpcisProblem(400, "QueryParameterException", error.key, **error.values) from None
    rows = await named_queries.listed(session, principal, per_page, after)
    headers = dict(VERSION_HEADERS)
    if len(rows) > per_page:
        rows = rows[:per_page]
        headers["Link"] = _next_page_link(request, discovery.encode_token(rows[-1]["name"]))
    return JSONResponse(rows, headers=headers)


@router.post(
    "/epcis/queries",
    status_code=201,
    summary="Save a named query",
    openapi_extra=JSON_LD_BODY,
    responses={
        201: {"description": "Saved; `Location` is the query, its events at `Location`/events"},
        409: {"description": "ResourceAlreadyExistsException: the organisation has a query by this name"},
        501: {"description": "ImplementationException: a standard parameter this repository does not support yet"},
    },
)
async def create_query(request: Request, uow: UnitOfWorkDep, principal: PrincipalDep) -> Response:
    """`{"name": "...", "query": {"EQ_bizStep": ["shipping"], ...}}` (the binding's QueryDefinition;
    the parameters of `/epcis/events`, a list for several values). Any signed-in party; the query
    is its organisation's and runs in its read scope. 400 for a parameter that is not one."""
    definition = await _read_document(request)
    try:
        name, query = named_queries.checked(
            definition.get("name") if isinstance(definition, dict) else None,
            definition.get("query") if isinstance(definition, dict) else None,
            querying.QueryLimits.of(request.app.state.settings),
        )
    except named_queries.NamedQueryError as error:
        raise EpcisProblem(400, "ValidationException", error.key, **error.values) from None
    except (querying.QueryTooComplex, querying.QueryParameterError) as error:
        raise _query_problem(error) from None
    if not await named_queries.save(uow.session, principal, name, query):
        raise EpcisProblem(409, "ResourceAlreadyExistsException", "epcis.query.exists", name=name)
    location = "/epcis/queries/" + quote(name, safe="")
    return Response(status_code=201, headers={**VERSION_HEADERS, "Location": location})


router.add_api_route(
    "/epcis/queries/{queryName}", _options("OPTIONS, GET, DELETE"), methods=["OPTIONS"], status_code=204
)


@router.get("/epcis/queries/{queryName}", summary="A named query's definition")
async def named_query(queryName: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:  # noqa: N803
    """The caller's organisation's query by that name; 404 for a name it has not saved (another
    organisation's queries are not found either)."""
    found = await named_queries.find(session, principal, queryName)
    if found is None:
        raise _query_not_found(queryName)
    return JSONResponse(found, headers=VERSION_HEADERS)


@router.delete("/epcis/queries/{queryName}", status_code=204, summary="Remove a named query")
async def delete_query(queryName: str, uow: UnitOfWorkDep, principal: PrincipalDep) -> Response:  # noqa: N803
    """Removes the caller's organisation's query by that name (404 if it has none)."""
    if not await named_queries.remove(uow.session, principal, queryName):
        raise _query_not_found(queryName)
    return Response(status_code=204, headers=VERSION_HEADERS)


router.add_api_route(
    "/epcis/queries/{queryName}/events", _options("OPTIONS, GET"), methods=["OPTIONS"], status_code=204
)


@router.get("/epcis/queries/{queryName}/events", summary="Run a named query")
async def query_events(queryName: str, request: Request, session: SessionDep, principal: PrincipalDep) -> JSONResponse:  # noqa: N803
    """The saved query's events in the caller's read scope now, paged as `/epcis/events` (perPage,
    nextPageToken, `GS1-EPC-Format`); further parameters narrow it."""
    found = await named_queries.find(session, principal, queryName)
    if found is None:
        raise _query_not_found(queryName)
    return await _query_answer(request, session, principal, named_queries.parameters_of(found["query"]))


# --- webhook subscriptions (services/supplychain/epcis/subscriptions.py) ---------------------------


async def _query_id(session: AsyncSession, principal: Principal, name: str) -> int:
    query_id = await named_queries.id_of(session, principal, name)
    if query_id is None:
        raise _query_not_found(name)
    return query_id


router.add_api_route(
    "/epcis/queries/{queryName}/subscriptions", _options("OPTIONS, GET, POST"), methods=["OPTIONS"], status_code=204
)


@router.get("/epcis/queries/{queryName}/subscriptions", summary="The subscriptions to a named query")
async def query_subscriptions(queryName: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:  # noqa: N803
    """The subscriptions to the caller's organisation's query, oldest first, without their secrets."""
    query_id = await _query_id(session, principal, queryName)
    listed = [subscriptions.shown(row) for row in await subscriptions.of_query(session, query_id)]
    return JSONResponse(listed, headers=VERSION_HEADERS)


@router.post(
    "/epcis/queries/{queryName}/subscriptions",
    status_code=201,
    summary="Subscribe a webhook to a named query",
    openapi_extra=JSON_LD_BODY,
    responses={
        201: {"description": "Subscribed; `Location` is the subscription, the body it without its secret"},
        501: {"description": "ImplementationException: scheduled subscriptions and websockets are not offered"},
    },
)
async def subscribe(queryName: str, request: Request, uow: UnitOfWorkDep, principal: PrincipalDep) -> JSONResponse:  # noqa: N803
    """`{"dest": "https://…", "signatureToken": "…", "stream": true}`: from now on (or from
    `initialRecordTime`) every chain event the query selects, in the caller's read scope, is POSTed
    to `dest` as an EPCISQueryDocument, signed with `GS1-Signature: sha256=<HMAC-SHA256 of the body>`
    when a token is given, retried with backoff until `dest` answers 2xx, in order. The events'
    EPCs in the form `GS1-EPC-Format` (header) asks for. Any signed-in party, on its own queries."""
    query_id = await _query_id(uow.session, principal, queryName)
    try:
        asked = subscriptions.checked(
            await _read_document(request),
            private_destinations=request.app.state.settings.webhook_private_destinations,
        )
    except named_queries.NamedQueryError as error:
        raise EpcisProblem(400, "ValidationException", error.key, **error.values) from None
    except NotImplementedError as error:
        raise EpcisProblem(501, "ImplementationException", str(error)) from None
    made = await subscriptions.subscribe(uow.session, principal, query_id, asked, _epc_format(request))
    location = f"/epcis/queries/{quote(queryName, safe='')}/subscriptions/{made.id}"
    return JSONResponse(subscriptions.shown(made), status_code=201, headers={**VERSION_HEADERS, "Location": location})


router.add_api_route(
    "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    _options("OPTIONS, GET, DELETE"),
    methods=["OPTIONS"],
    status_code=204,
)


@router.get("/epcis/queries/{queryName}/subscriptions/{subscriptionID}", summary="One subscription")
async def subscription(
    queryName: str, subscriptionID: str, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:  # noqa: N803
    """The subscription, without its secret, with when its subscriber last answered 2xx."""
    query_id = await _query_id(session, principal, queryName)
    for row in await subscriptions.of_query(session, query_id):
        if row.id == subscriptionID:
            return JSONResponse(subscriptions.shown(row), headers=VERSION_HEADERS)
    raise EpcisProblem(404, "NoSuchSubscriptionException", "epcis.subscription.not_found", id=subscriptionID)


@router.delete("/epcis/queries/{queryName}/subscriptions/{subscriptionID}", status_code=204, summary="Unsubscribe")
async def unsubscribe(queryName: str, subscriptionID: str, uow: UnitOfWorkDep, principal: PrincipalDep) -> Response:  # noqa: N803
    """Ends the subscription; what it was still owed is not sent."""
    query_id = await _query_id(uow.session, principal, queryName)
    if not await subscriptions.unsubscribe(uow.session, query_id, subscriptionID):
        raise EpcisProblem(404, "NoSuchSubscriptionException", "epcis.subscription.not_found", id=subscriptionID)
    return Response(status_code=204, headers=VERSION_HEADERS)
