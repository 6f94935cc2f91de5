"""Accounts and login (ADR 0017): people, not tokens. The tables, shapes, rules and routes.

An account is a person of the province, a co-op (its manager or a clerk) or a buyer. It signs in
with its user name or phone number and a password (argon2id), and gets a short-lived access
token (the platform's JWT, with `account_id`, `sid` and, for co-op staff, `staff`) and an opaque
refresh token. Refresh tokens are stored as sha256 digests, rotate on every use, and the reuse of
one already rotated ends its whole session (someone else holds a copy). Ending a session also
revokes its latest access token through ADR 0014's deny-list, so every service refuses it.

`/auth/*` routes are plain routes, never `IdempotentRoute`: an answer carrying tokens must not be
stored and replayed (login has no caller to scope a key to).
"""

from services.registry.accounts.api import auth_router, router
from services.registry.accounts.commands import LoginThrottle
from services.registry.accounts.credentials import normalise_phone
from services.registry.accounts.tables import ACCOUNT_TABLES

__all__ = ["ACCOUNT_TABLES", "LoginThrottle", "auth_router", "normalise_phone", "router"]
