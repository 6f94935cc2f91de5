"""Tables of the EPCIS event store.

`epcis_event` keeps each event whole, as JSON-LD text (`body`), with the fields the query
interface filters on copied into columns. Identifiers an event names (EPCs, EPC classes,
transformation ids, corrective event ids, ...) are rows of `epcis_event_identifier`, one per
(event, field, value), so a MATCH_* / EQ_* filter is an indexed join instead of a scan of
JSON. `epcis_error_declaration` holds an event's error declaration apart from the event:
wrong data is never edited in place; the query interface returns the event with its
`errorDeclaration`, as EPCIS requires. `epcis_capture` is the capture job the REST binding
answers with (`GET /epcis/capture/{captureID}`); `epcis_named_query` a party's saved query
(`/epcis/queries/{name}`).

Identifier columns are 1000 characters: any URI is accepted (GS1 or not), and GS1 Digital
Link URIs with a few qualifiers are long.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow

URI_LENGTH = 1000


class EpcisEvent(SQLModel, table=True):
    """One EPCIS event as stored, plus the columns the standard query filters on."""

    __tablename__ = "epcis_event"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=URI_LENGTH, unique=True)
    event_type: str = Field(max_length=200, index=True)
    event_time: datetime = Field(index=True, description="eventTime in UTC")
    record_time: datetime = Field(default_factory=utcnow, index=True)
    action: str | None = Field(default=None, max_length=10)
    biz_step: str | None = Field(
        default=None, max_length=URI_LENGTH, index=True, description="CBV values in their bare form ('shipping')"
    )
    disposition: str | None = Field(default=None, max_length=URI_LENGTH, index=True)
    read_point: str | None = Field(default=None, max_length=URI_LENGTH, index=True)
    biz_location: str | None = Field(default=None, max_length=URI_LENGTH, index=True)
    capture_id: str | None = Field(default=None, max_length=36, index=True)  # None: one of the chain's own events
    owner_coop_id: int | None = Field(
        default=None,
        index=True,
        description="The co-op whose event it is (its chain fact or its capture); None: the province's",
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    context: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="JSON list: the JSON-LD @context entries (beyond EPCIS's own) the event's extension fields need",
    )


class EpcisEventIdentifier(SQLModel, table=True):
    """An EPC or EPC class an event names, and in which field (epcList, parentID, ...)."""

    __tablename__ = "epcis_event_identifier"

    id: int | None = Field(default=None, primary_key=True)
    event_pk: int = Field(foreign_key="epcis_event.id", index=True)
    field: str = Field(max_length=30)
    value: str = Field(max_length=URI_LENGTH, index=True)


class EpcisErrorDeclaration(SQLModel, table=True):
    """An event declared erroneous: the declaration EPCIS returns as the event's `errorDeclaration`."""

    __tablename__ = "epcis_error_declaration"

    id: int | None = Field(default=None, primary_key=True)
    event_pk: int = Field(foreign_key="epcis_event.id", unique=True)
    declaration_time: datetime = Field(index=True)
    reason: str | None = Field(default=None, max_length=URI_LENGTH, index=True, description="CBV bare form")
    body: str = Field(sa_column=Column(Text, nullable=False), description="the errorDeclaration object, JSON")
    recorded_at: datetime = Field(default_factory=utcnow)
    capture_id: str | None = Field(default=None, max_length=36)


class EpcisCapture(SQLModel, table=True):
    """A capture job: what `POST /epcis/capture` did with one document."""

    __tablename__ = "epcis_capture"

    id: str = Field(primary_key=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    success: bool
    error_behaviour: str = Field(default="rollback", max_length=10, description="GS1-Capture-Error-Behaviour")
    event_count: int = 0
    errors: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="JSON list of problem details when the capture failed",
    )
    actor: str = Field(max_length=200)


class EpcisNamedQuery(SQLModel, table=True):
    """A named query: a party's saved SimpleEventQuery, run in that party's read scope."""

    __tablename__ = "epcis_named_query"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner: str = Field(max_length=60, description="the organisation whose query it is: province, coop:<id>, buyer:<id>")
    name: str = Field(max_length=200)
    query_json: str = Field(sa_column=Column(Text, nullable=False), description="the `query` object as given")
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=200, description="the actor who saved it")


class EpcisSubscription(SQLModel, table=True):
    """A webhook subscription to a named query: new matching events are POSTed to `dest`."""

    __tablename__ = "epcis_subscription"

    id: str = Field(primary_key=True, max_length=36, description="subscriptionID")
    query_id: int = Field(
        sa_column=Column(Integer, ForeignKey("epcis_named_query.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    dest: str = Field(max_length=URI_LENGTH)
    signature_token: str | None = Field(default=None, max_length=500, description="the client's secret; never shown")
    epc_format: str = Field(default="No_Preference", max_length=30)
    initial_record_time: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_notified_at: datetime | None = None
    created_by: str = Field(max_length=200)


class EpcisDelivery(SQLModel, table=True):
    """Events owed to one subscription, sent as one EPCISQueryDocument, retried until the
    subscriber answers 2xx; a subscription's deliveries go in id order."""

    __tablename__ = "epcis_delivery"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("epcis_subscription.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    event_ids: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of eventIDs")
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    delivered_at: datetime | None = Field(default=None, index=True)
    last_error: str | None = Field(default=None, max_length=500)


EPCIS_TABLES = [
    EpcisEvent.__table__,
    EpcisEventIdentifier.__table__,
    EpcisErrorDeclaration.__table__,
    EpcisCapture.__table__,
    EpcisNamedQuery.__table__,
    EpcisSubscription.__table__,
    EpcisDelivery.__table__,
]
