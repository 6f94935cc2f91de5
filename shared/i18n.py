"""Vietnamese first, English available: user-facing messages in the request's language."""

from __future__ import annotations

from typing import Literal

from fastapi import Request

Language = Literal["vi", "en"]

MESSAGES: dict[str, dict[str, str]] = {
    "auth.missing": {
        "vi": "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer <token>.",
        "en": "Authentication required: send a token as Authorization: Bearer <token>.",
    },
    "auth.invalid": {
        "vi": "Mã truy cập không hợp lệ hoặc đã hết hạn; hãy xin mã mới.",
        "en": "The token is invalid or has expired; ask for a new one.",
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
    "coop.duplicate_code": {
        "vi": "Mã đăng ký {code} đã được dùng cho HTX khác.",
        "en": "Registration code {code} is already used by another co-op.",
    },
    "coop.not_active": {
        "vi": "HTX {coop_id} không hoạt động (trạng thái: {status}).",
        "en": "Co-op {coop_id} is not active (status: {status}).",
    },
    "ward.unknown": {
        "vi": "Mã xã/phường {code} không có trong danh mục hành chính chính thức.",
        "en": "Commune/ward code {code} is not in the official list.",
    },
    "member.not_found": {
        "vi": "Không tìm thấy thành viên {member_id} của HTX {coop_id}.",
        "en": "No member {member_id} in co-op {coop_id}.",
    },
    "member.not_member_on_date": {
        "vi": "Hộ {member_id} không phải thành viên của HTX {coop_id} vào ngày {on}.",
        "en": "Household {member_id} was not a member of co-op {coop_id} on {on}.",
    },
    "lot.not_found": {
        "vi": "Không tìm thấy lô {lot_code}.",
        "en": "No lot {lot_code}.",
    },
    "lot.duplicate": {
        "vi": "Lô {lot_code} đã tồn tại.",
        "en": "Lot {lot_code} already exists.",
    },
    "lot.insufficient": {
        "vi": "Lô {lot_code} chỉ còn {available} kg, không thể xuất {requested} kg.",
        "en": "Lot {lot_code} holds only {available} kg; cannot take {requested} kg.",
    },
    "lot.other_coop": {
        "vi": "Lô {lot_code} không thuộc HTX {coop_id}.",
        "en": "Lot {lot_code} does not belong to co-op {coop_id}.",
    },
    "lot.before_creation": {
        "vi": "Ngày {on} trước ngày tạo lô {lot_code} ({created}).",
        "en": "{on} is before lot {lot_code} was created ({created}).",
    },
    "stream.not_consumed": {
        "vi": "Dịch vụ {service} không đọc luồng sự kiện {stream}.",
        "en": "The {service} service does not consume the stream {stream}.",
    },
    "dead_letter.not_found": {
        "vi": "Không có thư lỗi {dlq_id} trên luồng {stream} cho dịch vụ này.",
        "en": "No dead letter {dlq_id} on {stream} for this service.",
    },
    "registry.unavailable": {
        "vi": "Chưa kiểm tra được HTX với dịch vụ đăng ký; hãy thử lại sau giây lát.",
        "en": "The registry could not be reached to check the co-op; try again shortly.",
    },
}


def language_of(request: Request | None) -> Language:
    """Vietnamese unless the request prefers English (`?lang=en` or Accept-Language)."""
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


def translate(key: str, language: Language, **values: object) -> str:
    return MESSAGES[key][language].format(**values)
