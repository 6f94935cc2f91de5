"""Vietnamese and English texts of reporting: its refusals, registered with shared.i18n, and the
words of the public dashboard page."""

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
    "report.year_future": {
        "vi": "Năm {raw} chưa đến; chọn một năm đến {this_year}.",
        "en": "The year {raw} has not come yet; choose one up to {this_year}.",
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
    "rebuild.not_found": {
        "vi": "Không có lần dựng lại số liệu báo cáo số {job_id}.",
        "en": "No rebuild job {job_id}.",
    },
    "rebuild.none": {
        "vi": "Chưa có lần dựng lại số liệu báo cáo nào; bắt đầu bằng POST /admin/rebuild.",
        "en": "No rebuild has been started yet; start one with POST /admin/rebuild.",
    },
}

register(MESSAGES)

# The dashboard page's words, per language (the template picks them by key; not refusals, so not registered).
DASHBOARD: dict[str, dict] = {
    "vi": {
        "title": "Bảng chỉ tiêu kinh tế tập thể tỉnh Thái Nguyên",
        "year": "Năm",
        "figure": "Chỉ tiêu",
        "value": "Thực hiện",
        "target": "Mục tiêu",
        "met": "Đạt",
        "yes": "Đạt",
        "no": "Chưa đạt",
        "na": "Chưa có số liệu",
        "no_target": "Không có mục tiêu",
        "coops": "Tổ chức kinh tế tập thể",
        "form": "Loại hình",
        "total": "Tổng",
        "active": "Đang hoạt động",
        "suspended": "Tạm ngừng",
        "dissolved": "Giải thể",
        "members": "Thành viên",
        "workers": "Người lao động",
        "as_of": "Số liệu đến ngày",
        "year_running": "năm chưa kết thúc",
        "no_plan": "Năm {year} không thuộc kỳ kế hoạch nào, nên không có mục tiêu để so.",
        "pick_year": "Năm",
        "plan_period": "Kỳ kế hoạch",
        "other_years": "Ngoài kỳ kế hoạch",
        "show": "Xem",
        "comparisons": {">=": "ít nhất {value}", ">": "trên {value}", "<=": "nhiều nhất {value}", "<": "dưới {value}"},
        "trend": "Qua các năm",
        "volumes": "Sản xuất và tiêu thụ",
        "harvest": "Thu hoạch",
        "sold": "Bán qua chuỗi truy xuất",
        "lots": {"other": "lô"},
        "sales": {"other": "lần bán"},
        "other_language": "English",
        "labels": {
            "new_coops": "HTX thành lập mới trong năm",
            "new_unions": "Liên hiệp HTX mới từ đầu kỳ kế hoạch",
            "effective_share": "Tỷ lệ HTX xếp loại Tốt, Khá",
            "member_income_growth": "Tăng thu nhập bình quân của thành viên",
            "contract_share": "Tỷ lệ HTX có hợp đồng liên kết chuỗi",
            "traced_sales_share": "Tỷ lệ HTX có bán hàng truy xuất được",
        },
        "forms": {"to_hop_tac": "Tổ hợp tác", "hop_tac_xa": "Hợp tác xã", "lien_hiep": "Liên hiệp HTX"},
        "income": "Thu nhập bình quân thành viên từ chuỗi",
    },
    "en": {
        "title": "Thái Nguyên co-operative economy scorecard",
        "year": "Year",
        "figure": "Figure",
        "value": "Actual",
        "target": "Target",
        "met": "Met",
        "yes": "Met",
        "no": "Not met",
        "na": "No data yet",
        "no_target": "No target",
        "coops": "Co-operative organisations",
        "form": "Form",
        "total": "Total",
        "active": "Active",
        "suspended": "Suspended",
        "dissolved": "Dissolved",
        "members": "Members",
        "workers": "Workers",
        "as_of": "Figures as of",
        "year_running": "the year is not over",
        "no_plan": "No plan covers {year}, so there is no target to compare with.",
        "pick_year": "Year",
        "plan_period": "Plan",
        "other_years": "Outside any plan",
        "show": "Show",
        "comparisons": {
            ">=": "at least {value}",
            ">": "more than {value}",
            "<=": "at most {value}",
            "<": "less than {value}",
        },
        "trend": "Over the years",
        "volumes": "Production and sales",
        "harvest": "Harvested",
        "sold": "Sold with a trace",
        "lots": {"one": "lot", "other": "lots"},
        "sales": {"one": "sale", "other": "sales"},
        "other_language": "Tiếng Việt",
        "labels": {
            "new_coops": "New co-ops founded in the year",
            "new_unions": "New co-op unions since the plan began",
            "effective_share": "Share of co-ops graded Good or Fair",
            "member_income_growth": "Growth of members' average income",
            "contract_share": "Share of co-ops with a chain contract",
            "traced_sales_share": "Share of co-ops with traced sales",
        },
        "forms": {"to_hop_tac": "Co-operative group", "hop_tac_xa": "Co-operative", "lien_hiep": "Co-op union"},
        "income": "Members' average income from the chain",
    },
}
