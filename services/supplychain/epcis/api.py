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
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.supplychain.epcis import capture as capturing
from services.supplychain.epcis import epc_format as epc_formats
from services.supplychain.epcis import export, ownership
from services.supplychain.epcis import query as querying
from services.supplychain.epcis.tables import EpcisCapture
from services.supplychain.epcis.validation import schema_errors
from shared.auth import Principal, PrincipalDep
from shared.errors import DomainError
from shared.i18n import language_of, translate
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
PROBLEM = "application/problem+json"
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


router = APIRouter(tags=["EPCIS 2.0"], route_class=EpcisRoute)


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
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/ld+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
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
    try:
        async with uow.session.begin_nested():  # a savepoint: a concurrent duplicate is caught here, not at commit
            job = await capturing.capture_document(
                uow.session,
                document,
                actor=principal.actor,
                owner_coop_id=principal.coop_id if principal.role == "coop" else None,
                error_behaviour=error_behaviour,
                language=language,
            )
            await uow.session.flush()
    except IntegrityError:
        # Another capture stored one of these eventIDs between our check and our insert.
        job = capturing.failed_job(
            principal.actor, capturing.capture_problem("epcis.concurrent_duplicate", language), error_behaviour
        )
        uow.session.add(job)
        await uow.session.flush()
    return Response(status_code=202, headers={**VERSION_HEADERS, "Location": f"/epcis/capture/{job.id}"})


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
    epc_format = _epc_format(request)
    try:
        limits = querying.QueryLimits.of(request.app.state.settings)
        query = querying.EventQuery.from_parameters(list(request.query_params.multi_items()), limits)
        page = await querying.find_events(session, query, await ownership.read_scope(session, principal))
    except querying.QueryTooComplex as error:
        raise EpcisProblem(413, "QueryTooComplexException", error.key, **error.values) from None
    except querying.UnsupportedParameter as error:
        raise EpcisProblem(501, "ImplementationException", error.key, **error.values) from None
    except querying.QueryParameterError as error:
        raise EpcisProblem(400, "QueryParameterException", error.key, **error.values) from None
    except querying.QueryTooLarge as error:
        raise EpcisProblem(413, "QueryTooLargeException", "epcis.query_too_large", limit=error.limit) from None
    headers = {**VERSION_HEADERS, epc_formats.HEADER: epc_format}
    if page.next_page_token:
        next_url = request.url.include_query_params(nextPageToken=page.next_page_token)
        headers["Link"] = f'<{next_url}>; rel="next"'
    events = [epc_formats.translated(ownership.for_reader(principal, event), epc_format) for event in page.events]
    return JSONResponse(querying.query_document(events), headers=headers)


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
