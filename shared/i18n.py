"""Vietnamese first, English available: user-facing messages in the request's language."""

from __future__ import annotations

from typing import Literal

from fastapi import Request

Language = Literal["vi", "en"]

MESSAGES: dict[str, dict[str, str]] = {
    # --- EPCIS interface (supplychain/epcis) ---
    "epcis.invalid_document": {
        "vi": "Tài liệu EPCIS không đúng JSON Schema EPCIS 2.0 của GS1 ({count} lỗi, xem errors); không sự kiện nào được lưu.",
        "en": "The EPCIS document does not conform to GS1's EPCIS 2.0 JSON Schema ({count} errors, see errors); no event was stored.",
    },
    "epcis.not_json": {
        "vi": "Nội dung gửi lên không phải JSON hợp lệ ({reason}).",
        "en": "The body is not valid JSON ({reason}).",
    },
    "epcis.unsupported_media_type": {
        "vi": "Chỉ nhận tài liệu EPCIS dạng JSON-LD (application/json hoặc application/ld+json), không nhận {content_type}.",
        "en": "Only JSON-LD EPCIS documents are accepted (application/json or application/ld+json), not {content_type}.",
    },
    "epcis.too_many_events": {
        "vi": "Tài liệu có {count} sự kiện; mỗi lần gửi tối đa {limit} sự kiện, hãy chia nhỏ.",
        "en": "The document has {count} events; at most {limit} per capture, split it.",
    },
    "epcis.too_large": {
        "vi": "Tài liệu quá lớn ({size} byte); giới hạn là {limit} byte, hãy chia nhỏ.",
        "en": "The document is too large ({size} bytes); the limit is {limit} bytes, split it.",
    },
    "epcis.error_behaviour": {
        "vi": 'GS1-Capture-Error-Behaviour phải là rollback hoặc proceed, không phải "{value}".',
        "en": 'GS1-Capture-Error-Behaviour must be rollback or proceed, not "{value}".',
    },
    "epcis.duplicate_event": {
        "vi": "Sự kiện {event_id} (vị trí {index}) đã có trong kho; mỗi eventID chỉ lưu một lần.",
        "en": "Event {event_id} (position {index}) is already stored; an eventID is stored once.",
    },
    "epcis.already_declared": {
        "vi": "Sự kiện {event_id} (vị trí {index}) đã có khai báo lỗi; mỗi sự kiện chỉ khai báo lỗi một lần.",
        "en": "Event {event_id} (position {index}) already has an error declaration; an event is declared wrong once.",
    },
    "epcis.concurrent_duplicate": {
        "vi": "Một sự kiện trong tài liệu vừa được lưu bởi lần gửi khác cùng lúc; không sự kiện nào được lưu.",
        "en": "An event of the document was just stored by another capture at the same time; no event was stored.",
    },
    "epcis.event_not_found": {
        "vi": "Không có sự kiện EPCIS {event_id}.",
        "en": "No EPCIS event {event_id}.",
    },
    "epcis.capture_not_found": {
        "vi": "Không có phiên ghi nhận (capture) {capture_id}.",
        "en": "No capture job {capture_id}.",
    },
    "epcis.parameter.unknown": {
        "vi": "Tham số truy vấn {name} không có trong EPCIS 2.0.",
        "en": "{name} is not an EPCIS 2.0 query parameter.",
    },
    "epcis.parameter.unsupported": {
        "vi": "Kho EPCIS này chưa hỗ trợ tham số truy vấn {name}.",
        "en": "This EPCIS repository does not support the query parameter {name}.",
    },
    "epcis.parameter.empty": {
        "vi": "Tham số {name} không có giá trị.",
        "en": "The parameter {name} has no value.",
    },
    "epcis.parameter.timestamp": {
        "vi": "Tham số {name} phải là thời điểm có múi giờ, ví dụ 2025-05-10T07:30:00+07:00.",
        "en": "The parameter {name} must be a date-time with a time zone, e.g. 2025-05-10T07:30:00+07:00.",
    },
    "epcis.parameter.boolean": {
        "vi": "Tham số {name} phải là true hoặc false.",
        "en": "The parameter {name} must be true or false.",
    },
    "epcis.parameter.number": {
        "vi": "Tham số {name} phải là số nguyên từ 1 trở lên.",
        "en": "The parameter {name} must be a whole number, at least 1.",
    },
    "epcis.parameter.choice": {
        "vi": "Tham số {name} chỉ nhận: {choices}.",
        "en": "The parameter {name} accepts only: {choices}.",
    },
    "epcis.parameter.exclusive": {
        "vi": "Không dùng cùng lúc eventCountLimit và maxEventCount.",
        "en": "eventCountLimit and maxEventCount cannot be used together.",
    },
    "epcis.parameter.needs_order": {
        "vi": "eventCountLimit cần kèm orderBy.",
        "en": "eventCountLimit needs orderBy.",
    },
    "epcis.parameter.token": {
        "vi": 'nextPageToken không hợp lệ hoặc thuộc truy vấn có thứ tự khác; hãy dùng đúng liên kết rel="next".',
        "en": 'nextPageToken is invalid or belongs to a query with another order; follow the rel="next" link as given.',
    },
    "epcis.query_too_large": {
        "vi": "Có hơn {limit} sự kiện khớp truy vấn (maxEventCount); hãy thu hẹp điều kiện.",
        "en": "More than {limit} events match the query (maxEventCount); narrow it down.",
    },
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
    "ward.format": {
        "vi": 'Mã xã/phường "{code}" phải gồm tối đa 5 chữ số, ví dụ 05488.',
        "en": 'The commune/ward code "{code}" must be up to 5 digits, e.g. 05488.',
    },
    "ward.required": {
        "vi": "Cần mã xã/phường (hoặc mã xã cũ trước 01/7/2025), ví dụ 05488.",
        "en": "A commune/ward code (or a pre-July-2025 code) is required, e.g. 05488.",
    },
    "ward.legacy_unknown": {
        "vi": "Mã xã cũ {code} không có trong bảng các xã đã sáp nhập.",
        "en": "The legacy commune code {code} is not in the table of merged communes.",
    },
    "ward.legacy_mismatch": {
        "vi": "Xã cũ {legacy} ({name}) nay thuộc mã {current}, không phải {code}.",
        "en": "Former commune {legacy} ({name}) is now part of {current}, not {code}.",
    },
    "date.future": {
        "vi": "Ngày {value} ở tương lai.",
        "en": "The date {value} is in the future.",
    },
    "member.not_found": {
        "vi": "Không tìm thấy thành viên {member_id} của HTX {coop_id}.",
        "en": "No member {member_id} in co-op {coop_id}.",
    },
    "member.not_member_on_date": {
        "vi": "Hộ {member_id} không phải thành viên của HTX {coop_id} vào ngày {on}.",
        "en": "Household {member_id} was not a member of co-op {coop_id} on {on}.",
    },
    "coop.dissolved": {
        "vi": "HTX {coop_id} đã giải thể; không thể đổi trạng thái nữa.",
        "en": "Co-op {coop_id} is dissolved; its status can no longer change.",
    },
    "coop.status_unchanged": {
        "vi": "HTX {coop_id} đang ở trạng thái {status} rồi.",
        "en": "Co-op {coop_id} already has the status {status}.",
    },
    "coop.status_before_founding": {
        "vi": "Ngày hiệu lực {on} trước ngày thành lập {founded}.",
        "en": "The effective date {on} is before the founding date {founded}.",
    },
    "coop.status_out_of_order": {
        "vi": "Ngày hiệu lực {on} trước lần đổi trạng thái gần nhất ({last}).",
        "en": "The effective date {on} is before the latest status change ({last}).",
    },
    "member.joined_before_founding": {
        "vi": "Ngày vào {on} trước ngày thành lập HTX ({founded}).",
        "en": "The joining date {on} is before the co-op was founded ({founded}).",
    },
    "member.duplicate_id_number": {
        "vi": "Số giấy tờ tùy thân này đã có trong danh sách thành viên của HTX {coop_id}.",
        "en": "This ID number is already on co-op {coop_id}'s member list.",
    },
    "member.already_left": {
        "vi": "Thành viên {member_id} đã ra khỏi HTX ngày {on}.",
        "en": "Member {member_id} already left on {on}.",
    },
    "member.left_before_joined": {
        "vi": "Ngày ra {on} trước ngày vào {joined}.",
        "en": "The leaving date {on} is before the joining date {joined}.",
    },
    "union.not_union": {
        "vi": "Tổ chức {coop_id} không phải liên hiệp hợp tác xã.",
        "en": "Organisation {coop_id} is not a co-op union.",
    },
    "union.member_not_coop": {
        "vi": "Thành viên của liên hiệp phải là hợp tác xã; tổ chức {coop_id} không phải hợp tác xã.",
        "en": "A union's members must be co-ops; organisation {coop_id} is not a co-op.",
    },
    "union.already_member": {
        "vi": "HTX {coop_id} đang là thành viên của liên hiệp {union_id}.",
        "en": "Co-op {coop_id} is already a member of union {union_id}.",
    },
    "union.not_member": {
        "vi": "HTX {coop_id} hiện không phải thành viên của liên hiệp {union_id}.",
        "en": "Co-op {coop_id} is not currently a member of union {union_id}.",
    },
    "union.joined_before_founding": {
        "vi": "Ngày gia nhập {on} trước ngày thành lập của liên hiệp hoặc HTX.",
        "en": "The joining date {on} is before the union or the co-op was founded.",
    },
    "union.left_before_joined": {
        "vi": "Ngày rời {on} trước ngày gia nhập {joined}.",
        "en": "The leaving date {on} is before the joining date {joined}.",
    },
    "partner.not_found": {
        "vi": "Không tìm thấy đối tác có mã {partner_id}.",
        "en": "No partner with id {partner_id}.",
    },
    "import.unreadable": {
        "vi": "Không đọc được tệp {file}: cần tệp CSV (UTF-8) hoặc XLSX có dòng tiêu đề. ({reason})",
        "en": "Cannot read {file}: send a CSV (UTF-8) or XLSX file with a header row. ({reason})",
    },
    "import.too_large": {
        "vi": "Tệp quá lớn ({size} byte); giới hạn là {limit} byte.",
        "en": "The file is too large ({size} bytes); the limit is {limit} bytes.",
    },
    "import.has_errors": {
        "vi": "Tệp có {count} lỗi; chưa nhập dòng nào. Sửa các lỗi trong báo cáo, hoặc gửi lại với accept_valid_rows=true để chỉ nhập các dòng hợp lệ.",
        "en": "The file has {count} errors; nothing was imported. Fix the errors in the report, or send it again with accept_valid_rows=true to import only the valid rows.",
    },
    "import.conflict": {
        "vi": "Sổ đăng ký vừa thay đổi trong lúc nhập (mã trùng); chưa nhập dòng nào. Hãy gửi lại tệp.",
        "en": "The register changed during the import (a code was taken); nothing was imported. Send the file again.",
    },
    "import.missing_column": {
        "vi": 'Thiếu cột bắt buộc "{column}".',
        "en": 'The required column "{column}" is missing.',
    },
    "import.unknown_column": {
        "vi": 'Cột "{column}" không có trong mẫu; bị bỏ qua.',
        "en": 'The column "{column}" is not in the template; it was ignored.',
    },
    "import.required": {
        "vi": "Ô này không được để trống.",
        "en": "This cell must not be empty.",
    },
    "import.bad_date": {
        "vi": '"{value}" không phải ngày hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 15/04/2009.',
        "en": '"{value}" is not a valid date; write it as dd/mm/yyyy, e.g. 15/04/2009.',
    },
    "import.bad_number": {
        "vi": '"{value}" không phải số nguyên không âm (đồng).',
        "en": '"{value}" is not a whole non-negative number (VND).',
    },
    "import.bad_choice": {
        "vi": '"{value}" không hợp lệ; chọn một trong: {choices}.',
        "en": '"{value}" is not valid; choose one of: {choices}.',
    },
    "import.invalid": {
        "vi": "Giá trị không hợp lệ: {reason}.",
        "en": "Invalid value: {reason}.",
    },
    "import.duplicate_in_file": {
        "vi": "Trùng với dòng {row} trong cùng tệp.",
        "en": "Repeats row {row} of the same file.",
    },
    "import.unknown_coop": {
        "vi": "Không có HTX nào với mã số đăng ký {code}.",
        "en": "No co-op with registration code {code}.",
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
    "registry.unavailable": {
        "vi": "Chưa kiểm tra được HTX với dịch vụ đăng ký; hãy thử lại sau giây lát.",
        "en": "The registry could not be reached to check the co-op; try again shortly.",
    },
    # registry part B: plots, certificates, gradings, inspections, compliance flags
    "plot.geometry_type": {
        "vi": "Toạ độ thửa phải là GeoJSON kiểu Point hoặc Polygon (nhận được: {kind}).",
        "en": "Plot geometry must be a GeoJSON Point or Polygon (got: {kind}).",
    },
    "plot.geometry_position": {
        "vi": "Vị trí {where} phải là [kinh độ, vĩ độ].",
        "en": "Position {where} must be [longitude, latitude].",
    },
    "plot.geometry_coordinate": {
        "vi": "Toạ độ tại {where} phải là số (nhận được: {value}).",
        "en": "Coordinate at {where} must be a number (got: {value}).",
    },
    "plot.geometry_out_of_range": {
        "vi": "Toạ độ {where} ngoài phạm vi WGS 84 (kinh độ {lon}, vĩ độ {lat}); GeoJSON ghi [kinh độ, vĩ độ], kinh độ -180..180, vĩ độ -90..90.",
        "en": "Position {where} is outside WGS 84 (lon {lon}, lat {lat}); GeoJSON order is [longitude, latitude], longitude -180..180, latitude -90..90.",
    },
    "plot.geometry_rings": {
        "vi": "Polygon phải có ít nhất một vòng toạ độ.",
        "en": "A Polygon needs at least one ring.",
    },
    "plot.geometry_ring_short": {
        "vi": "Vòng {ring} của Polygon cần ít nhất 4 điểm (điểm cuối trùng điểm đầu).",
        "en": "Ring {ring} of the Polygon needs at least 4 positions (the last equal to the first).",
    },
    "plot.geometry_ring_open": {
        "vi": "Vòng {ring} của Polygon chưa khép kín: điểm cuối phải trùng điểm đầu.",
        "en": "Ring {ring} of the Polygon is not closed: the last position must equal the first.",
    },
    "plot.geometry_ring_flat": {
        "vi": "Vòng {ring} của Polygon không bao diện tích nào (các điểm thẳng hàng).",
        "en": "Ring {ring} of the Polygon encloses no area (its positions are collinear).",
    },
    "plot.polygon_required": {
        "vi": "Thửa {area_ha} ha: từ {threshold} ha trở lên phải khai ranh giới Polygon, không chỉ một điểm (quy định chống phá rừng của EU).",
        "en": "Plot of {area_ha} ha: from {threshold} ha up a Polygon boundary is required, not a single Point (EU deforestation rules).",
    },
    "plot.duplicate_code": {
        "vi": "Mã số vùng trồng {code} đã được đăng ký.",
        "en": "Planting-area code {code} is already registered.",
    },
    "plot.not_found": {
        "vi": "Không tìm thấy thửa {plot_id}.",
        "en": "No plot {plot_id}.",
    },
    "plot.member_left": {
        "vi": "Hộ {member_id} đã rời HTX ngày {left_on}; không thể đăng ký thửa mới cho hộ này.",
        "en": "Household {member_id} left the co-op on {left_on}; no new plot can be registered for it.",
    },
    "plot.other_coop": {
        "vi": "Thửa {plot_id} không thuộc HTX {coop_id}.",
        "en": "Plot {plot_id} does not belong to co-op {coop_id}.",
    },
    "certificate.not_found": {
        "vi": "Không tìm thấy chứng nhận {certificate_id}.",
        "en": "No certificate {certificate_id}.",
    },
    "certificate.duplicate": {
        "vi": "Chứng nhận {kind} số {code} của {issuer} đã được ghi nhận.",
        "en": "Certificate {kind} number {code} from {issuer} is already recorded.",
    },
    "certificate.window": {
        "vi": "Ngày hết hiệu lực {valid_to} trước ngày bắt đầu {valid_from}.",
        "en": "The end date {valid_to} is before the start date {valid_from}.",
    },
    "certificate.stars_not_ocop": {
        "vi": "Chỉ chứng nhận OCOP mới có số sao hoặc điểm (đây là {kind}).",
        "en": "Only OCOP certificates carry stars or a score (this one is {kind}).",
    },
    "certificate.ocop_needs_stars": {
        "vi": "Chứng nhận OCOP cần số sao (3-5) hoặc điểm đánh giá (trên 100).",
        "en": "An OCOP certificate needs its stars (3-5) or its score (out of 100).",
    },
    "certificate.ocop_stars_range": {
        "vi": "Sản phẩm OCOP được xếp 3, 4 hoặc 5 sao (nhận được: {stars}).",
        "en": "OCOP products are rated 3, 4 or 5 stars (got: {stars}).",
    },
    "certificate.ocop_score_too_low": {
        "vi": "{score} điểm chưa đạt hạng sao OCOP (tối thiểu {minimum} điểm cho 3 sao).",
        "en": "{score} points earn no OCOP star ({minimum} points at least for 3 stars).",
    },
    "certificate.ocop_stars_mismatch": {
        "vi": "{score} điểm tương ứng {expected} sao, không phải {stars} sao.",
        "en": "{score} points means {expected} stars, not {stars}.",
    },
    "certificate.already_revoked": {
        "vi": "Chứng nhận đã bị thu hồi ngày {revoked_on}.",
        "en": "The certificate was already revoked on {revoked_on}.",
    },
    "certificate.revoked_in_future": {
        "vi": "Ngày thu hồi {revoked_on} ở tương lai; chỉ ghi nhận việc thu hồi đã xảy ra.",
        "en": "Revocation date {revoked_on} is in the future; record a revocation once it has happened.",
    },
    "certificate.revoked_after_end": {
        "vi": "Ngày thu hồi {revoked_on} sau ngày hết hiệu lực {valid_to}: chứng nhận đã hết hạn.",
        "en": "Revocation date {revoked_on} is after the end date {valid_to}: the certificate had already expired.",
    },
    "grading.scheme_unknown": {
        "vi": "Không có bộ tiêu chí xếp loại {scheme}.",
        "en": "No grading scheme {scheme}.",
    },
    "grading.scheme_exists": {
        "vi": "Bộ tiêu chí {scheme} đã có; phiên bản mới cần mã mới.",
        "en": "Grading scheme {scheme} exists; a new version needs a new code.",
    },
    "grading.scheme_thresholds": {
        "vi": "Ngưỡng xếp loại phải giảm dần, hạng cuối bắt đầu từ 0 điểm và không vượt tổng điểm.",
        "en": "Grade thresholds must decrease, the last starting at 0 points, none above the total.",
    },
    "grading.scheme_criteria": {
        "vi": "Cần điểm cho đúng các nhóm tiêu chí: {criteria}.",
        "en": "Scores are needed for exactly these criteria: {criteria}.",
    },
    "grading.score_range": {
        "vi": "Điểm {criterion} = {score} ngoài khoảng 0..{maximum}.",
        "en": "Score {criterion} = {score} is outside 0..{maximum}.",
    },
    "grading.total_too_high": {
        "vi": "Tổng điểm {total} vượt quá {maximum}.",
        "en": "The total {total} is above {maximum}.",
    },
    "grading.scores_required": {
        "vi": "HTX {coop_id} thuộc diện xếp loại năm {year}: cần điểm các nhóm tiêu chí.",
        "en": "Co-op {coop_id} is to be graded for {year}: the criteria scores are needed.",
    },
    "grading.year_not_finished": {
        "vi": "Năm {year} chưa kết thúc; chỉ xếp loại năm đã qua.",
        "en": "The year {year} has not ended; only finished years are graded.",
    },
    "grading.before_founding": {
        "vi": "HTX thành lập ngày {founded_on}, chưa tồn tại trong năm {year}.",
        "en": "The co-op was founded on {founded_on} and did not exist in {year}.",
    },
    "grading.duplicate": {
        "vi": "HTX {coop_id} đã được xếp loại năm {year}; muốn sửa thì gửi xếp loại lại kèm lý do.",
        "en": "Co-op {coop_id} is already graded for {year}; to correct it, send a regrade with a reason.",
    },
    "grading.not_found": {
        "vi": "HTX {coop_id} chưa được xếp loại năm {year}.",
        "en": "Co-op {coop_id} has no grading for {year}.",
    },
    "inspection.not_found": {
        "vi": "Không tìm thấy đợt kiểm tra {inspection_id} của HTX {coop_id}.",
        "en": "No inspection {inspection_id} of co-op {coop_id}.",
    },
    "inspection.in_future": {
        "vi": "Ngày kiểm tra {inspected_on} ở tương lai.",
        "en": "Inspection date {inspected_on} is in the future.",
    },
    "inspection.deadline_before": {
        "vi": "Hạn khắc phục {deadline} trước ngày kiểm tra {inspected_on}.",
        "en": "Correction deadline {deadline} is before the inspection date {inspected_on}.",
    },
    "violation.not_found": {
        "vi": "Không tìm thấy vi phạm {violation_id} trong đợt kiểm tra {inspection_id}.",
        "en": "No violation {violation_id} in inspection {inspection_id}.",
    },
    "violation.already_resolved": {
        "vi": "Vi phạm {violation_id} đã được khắc phục ngày {resolved_on}.",
        "en": "Violation {violation_id} was already resolved on {resolved_on}.",
    },
    "violation.resolved_date": {
        "vi": "Ngày khắc phục {resolved_on} phải trong khoảng từ ngày kiểm tra {inspected_on} đến hôm nay.",
        "en": "Resolution date {resolved_on} must be between the inspection date {inspected_on} and today.",
    },
    "flag.coop_below_min_members": {
        "vi": "HTX có {count} thành viên chính thức, dưới mức tối thiểu {minimum}.",
        "en": "The co-op has {count} official members, below the minimum of {minimum}.",
    },
    "flag.union_below_min_coops": {
        "vi": "Liên hiệp HTX có {count} HTX thành viên, dưới mức tối thiểu {minimum}.",
        "en": "The union has {count} member co-ops, below the minimum of {minimum}.",
    },
    "flag.certificate_expired_unreplaced": {
        "vi": "Chứng nhận {kind} số {code} hết hạn ngày {valid_to} và chưa có chứng nhận thay thế cho cùng phạm vi.",
        "en": "Certificate {kind} number {code} expired on {valid_to} and nothing replaces it for the same scope.",
    },
    "flag.violation_overdue": {
        "vi": 'Vi phạm "{description}" (kiểm tra {inspection_id}) quá hạn khắc phục {deadline}, vẫn chưa khắc phục.',
        "en": 'Violation "{description}" (inspection {inspection_id}) passed its correction deadline {deadline} and is still open.',
    },
    # --- supplychain chain commands ---
    "lot.unit_mismatch": {
        "vi": "Lô {lot_code} tính theo đơn vị {unit}, không phải {given}.",
        "en": "Lot {lot_code} is counted in {unit}, not {given}.",
    },
    "lot.whole_units": {
        "vi": "Lô {lot_code} tính theo sản phẩm: số lượng {quantity} phải là số nguyên.",
        "en": "Lot {lot_code} is counted in pieces: {quantity} must be a whole number.",
    },
    "purchase.not_harvest": {
        "vi": "Lô {lot_code} không phải lô thu hoạch của hộ thành viên; chỉ mua được lô thu hoạch.",
        "en": "Lot {lot_code} is not a household's harvest lot; only harvest lots can be purchased.",
    },
    "purchase.exceeds_harvest": {
        "vi": "Lô {lot_code} thu hoạch {harvested} kg, đã mua {bought} kg; không thể mua thêm {requested} kg.",
        "en": "Lot {lot_code} was harvested at {harvested} kg and {bought} kg is already bought; cannot buy {requested} kg more.",
    },
    "yield.range": {
        "vi": "Tỷ lệ thu hồi tối thiểu {min_ratio} lớn hơn tối đa {max_ratio}.",
        "en": "The minimum yield {min_ratio} is above the maximum {max_ratio}.",
    },
    "transform.impossible_yield": {
        "vi": "Không thể có: công đoạn {step} nhận {input_kg} kg mà ra {output_kg} kg.",
        "en": "Impossible: the {step} step took {input_kg} kg and gave {output_kg} kg.",
    },
    "batch.duplicate": {
        "vi": "Mẻ {batch_id} đã tồn tại.",
        "en": "Batch {batch_id} already exists.",
    },
    "shipment.not_found": {
        "vi": "Không tìm thấy chuyến hàng {shipment_id}.",
        "en": "No shipment {shipment_id}.",
    },
    "shipment.other_partner": {
        "vi": "Chuyến hàng {shipment_id} không gửi cho đối tác của mã truy cập này.",
        "en": "Shipment {shipment_id} was not sent to this token's partner.",
    },
    "shipment.received_before_shipped": {
        "vi": "Ngày nhận {received} trước ngày gửi hàng {shipped}.",
        "en": "Received on {received}, before it was shipped on {shipped}.",
    },
    "shipment.already_received": {
        "vi": "Chuyến hàng {shipment_id} đã được xác nhận nhận hàng.",
        "en": "Shipment {shipment_id} was already received.",
    },
    # supplychain: partners replica, buyer's view, totals
    "shipment.unknown_partner": {
        "vi": "Đối tác {partner_id} chưa có trong sổ đăng ký; hãy đăng ký đối tác trước khi gửi hàng.",
        "en": "Partner {partner_id} is not in the registry; register the partner before shipping to it.",
    },
    "registry.unavailable_partner": {
        "vi": "Chưa kiểm tra được đối tác với dịch vụ đăng ký; hãy thử lại sau giây lát.",
        "en": "The registry could not be reached to check the partner; try again shortly.",
    },
    "partner.other_buyer": {
        "vi": "Mã truy cập này chỉ xem được hàng gửi cho đối tác {own}, không phải đối tác {target}.",
        "en": "This token may only see shipments to partner {own}, not partner {target}.",
    },
    "dates.range": {
        "vi": "Ngày bắt đầu {date_from} sau ngày kết thúc {date_to}.",
        "en": "The start date {date_from} is after the end date {date_to}.",
    },
    "sale.other_buyer": {
        "vi": "Chuyến hàng {shipment_id} gửi cho đối tác {partner_id}, không phải người mua này.",
        "en": "Shipment {shipment_id} went to partner {partner_id}, not to this buyer.",
    },
    "sale.exceeds_shipment": {
        "vi": "Chuyến hàng {shipment_id} chở {shipped} của lô {lot_code}, đã lập hoá đơn {invoiced}; không thể bán thêm {requested}.",
        "en": "Shipment {shipment_id} carried {shipped} of lot {lot_code} and {invoiced} is invoiced; cannot sell {requested} more.",
    },
    "correction.unknown_event": {
        "vi": "Không có sự kiện chuỗi {event_id} để đính chính.",
        "en": "No chain event {event_id} to correct.",
    },
    "correction.already": {
        "vi": "Sự kiện {event_id} đã được khai báo sai trước đó.",
        "en": "Event {event_id} was already declared in error.",
    },
    "correction.consumed": {
        "vi": "Không thể đính chính: lô {lot_code} sẽ còn {held}; hãy đính chính các công đoạn dùng lô này trước.",
        "en": "Cannot correct: lot {lot_code} would hold {held}; correct the steps that used it first.",
    },
    "correction.has_dependants": {
        "vi": "Hãy đính chính trước các sự kiện dựa trên sự kiện {event_id}: {dependants}.",
        "en": "First correct the events that build on {event_id}: {dependants}.",
    },
    "plot.no_lots": {
        "vi": "Chưa có lô thu hoạch nào từ vùng trồng {plot_code}.",
        "en": "No harvest lot comes from plot {plot_code}.",
    },
    "member.no_lots": {
        "vi": "Hộ {member_id} chưa có lô thu hoạch nào.",
        "en": "Household {member_id} has no harvest lots.",
    },
}


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


def translate(key: str, language: Language, **values: object) -> str:
    return MESSAGES[key][language].format(**values)
