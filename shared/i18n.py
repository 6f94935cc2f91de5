"""Vietnamese first, English available: user-facing messages in the request's language.

This module holds the texts shared by every service (authentication, wards, dates, co-ops and
members as other services see them) and the lookup. Each service keeps its own texts in
`services/<name>/messages.py`, which registers them here when the service package is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from babel import negotiate_locale
from fastapi import Request

Language = Literal["vi", "en"]

# key -> {"vi": ..., "en": ...}; str.format placeholders are filled by `translate`.
MESSAGES: dict[str, dict[str, str]] = {
    "auth.missing": {
        "vi": "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer <token>.",
        "en": "Authentication required: send a token as Authorization: Bearer <token>.",
    },
    "auth.invalid": {
        "vi": "Mã truy cập không hợp lệ hoặc đã hết hạn; hãy xin mã mới.",
        "en": "The token is invalid or has expired; ask for a new one.",
    },
    "auth.too_long": {
        "vi": "Mã truy cập có hiệu lực quá {max_hours} giờ, hoặc không ghi thời điểm cấp; hãy xin mã mới.",
        "en": "The token is valid for more than {max_hours} hours, or does not say when it was issued; "
        "ask for a new one.",
    },
    "auth.no_id": {
        "vi": "Mã truy cập không có mã định danh (jti) nên không thể thu hồi; hãy xin mã mới.",
        "en": "The token has no id (jti), so it could not be revoked; ask for a new one.",
    },
    "auth.no_scope": {
        "vi": "Mã truy cập vai trò {role} phải ghi {claim}; hãy xin mã mới có {claim}.",
        "en": "A {role} token must carry {claim}; ask for a new one with {claim}.",
    },
    "auth.revoked": {
        "vi": "Mã truy cập này đã bị thu hồi; hãy xin mã mới.",
        "en": "This token has been revoked; ask for a new one.",
    },
    "auth.too_many_failures": {
        "vi": "Quá nhiều lần xác thực thất bại từ địa chỉ này; hãy thử lại sau {seconds} giây.",
        "en": "Too many failed authentications from this address; try again in {seconds} seconds.",
    },
    "auth.other_coop": {
        "vi": "Mã truy cập này chỉ được ghi dữ liệu của HTX {own}, không phải HTX {target}.",
        "en": "This token may only write data of co-op {own}, not co-op {target}.",
    },
    "auth.role": {
        "vi": "Vai trò {role} không được phép thực hiện thao tác này.",
        "en": "The role {role} is not allowed to do this.",
    },
    "coop.not_found": {
        "vi": "Không tìm thấy HTX có mã {coop_id}.",
        "en": "No co-op with id {coop_id}.",
    },
    "coop.not_active": {
        "vi": "HTX {coop_id} không hoạt động (trạng thái: {status}).",
        "en": "Co-op {coop_id} is not active (status: {status}).",
    },
    "ward.unknown": {
        "vi": "Mã xã/phường {code} không có trong danh mục hành chính chính thức.",
        "en": "Commune/ward code {code} is not in the official list.",
    },
    "ward.format": {
        "vi": 'Mã xã/phường "{code}" phải gồm tối đa 5 chữ số, ví dụ 05488.',
        "en": 'The commune/ward code "{code}" must be up to 5 digits, e.g. 05488.',
    },
    "ward.required": {
        "vi": "Cần mã xã/phường (hoặc mã xã cũ trước 01/7/2025), ví dụ 05488.",
        "en": "A commune/ward code (or a pre-July-2025 code) is required, e.g. 05488.",
    },
    "ward.legacy_unknown": {
        "vi": "Mã xã cũ {code} không có trong danh mục xã trước 01/7/2025.",
        "en": "The legacy commune code {code} is not in the pre-July-2025 list of communes.",
    },
    "ward.legacy_mismatch": {
        "vi": "Xã cũ {legacy} ({name}) nay thuộc mã {current}, không phải {code}.",
        "en": "Former commune {legacy} ({name}) is now part of {current}, not {code}.",
    },
    "ward.legacy_split": {
        "vi": "Xã cũ {legacy} ({name}) đã được chia cho nhiều xã mới: {candidates}. Hãy ghi mã xã mới mà dòng này thuộc về.",
        "en": "Former commune {legacy} ({name}) was divided between several new communes: {candidates}. "
        "Give the code of the new one this row belongs to.",
    },
    "date.future": {
        "vi": "Ngày {value} ở tương lai.",
        "en": "The date {value} is in the future.",
    },
    "date.too_early": {
        "vi": "Ngày {value} trước {earliest}; hãy kiểm tra lại năm.",
        "en": "The date {value} is before {earliest}; check the year.",
    },
    "idempotency.key_invalid": {
        "vi": "Idempotency-Key phải gồm 1–255 ký tự ASCII in được (ví dụ một UUID), không có khoảng trắng.",
        "en": "Idempotency-Key must be 1–255 printable ASCII characters (e.g. a UUID), without spaces.",
    },
    "idempotency.key_reused": {
        "vi": "Idempotency-Key {idempotency_key} đã dùng cho một yêu cầu khác; mỗi thao tác mới cần một khoá mới.",
        "en": "Idempotency-Key {idempotency_key} was used for a different request; each new write needs a new key.",
    },
    "request.too_large": {
        "vi": "Yêu cầu quá lớn: tối đa {limit} byte.",
        "en": "The request is too large: at most {limit} bytes.",
    },
    "request.number_too_large": {
        "vi": "Số {value} quá lớn (tối đa 9223372036854775807).",
        "en": "The number {value} is too large (at most 9223372036854775807).",
    },
    "request.value_out_of_range": {
        "vi": "Một giá trị vượt quá giới hạn lưu trữ (ví dụ một số quá lớn); hãy kiểm tra lại dữ liệu.",
        "en": "A value is beyond what can be stored (e.g. a number too large); check the data.",
    },
    "db.busy": {
        "vi": "Cơ sở dữ liệu đang bận ghi một lô lớn; chưa có gì được ghi. Hãy gửi lại sau {seconds} giây.",
        "en": "The database is busy writing a large batch; nothing was recorded. Send again in {seconds} seconds.",
    },
    "request.too_deep": {
        "vi": "Dữ liệu JSON lồng nhau quá sâu.",
        "en": "The JSON is nested too deeply.",
    },
    "request.body_unreadable": {
        "vi": "Không đọc được nội dung yêu cầu: hãy gửi JSON hợp lệ, mã hoá UTF-8.",
        "en": "The request body could not be read: send valid JSON, encoded in UTF-8.",
    },
    "request.no_route": {
        "vi": "Không có địa chỉ này; xem các địa chỉ của dịch vụ tại /docs.",
        "en": "There is no such address; see the service's addresses at /docs.",
    },
    "request.method_not_allowed": {
        "vi": "Địa chỉ này không nhận phương thức {method}; xem tiêu đề Allow.",
        "en": "This address does not take {method}; see the Allow header.",
    },
    "member.not_found": {
        "vi": "Không tìm thấy thành viên {member_id} của HTX {coop_id}.",
        "en": "No member {member_id} in co-op {coop_id}.",
    },
    "stream.not_consumed": {
        "vi": "Dịch vụ {service} không đọc luồng sự kiện {stream}.",
        "en": "The {service} service does not consume the stream {stream}.",
    },
    "archive.stream_unknown": {
        "vi": "Dịch vụ {service} không phát luồng sự kiện {stream}, nên không lưu trữ nó.",
        "en": "The {service} service does not publish the stream {stream}, so it keeps no archive of it.",
    },
    "archive.after_invalid": {
        "vi": "after={after} không phải mã mục của luồng; hãy dùng dạng <mili giây>-<số thứ tự>, ví dụ 1700000000000-0.",
        "en": "after={after} is not a stream entry id; use <milliseconds>-<sequence>, e.g. 1700000000000-0.",
    },
    "dead_letter.not_found": {
        "vi": "Không có thư lỗi {dlq_id} trên luồng {stream} cho dịch vụ này.",
        "en": "No dead letter {dlq_id} on {stream} for this service.",
    },
}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add a service's texts; a key may be registered once, with both languages."""
    for key, texts in messages.items():
        if set(texts) != {"vi", "en"}:
            raise ValueError(f"message {key} needs exactly vi and en texts, has {sorted(texts)}")
        if key in MESSAGES and MESSAGES[key] != texts:
            raise ValueError(f"message {key} is registered twice with different texts")
        MESSAGES[key] = texts


