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
    "report.table_format_invalid": {
        "vi": "Định dạng phải là html, csv hoặc xlsx, nhận được {raw!r}.",
        "en": "The format must be html, csv or xlsx; got {raw!r}.",
    },
    "report.grade_invalid": {
        "vi": "Xếp loại phải là một trong {known}, nhận được {raw!r}.",
        "en": "The grade must be one of {known}; got {raw!r}.",
    },
    "report.status_invalid": {
        "vi": "Tình trạng phải là một trong {known}, nhận được {raw!r}.",
        "en": "The status must be one of {known}; got {raw!r}.",
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
    "dashboard.coop_needed": {
        "vi": "Tài khoản tỉnh xem trang của một HTX: thêm ?coop_id=<mã HTX>.",
        "en": "A province account views one co-op's page: add ?coop_id=<co-op id>.",
    },
    "dashboard.registry_down": {
        "vi": "Chưa đăng nhập được: dịch vụ tài khoản (registry) không trả lời. Thử lại sau ít phút.",
        "en": "Cannot sign in: the accounts service (registry) does not answer. Try again in a few minutes.",
    },
    "dashboard.cross_site": {
        "vi": "Chỉ đăng nhập được từ trang đăng nhập của bảng chỉ tiêu, không từ trang khác ({site}).",
        "en": "Sign in from the dashboard's own sign-in page, not from another site ({site}).",
    },
    "dashboard.plan_unknown": {
        "vi": "Không có kế hoạch {plan}; các kế hoạch: {known}.",
        "en": "No plan {plan}; the plans are: {known}.",
    },
    "dashboard.list_unknown": {
        "vi": "Không có danh sách {name}; các danh sách: {known}.",
        "en": "No list named {name}; the lists are: {known}.",
    },
    "dashboard.table_unknown": {
        "vi": "Không có bảng {name}; các bảng: {known}.",
        "en": "No table named {name}; the tables are: {known}.",
    },
    "dashboard.table_private": {
        "vi": "Bảng {name} nêu tên từng HTX cùng kết quả kiểm tra; chỉ tài khoản của tỉnh được xem.",
        "en": "The table {name} names each co-op with its inspections; only province accounts may see it.",
    },
    "scorecard.year_running": {
        "vi": "Năm {year} chưa kết thúc (đến hết {last}): chỉ khoá sổ được năm đã qua.",
        "en": "The year {year} is not over (it runs to {last}): only a past year can be closed.",
    },
    "scorecard.closed": {
        "vi": "Bảng chỉ tiêu năm {year} đã được khoá sổ lúc {closed_at} bởi {closed_by}; không khoá lại lần nữa. "
        "Số liệu điều chỉnh sau đó hiện thành phần điều chỉnh bên cạnh số đã khoá.",
        "en": "The {year} scorecard was closed at {closed_at} by {closed_by}; it is not closed again. Later "
        "corrections show as restatements beside the closed figures.",
    },
    "scorecard.closed_meanwhile": {
        "vi": "Bảng chỉ tiêu năm {year} vừa được khoá sổ bởi một yêu cầu khác; xem GET /kpis?year={year}.",
        "en": "The {year} scorecard was just closed by another request; see GET /kpis?year={year}.",
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

# What each scorecard figure counts, in both languages (`kpis.definitions` fills in the days, formatted as
# each language writes them): `/kpis` carries them per figure and the dashboard shows them under each figure.
DEFINITIONS: dict[str, dict[str, str]] = {
    "coops": {
        "vi": "Tổ hợp tác, hợp tác xã và liên hiệp HTX thành lập đến hết {last}, theo tình trạng ngày {last}.",
        "en": "Co-operative groups, co-operatives and co-op unions founded by {last}, with their status on {last}.",
    },
    "new_coops": {
        "vi": "Số hợp tác xã có ngày thành lập từ {first} đến {last}; không tính tổ hợp tác và liên hiệp HTX.",
        "en": "Co-operatives founded from {first} to {last}; co-operative groups and co-op unions are not counted.",
    },
    "new_unions": {
        "vi": "Số liên hiệp HTX có ngày thành lập từ {first} đến {last}.",
        "en": "Co-op unions founded from {first} to {last}.",
    },
    "effective_share": {
        "vi": "Số hợp tác xã xếp loại Tốt hoặc Khá năm {year} ÷ số hợp tác xã được xếp loại năm {year} (bản xếp "
        "loại mới nhất của mỗi HTX); không tính tổ hợp tác, liên hiệp HTX và HTX không xếp loại.",
        "en": "Co-operatives graded Good or Fair for {year} ÷ co-operatives graded for {year} (each one's latest "
        "grading); co-operative groups, co-op unions and co-ops not graded are left out.",
    },
    "grading": {
        "vi": "Hợp tác xã được xếp loại năm {year}, theo bản xếp loại mới nhất của mỗi HTX; không tính tổ hợp tác "
        "và liên hiệp HTX.",
        "en": "Co-operatives graded for {year}, each by its latest grading; co-operative groups and co-op unions "
        "are not counted.",
    },
    "members": {
        "vi": "Thành viên và người lao động ngày {last}: đã vào trước hoặc đúng ngày đó, chưa ra trước ngày đó, "
        "của tổ chức còn hoạt động ngày {last} (tổ chức đã giải thể hay tạm ngừng không tính).",
        "en": "Members and workers on {last}: joined by then and not left before, of organisations active on {last} "
        "(those dissolved or suspended by then are not counted).",
    },
    "member_income": {
        "vi": "Thu nhập từ chuỗi: tiền HTX mua lô của hộ thành viên từ {first} đến {last}, bình quân trên số "
        "thành viên có bán.",
        "en": "Income from the chain: what co-ops paid member households for lots bought from {first} to {last}, "
        "averaged over the members who sold.",
    },
    "member_income_growth": {
        "vi": "Thu nhập bình quân của thành viên năm {year} ÷ năm {previous} − 1 (thu nhập từ chuỗi, như trên).",
        "en": "Members' average income in {year} ÷ in {previous} − 1 (income from the chain, as above).",
    },
    "chain": {
        "vi": "Hợp tác xã đang hoạt động ngày {last}; không tính tổ hợp tác và liên hiệp HTX.",
        "en": "Co-operatives active on {last}; co-operative groups and co-op unions are not counted.",
    },
    "contract_share": {
        "vi": "Trong các hợp tác xã đang hoạt động ngày {last}: có hợp đồng liên kết chuỗi còn hiệu lực một ngày "
        "nào đó từ {first} đến {last}.",
        "en": "Of the co-operatives active on {last}: with a chain contract valid on some day from {first} to {last}.",
    },
    "traced_sales_share": {
        "vi": "Trong các hợp tác xã đang hoạt động ngày {last}: có ít nhất một lần bán ghi trên chuỗi từ {first} "
        "đến {last}.",
        "en": "Of the co-operatives active on {last}: with at least one sale recorded on the chain from {first} to "
        "{last}.",
    },
    "commendations": {
        "vi": "Số lần khen thưởng trong các lần kiểm tra từ {first} đến {last}: một lần kiểm tra khen ba điều "
        "là ba lần.",
        "en": "Commendations given in inspections from {first} to {last}: one inspection commending three things "
        "counts three.",
    },
}

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
        "production": "Sản xuất và tiêu thụ",
        "scorecard": "Chỉ tiêu kế hoạch",
        "scorecard_province_wide": "Các chỉ tiêu kế hoạch tính cho toàn tỉnh; bộ lọc xã/phường và sản phẩm áp dụng cho các bảng bên dưới.",
        "plan_version": "phiên bản {version} do tỉnh ban hành",
        "plan_shipped": "bản gốc kèm hệ thống",
        "plans": "Kỳ kế hoạch",
        "commune": "Xã/phường",
        "all_communes": "Tất cả xã/phường",
        "product": "Sản phẩm",
        "all_products": "Tất cả sản phẩm",
        "lists_hint": "Đăng nhập bằng tài khoản của tỉnh để mở danh sách HTX sau mỗi con số.",
        "one_year": "Mới có một năm số liệu",
        "production_month": "Sản lượng thu hoạch theo tháng",
        "production_commune": "Sản lượng thu hoạch theo xã/phường",
        "tonnes": "tấn",
        "kg": "kg",
        "million_vnd": "triệu đồng",
        "grading": "Kết quả xếp loại HTX năm",
        "income_by_year": "Thu nhập bình quân của thành viên qua các năm",
        "inspections": "Kiểm tra, vi phạm, khen thưởng",
        "inspection_counts": {
            "inspections": "Số lần kiểm tra",
            "violations": "Số vi phạm",
            "resolved": "Đã khắc phục",
            "open": "Chưa khắc phục",
            "commendations": "Số lần khen thưởng",
        },
        "communes_without_coop": "Xã/phường chưa có tổ chức KTTT hoạt động",
        "download": "Tải về",
        "per_coop": "Từng HTX được kiểm tra ({count})",
        "graded_province_wide": "Số liệu toàn tỉnh: xếp loại và kiểm tra theo từng xã/phường chỉ tài khoản của tỉnh xem được "
        "(ở xã chỉ có một HTX, chúng là kết quả của chính HTX đó).",
        "total_row": "Tổng cộng",
        "nothing": "Không có số liệu",
        "back": "Về bảng chỉ tiêu",
        "rows_counted": {"other": "dòng"},
        "grades": {
            "tot": "Tốt",
            "kha": "Khá",
            "trung_binh": "Trung bình",
            "yeu": "Yếu",
            "not_graded": "Không xếp loại",
        },
        "grades_short": {"tot": "Tốt", "kha": "Khá", "trung_binh": "TB", "yeu": "Yếu", "not_graded": "Không XL"},
        "statuses": {"active": "Đang hoạt động", "suspended": "Tạm ngừng", "dissolved": "Giải thể"},
        "months": [],
        "closed": "Đã khoá sổ ngày {day} lúc {time} (giờ Việt Nam), bởi {by}",
        "closed_means": "Các chỉ tiêu dưới đây là số đã khoá sổ, kèm mục tiêu lúc đó.",
        "restated": "Số liệu đã thay đổi sau khi khoá sổ (một điều chỉnh khai báo sau ngày khoá sổ); số đã khoá "
        "giữ nguyên, phần điều chỉnh như sau:",
        "not_restated": "Số liệu hiện nay khớp với số đã khoá sổ.",
        "restatement": "{figure}: khi khoá sổ {frozen}, nay {current}, chênh lệch {difference}",
        "restated_mark": "đã điều chỉnh sau khoá sổ",
        "points": "điểm phần trăm",
        "closed_labels": {
            "organisations": "Tổng số tổ chức kinh tế tập thể",
            "members": "Số thành viên",
            "workers": "Số người lao động",
            "graded": "Số HTX được xếp loại",
            "effective": "Số HTX xếp loại Tốt, Khá",
            "member_income_average_vnd": "Thu nhập bình quân thành viên từ chuỗi",
        },
        "signed_in_as": "Đăng nhập:",
        "roles": {"province": "tỉnh", "coop": "HTX", "buyer": "người mua"},
        "sign_in": "Đăng nhập",
        "sign_out": "Đăng xuất",
        "sign_in_why": "Tài khoản của tỉnh xem được danh sách HTX sau mỗi con số; tài khoản HTX xem trang số liệu của HTX mình. Phiên đăng nhập kéo dài 15 phút.",
        "login": "Tên đăng nhập hoặc số điện thoại",
        "password": "Mật khẩu",
        "coop_private": "Trang này có tên và số tiền của từng hộ thành viên: chỉ HTX và tỉnh xem được.",
        "purchases": "Thu mua của hộ thành viên",
        "paid": "Đã trả hộ",
        "outstanding": "Còn nợ hộ",
        "stock_definition": "Tồn kho: các lô đã phân loại hoặc đóng gói chưa đưa vào công đoạn sau, trừ phần đã bán.",
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
        "production": "Production and sales",
        "scorecard": "Plan figures",
        "scorecard_province_wide": "The plan's figures are for the whole province; the commune and product filters apply to the tables below.",
        "plan_version": "version {version}, published by the province",
        "plan_shipped": "as shipped with the platform",
        "plans": "Plans",
        "commune": "Commune",
        "all_communes": "All communes",
        "product": "Product",
        "all_products": "All products",
        "lists_hint": "Sign in with a province account to open the list of co-ops behind each figure.",
        "one_year": "Only one year of figures so far",
        "production_month": "Harvest by month",
        "production_commune": "Harvest by commune",
        "tonnes": "tonnes",
        "kg": "kg",
        "million_vnd": "million VND",
        "grading": "Co-op grading for",
        "income_by_year": "Members' average income by year",
        "inspections": "Inspections, violations, commendations",
        "inspection_counts": {
            "inspections": "Inspections",
            "violations": "Violations",
            "resolved": "Resolved",
            "open": "Still open",
            "commendations": "Commendations",
        },
        "communes_without_coop": "Communes without an active co-operative organisation",
        "download": "Download",
        "per_coop": "Each co-op inspected ({count})",
        "graded_province_wide": "Figures for the whole province: grading and inspections by commune are for province "
        "accounts (in a commune of one co-op they would be that co-op's own results).",
        "total_row": "Total",
        "nothing": "No figures",
        "back": "Back to the scorecard",
        "rows_counted": {"one": "row", "other": "rows"},
        "grades": {"tot": "Good", "kha": "Fair", "trung_binh": "Average", "yeu": "Weak", "not_graded": "Not graded"},
        "grades_short": {"tot": "Good", "kha": "Fair", "trung_binh": "Avg.", "yeu": "Weak", "not_graded": "None"},
        "statuses": {"active": "Active", "suspended": "Suspended", "dissolved": "Dissolved"},
        "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        "closed": "Closed on {day} at {time} (Vietnam time) by {by}",
        "closed_means": "The figures below are those frozen at the close, with the targets of that day.",
        "restated": "The figures have changed since the close (a correction declared after it); the closed "
        "figures stand, and the restatement is:",
        "not_restated": "Today's figures agree with the closed ones.",
        "restatement": "{figure}: {frozen} at the close, {current} now, a difference of {difference}",
        "restated_mark": "restated since the close",
        "points": "percentage points",
        "closed_labels": {
            "organisations": "Co-operative organisations in all",
            "members": "Members",
            "workers": "Workers",
            "graded": "Co-ops graded",
            "effective": "Co-ops graded Good or Fair",
            "member_income_average_vnd": "Members' average income from the chain",
        },
        "signed_in_as": "Signed in:",
        "roles": {"province": "province", "coop": "co-op", "buyer": "buyer"},
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "sign_in_why": "Province accounts see the co-ops behind each figure; a co-op's accounts see their co-op's own page. "
        "A sign-in lasts 15 minutes.",
        "login": "User name or phone number",
        "password": "Password",
        "coop_private": "This page names each member household and its money: only the co-op and the province see it.",
        "purchases": "Bought from member households",
        "paid": "Paid to households",
        "outstanding": "Still owed to households",
        "stock_definition": "Stock: graded or packed lots not taken by a later step, less what was sold of them.",
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
