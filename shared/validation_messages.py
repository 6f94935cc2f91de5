"""Pydantic's validation messages in Vietnamese, for the errors people meet.

A 422 item keeps pydantic's shape (`type`, `loc`, `msg`, `input`, `ctx`); only `msg` is told in the
request's language. The Vietnamese text is chosen by the error's `type` and filled with its `ctx`
values (the limit, the pattern, the allowed values). English keeps pydantic's own sentence, and so
does a type without a Vietnamese text here: a clear English sentence rather than a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.i18n import Language

_DATE = "Phải là một ngày dạng YYYY-MM-DD, ví dụ 2025-05-10."
_DATETIME = "Phải là ngày giờ dạng ISO 8601, ví dụ 2025-05-10T07:30:00+07:00."
_OBJECT = "Phải là một đối tượng JSON ({{...}})."
_LIST = "Phải là một danh sách (mảng JSON [...])."
_BOOLEAN = "Phải là true hoặc false."
_URL = "Phải là một địa chỉ URL hợp lệ, ví dụ https://htx.example.vn."

# pydantic error type -> Vietnamese, with str.format placeholders from the error's ctx.
VIETNAMESE: dict[str, str] = {
    "missing": "Trường này là bắt buộc.",
    "extra_forbidden": "Không có trường này; hãy kiểm tra tên trường hoặc bỏ nó đi.",
    "none_required": "Trường này phải để trống (null).",
    "string_type": "Phải là một chuỗi ký tự.",
    "string_unicode": "Phải là một chuỗi ký tự Unicode hợp lệ.",
    "string_too_short": "Phải có ít nhất {min_length} ký tự.",
    "string_too_long": "Không được dài quá {max_length} ký tự.",
    "string_pattern_mismatch": "Không đúng định dạng yêu cầu (mẫu {pattern}).",
    "string_not_ascii": "Chỉ được dùng chữ cái, chữ số và ký hiệu ASCII (không dấu).",
    "too_short": "Phải có ít nhất {min_length} phần tử.",
    "too_long": "Không được quá {max_length} phần tử.",
    "greater_than": "Phải lớn hơn {gt}.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "less_than": "Phải nhỏ hơn {lt}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "multiple_of": "Phải là bội số của {multiple_of}.",
    "finite_number": "Phải là một số hữu hạn (không phải NaN hay vô cực).",
    "int_type": "Phải là một số nguyên.",
    "int_parsing": "Phải là một số nguyên, ví dụ 12.",
    "int_parsing_size": "Số nguyên quá dài để đọc được.",
    "int_from_float": "Phải là một số nguyên, không có phần thập phân.",
    "float_type": "Phải là một số.",
    "float_parsing": "Phải là một số, ví dụ 12.5 (dấu chấm thập phân).",
    "decimal_type": "Phải là một số thập phân, ví dụ 12.5.",
    "decimal_parsing": "Phải là một số thập phân, ví dụ 12.5 (dấu chấm thập phân).",
    "decimal_max_digits": "Không được quá {max_digits} chữ số.",
    "decimal_max_places": "Không được quá {decimal_places} chữ số sau dấu thập phân.",
    "decimal_whole_digits": "Không được quá {whole_digits} chữ số trước dấu thập phân.",
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "Phải là một ngày, không kèm giờ.",
    "date_past": "Ngày phải ở quá khứ.",
    "date_future": "Ngày phải ở tương lai.",
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "datetime_past": "Thời điểm phải ở quá khứ.",
    "datetime_future": "Thời điểm phải ở tương lai.",
    "timezone_aware": "Ngày giờ phải có múi giờ, ví dụ 2025-05-10T07:30:00+07:00.",
    "timezone_naive": "Ngày giờ không được kèm múi giờ.",
    "time_type": "Phải là giờ dạng HH:MM hoặc HH:MM:SS, ví dụ 07:30.",
    "time_parsing": "Phải là giờ dạng HH:MM hoặc HH:MM:SS, ví dụ 07:30.",
    "time_delta_type": "Phải là một khoảng thời gian, ví dụ PT2H.",
    "time_delta_parsing": "Phải là một khoảng thời gian, ví dụ PT2H.",
    "enum": "Phải là {expected}.",
    "literal_error": "Phải là {expected}.",
    "json_invalid": "Nội dung không phải JSON hợp lệ; hãy kiểm tra dấu ngoặc, dấu phẩy và dấu nháy kép.",
    "json_type": "Phải là một chuỗi JSON.",
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dict_type": _OBJECT,
    "mapping_type": _OBJECT,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "frozen_set_type": _LIST,
    "iterable_type": _LIST,
    "union_tag_invalid": "Loại {tag} không có; {discriminator} phải là {expected_tags}.",
    "union_tag_not_found": "Thiếu trường {discriminator} cho biết loại dữ liệu.",
    "url_type": _URL,
    "url_parsing": _URL,
    "url_syntax_violation": _URL,
    "url_scheme": "Địa chỉ URL phải bắt đầu bằng {expected_schemes}.",
    "url_too_long": "Địa chỉ URL không được dài quá {max_length} ký tự.",
    "uuid_type": "Phải là một UUID, ví dụ 3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9c8d7e.",
    "uuid_parsing": "Phải là một UUID, ví dụ 3f2b8c1e-5d4a-4f6b-9c7d-2e1a0b9c8d7e.",
    "bytes_too_short": "Phải có ít nhất {min_length} byte.",
    "bytes_too_long": "Không được quá {max_length} byte.",
    # Our validators' own reason follows, in English unless it carries a message key (shared.errors).
    "value_error": "Giá trị không hợp lệ: {error}",
    "assertion_error": "Giá trị không hợp lệ: {error}",
}

# ctx values that list alternatives in English ("'a', 'b' or 'c'").
_ALTERNATIVES = ("expected", "expected_tags", "expected_schemes")


def validation_message(item: Mapping[str, Any], language: Language) -> str:
    """The `msg` of one 422 item in `language`; pydantic's own when there is no better one."""
    english = str(item.get("msg", ""))
    template = VIETNAMESE.get(str(item.get("type"))) if language == "vi" else None
    if template is None:
        return english
    values = {name: str(value) for name, value in (item.get("ctx") or {}).items()}
    for name in _ALTERNATIVES:
        if name in values:
            values[name] = values[name].replace(" or ", " hoặc ")
    try:
        return template.format(**values)
    except (KeyError, IndexError):  # an item made by hand without pydantic's ctx
        return english
