"""Passwords (argon2id), user names and Vietnamese phone numbers: the rules a login must meet."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import InvalidValue, Unprocessable
from shared.text import identity_key

MIN_PASSWORD = 8
HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against for unknown login names, so they cost what a wrong password costs.
DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
USERNAME_PATTERN = r"^[A-Za-z][A-Za-z0-9._-]{2,49}$"  # starts with a letter: never mistaken for a phone number
_PHONE_PUNCTUATION = re.compile(r"[\s.()-]")


def normalise_phone(value: str) -> str | None:
    """A Vietnamese number as E.164: "0912 345 678", "+84912345678" and "84912345678" are "+84912345678".

    None if it is not a Vietnamese number (9 or 10 digits after the 0: mobiles and landlines).
    """
    digits = _PHONE_PUNCTUATION.sub("", value.strip())
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    if not national.isdigit() or not 9 <= len(national) <= 10 or national.startswith("0"):
        return None
    return f"+84{national}"


def phone_or_refuse(value: str | None) -> str | None:
    if value is None:
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise InvalidValue("account.phone_invalid", value=value)
    return phone


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)  # ~50 ms of CPU: not on the event loop


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def check_password(password: str, *names: str | None) -> None:
    """Refuses (422) a short password, or one that is the account's user name or phone number."""
    if len(password) < MIN_PASSWORD:
        raise Unprocessable("account.password_short", minimum=MIN_PASSWORD)
    typed, as_phone = identity_key(password), normalise_phone(password)
    for name in names:
        if name and (typed == identity_key(name) or (as_phone is not None and as_phone == normalise_phone(name))):
            raise Unprocessable("account.password_is_name")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
