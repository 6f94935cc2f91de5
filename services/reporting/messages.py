"""Vietnamese and English texts of reporting's refusals, registered with shared.i18n."""

from __future__ import annotations

from shared.i18n import register

MESSAGES: dict[str, dict[str, str]] = {
    "report.year_missing": {
        "vi": "Thiếu tham số năm, ví dụ /kpis?year=2024.",
        "en": "The year is required, e.g. /kpis?year=2024.",
    },
    "report.year_invalid": {
        "vi": "Năm phải là số nguyên từ {year_min} đến {year_max}, nhận được {raw!r}.",
        "en": "The year must be a whole number from {year_min} to {year_max}; got {raw!r}.",
    },
    "report.period_missing": {
        "vi": "Cần chọn kỳ báo cáo: ?year=2024, hoặc ?from=2024-01-01&to=2024-06-30.",
        "en": "Choose a period: ?year=2024, or ?from=2024-01-01&to=2024-06-30.",
    },
    "report.period_both": {
        "vi": "Chỉ chọn một cách: năm (year) hoặc khoảng ngày (from, to), không cả hai.",
        "en": "Give either a year or a date range (from, to), not both.",
    },
    "report.date_invalid": {
        "vi": "Ngày phải có dạng YYYY-MM-DD, nhận được {raw!r}.",
        "en": "A date must look like YYYY-MM-DD; got {raw!r}.",
    },
    "report.period_order": {
        "vi": "Ngày bắt đầu {first} sau ngày kết thúc {last}.",
        "en": "The start {first} is after the end {last}.",
    },
    "report.format_invalid": {
        "vi": "Định dạng phải là json, csv hoặc xlsx, nhận được {raw!r}.",
        "en": "The format must be json, csv or xlsx; got {raw!r}.",
    },
    "report.commune_invalid": {
        "vi": "Mã xã/phường phải là chữ số, ví dụ 05488; nhận được {raw!r}.",
        "en": "A commune code is digits, e.g. 05488; got {raw!r}.",
    },
    "report.commune_unknown": {
        "vi": "Mã xã/phường {raw} không có trong danh mục hiện hành hay bảng mã cũ đã sáp nhập.",
        "en": "Commune code {raw} is neither current nor a known legacy code.",
    },
    "report.other_coop": {
        "vi": "Mã truy cập này chỉ xem được số liệu của HTX {own}, không phải HTX {target}.",
        "en": "This token may only see figures of co-op {own}, not co-op {target}.",
    },
    "report.unknown": {
        "vi": "Không có báo cáo {name}; các báo cáo: {known}.",
        "en": "No report named {name}; the reports are: {known}.",
    },
}

register(MESSAGES)
