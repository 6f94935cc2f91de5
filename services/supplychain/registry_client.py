"""Reads of the registry's public API, for when the replica has not caught up yet.

The stream is the normal way this service learns about co-ops, members and partners; this
client is the fallback for one registered a second ago. The routes are public, but their public
view leaves out members' full names (shown only to the co-op and the province): the client signs
its reads with a short-lived province token, so the replica holds what the stream would bring.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from services.supplychain.schemas import RegistryCoop, RegistryMember, RegistryPartner
from shared.auth import issue_token
from shared.errors import Unavailable

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
TOKEN_SUBJECT = "supplychain-replica"
TOKEN_TTL = timedelta(minutes=5)


def registry_http_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT)


class RegistryClient:
    """`None` means the registry says it does not exist; no answer at all is a 503."""

    def __init__(self, http: httpx.AsyncClient, secret: str | None = None) -> None:
        self._http = http
        self._secret = secret

    async def coop(self, coop_id: int) -> RegistryCoop | None:
        body = await self._get(f"/coops/{coop_id}")
        return None if body is None else RegistryCoop.model_validate(body)

    async def member(self, coop_id: int, member_id: int) -> RegistryMember | None:
        body = await self._get(f"/coops/{coop_id}/members/{member_id}")
        return None if body is None else RegistryMember.model_validate(body)

    async def partner(self, partner_id: int) -> RegistryPartner | None:
        body = await self._get(f"/partners/{partner_id}", unavailable="registry.unavailable_partner")
        return None if body is None else RegistryPartner.model_validate(body)

    async def _get(self, path: str, unavailable: str = "registry.unavailable") -> dict | None:
        headers = {}
        if self._secret:
            token = issue_token(self._secret, subject=TOKEN_SUBJECT, role="province", ttl=TOKEN_TTL)
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http.get(path, headers=headers)
        except httpx.HTTPError as error:
            log.warning("registry unreachable at %s%s: %r", self._http.base_url, path, error)
            raise Unavailable(unavailable) from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("registry answered %s for %s", response.status_code, path)
            raise Unavailable(unavailable)
        return response.json()
