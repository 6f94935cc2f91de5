"""Contracts published by the registry service on `registry.events`."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from shared.events.envelope import Event

STREAM = "registry.events"

OrganisationForm = Literal["to_hop_tac", "hop_tac_xa", "lien_hiep"]
CoopStatus = Literal["active", "suspended", "dissolved"]
MemberKind = Literal["household", "individual", "legal_entity"]
Membership = Literal["official", "associate", "worker"]


class RegistryEvent(Event):
    producer: ClassVar[str] = "registry"


class CoopRegistered(RegistryEvent):
    """A co-operative group, co-op or union was entered in the register."""

    event_type: ClassVar[str] = "registry.coop_registered"

    coop_id: int
    name: str
    form: OrganisationForm
    registration_code: str
    ward_code: str
    founded_on: date
    status: CoopStatus


class CoopStatusChanged(RegistryEvent):
    """An organisation was suspended, reactivated or dissolved."""

    event_type: ClassVar[str] = "registry.coop_status_changed"

    coop_id: int
    status: CoopStatus
    effective_on: date
    reason: str


class MemberJoined(RegistryEvent):
    """A household, individual or legal entity joined a co-op (or was taken on as a worker)."""

    event_type: ClassVar[str] = "registry.member_joined"

    member_id: int
    coop_id: int
    name: str
    kind: MemberKind
    membership: Membership
    joined_on: date


class MemberLeft(RegistryEvent):
    """A member left a co-op; events dated after `left_on` may not name them."""

    event_type: ClassVar[str] = "registry.member_left"

    member_id: int
    coop_id: int
    left_on: date