def language_of(request: Request | None) -> Language:
    """For API messages: `?lang=`, else the request's Accept-Language, else Vietnamese."""
    if request is None:
        return "vi"
    explicit = request.query_params.get("lang")
    if explicit in ("vi", "en"):
        return explicit  # type: ignore[return-value]
    header = request.headers.get("accept-language", "").lower()
    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("vi"):
            return "vi"
        if tag.startswith("en"):
            return "en"
    return "vi"


def page_language_of(request: Request) -> Language:
    """For pages people open (QR trace, dashboard): Vietnamese unless `?lang=en` is chosen.

    A browser's Accept-Language is not followed: a phone set to English in Thái Nguyên still
    opens the Vietnamese page, with the English link one tap away.
    """
    return "en" if request.query_params.get("lang") == "en" else "vi"


def negotiated_page_language(request: Request) -> Language:
    """For the public trace page, which strangers open abroad too: `?lang=` (the page's own links)
    wins, else the browser's Accept-Language, else Vietnamese. A response chosen this way must say
    `Vary: Accept-Language`, or a cache hands one reader's language to the next."""
    explicit = request.query_params.get("lang")
    if explicit in ("vi", "en"):
        return explicit  # type: ignore[return-value]
    preferred = accepted_languages(request.headers.get("accept-language", ""))
    chosen = negotiate_locale(preferred, ["vi", "en"], sep="-")
    return "en" if chosen is not None and chosen.lower().startswith("en") else "vi"


def accepted_languages(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first (RFC 9110 §12.5.4): q-values order them,
    equal ones keep the header's order, q=0 means "not this one", and `*` names no language."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.partition(";")
        tag = tag.strip()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a malformed weight: ignore the tag rather than guess
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


@dataclass(frozen=True)
class Localized:
    """A value that reads differently per language inside a message (a unit, say).

    `str()` gives `code`, which is what the machine-readable `params` of a refusal show.
    """

    code: str
    vi: str
    en: str

    def __str__(self) -> str:
        return self.code


def translate(key: str, language: Language, **values: object) -> str:
    shown = {
        name: getattr(value, language) if isinstance(value, Localized) else value for name, value in values.items()
    }
    return MESSAGES[key][language].format(**shown)
