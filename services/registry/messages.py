"""Vietnamese and English texts of the registry's refusals, registered with shared.i18n."""

from __future__ import annotations

from shared.i18n import register

MESSAGES: dict[str, dict[str, str]] = {
    "coop.duplicate_code": {
        "vi": "Mã đăng ký {code} đã được dùng cho HTX khác.",
        "en": "Registration code {code} is already used by another co-op.",
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
    "member.search_needs_token": {
        "vi": "HTX {coop_id} không công khai tên hộ thành viên; muốn tìm theo tên, hãy gửi mã truy cập của HTX hoặc của tỉnh.",
        "en": "Co-op {coop_id} does not show its households' names publicly; to search by name, send the co-op's or the province's token.",
    },
    "member.search_not_allowed": {
        "vi": "Chỉ HTX {coop_id} và tỉnh được tìm thành viên của HTX này theo tên.",
        "en": "Only co-op {coop_id} and the province may search this co-op's members by name.",
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
    # The report's closing words: what happened, in counts, and what to do next (no parameter names).
    "import.done": {
        "vi": "Đã nhập {imported}.",
        "en": "Imported {imported}.",
    },
    "import.partial": {
        "vi": "Đã nhập {imported}; bỏ qua {skipped} có lỗi: {rows}.",
        "en": "Imported {imported}; skipped {skipped} with errors: {rows}.",
    },
    "import.refused": {
        "vi": "Chưa nhập dòng nào: {skipped} có lỗi ({rows}); {valid} không có lỗi.",
        "en": "Nothing was imported: {skipped} with errors ({rows}); {valid} without errors.",
    },
    "import.refused_header": {
        "vi": "Chưa nhập dòng nào: dòng tiêu đề (dòng 1) thiếu cột {columns}.",
        "en": "Nothing was imported: the header row (row 1) lacks the column(s) {columns}.",
    },
    "import.empty": {
        "vi": "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề; chưa nhập gì.",
        "en": "The file has no rows below its header; nothing was imported.",
    },
    "import.mapped_note": {
        "vi": " {count} ghi mã xã cũ (trước 01/7/2025), đã được ghi theo xã hiện nay: {rows}; xem phần cảnh báo.",
        "en": " {count} gave a pre-July-2025 commune code, recorded under today's commune: {rows}; see the warnings.",
    },
    "import.retry_valid_only": {
        "vi": "Sửa các dòng có lỗi rồi gửi lại cả tệp; hoặc, để nhập ngay {valid} và bỏ qua {skipped}, "
        "gửi lại đúng tệp này với lựa chọn «Chỉ nhập các dòng hợp lệ».",
        "en": "Fix the rows with errors and send the whole file again; or, to import the {valid} now and skip "
        "the {skipped}, send this same file again with the option “Import the valid rows only”.",
    },
    "import.retry_fix": {
        "vi": "Sửa các dòng có lỗi theo báo cáo rồi gửi lại tệp.",
        "en": "Fix the rows with errors as the report says, then send the file again.",
    },
    "import.retry_header": {
        "vi": "Thêm cột còn thiếu vào dòng tiêu đề (xem mẫu trong hướng dẫn nhập) rồi gửi lại tệp.",
        "en": "Add the missing column(s) to the header row (see the template in the import guide), then send the file again.",
    },
    "import.retry_skipped": {
        "vi": "Sửa {skipped} bị bỏ qua rồi gửi một tệp chỉ gồm các dòng đó; đừng gửi lại cả tệp, "
        "các dòng đã nhập sẽ bị nhập hai lần hoặc báo trùng.",
        "en": "Fix the {skipped} that were skipped and send a file of those rows only; do not send the whole "
        "file again: the rows already imported would be imported twice or reported as duplicates.",
    },
    "import.option_valid_only": {
        "vi": "Chỉ nhập các dòng hợp lệ, bỏ qua các dòng có lỗi",
        "en": "Import the valid rows only, skipping the rows with errors",
    },
    # Counted nouns, by CLDR plural form (Vietnamese has one form).
    "import.noun.coops.one": {"vi": "tổ chức", "en": "organisation"},
    "import.noun.coops.other": {"vi": "tổ chức", "en": "organisations"},
    "import.noun.members.one": {"vi": "thành viên", "en": "member"},
    "import.noun.members.other": {"vi": "thành viên", "en": "members"},
    "import.noun.rows.one": {"vi": "dòng", "en": "row"},
    "import.noun.rows.other": {"vi": "dòng", "en": "rows"},
    # Commune codes in the current-code column, as an officer reads them.
    "import.ward_mapped": {
        "vi": "Mã {code} không còn dùng từ 01/7/2025: đó là mã cũ của {legacy_name}, nay thuộc {current_name} "
        "({current}). Đã ghi theo {current_name}; mã cũ được lưu kèm.",
        "en": "Code {code} is no longer in use since 1 July 2025: it is the old code of {legacy_name}, now part of "
        "{current_name} ({current}). Recorded under {current_name}; the old code is kept with it.",
    },
    "import.ward_ambiguous": {
        "vi": "Mã {code} đã được ghi là {current_name} (mã hiện hành từ 01/7/2025). Trước 01/7/2025 cùng mã này là "
        "{legacy_name}, nay thuộc {candidates}: nếu dòng này dùng mã cũ, chuyển mã sang cột «Mã xã cũ» rồi gửi lại.",
        "en": "Code {code} was recorded as {current_name} (its meaning since 1 July 2025). Before 1 July 2025 the "
        "same code was {legacy_name}, now part of {candidates}: if this row uses the old code, move it to the "
        "“Mã xã cũ” column and send it again.",
    },
    "import.ward_unknown": {
        "vi": "Mã {code} không phải mã xã/phường hiện hành (từ 01/7/2025), cũng không phải mã của xã nào trước "
        "01/7/2025. Hãy kiểm tra lại mã (5 chữ số, ví dụ 05488) trong cột «{column}».",
        "en": "Code {code} is not a current commune/ward code (since 1 July 2025), nor the code of any commune "
        "before 1 July 2025. Check the code (5 digits, e.g. 05488) in “{column}”.",
    },
    "import.ward_named": {
        "vi": "{legacy_name} ({district}, mã cũ {code}) nay thuộc {current_name} ({current}). Đã ghi theo "
        "{current_name}; mã cũ được lưu kèm.",
        "en": "{legacy_name} ({district}, old code {code}) is now part of {current_name} ({current}). Recorded "
        "under {current_name}; the old code is kept with it.",
    },
    "import.legacy_name_unknown": {
        "vi": "Không có xã nào tên «{name}» (huyện cũ: {district}) trong danh mục trước 01/7/2025. Hãy kiểm tra "
        "chính tả, hoặc ghi mã xã cũ vào cột «Mã xã cũ».",
        "en": "No commune called “{name}” (former district: {district}) in the pre-July-2025 list. Check the "
        "spelling, or write the old commune code in the “Mã xã cũ” column.",
    },
    "import.legacy_name_ambiguous": {
        "vi": "Trước 01/7/2025 có nhiều xã tên «{name}»: {candidates}. Ghi thêm huyện cũ vào cột «Huyện cũ», "
        "hoặc mã xã cũ vào cột «Mã xã cũ».",
        "en": "Several communes were called “{name}” before 1 July 2025: {candidates}. Add the former district in "
        "the “Huyện cũ” column, or the old commune code in the “Mã xã cũ” column.",
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
    "update.null_field": {
        "vi": "Không được để trống (null) {fields}: gửi một giá trị, hoặc bỏ hẳn trường đó đi.",
        "en": "{fields} cannot be null; send a value or leave the field out.",
    },
    "contract.window": {
        "vi": "Hợp đồng kết thúc ngày {valid_to}, trước ngày bắt đầu {valid_from}.",
        "en": "The contract ends on {valid_to}, before it starts on {valid_from}.",
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
    "grading.scheme_criteria_of": {
        "vi": "Bộ tiêu chí {scheme} cần điểm đúng các tiêu chí của nó; thiếu: {missing}; không thuộc bộ: {unknown}.",
        "en": "Scheme {scheme} needs a score for exactly its criteria; missing: {missing}; not in it: {unknown}.",
    },
    "grading.scheme_item_caps": {
        "vi": "Bộ 15 tiêu chí cần điểm tối đa cho từng tiêu chí.",
        "en": "A 15-criteria scheme needs a maximum for each criterion.",
    },
    "grading.proposal_unknown": {
        "vi": "Tiêu chí {criterion} không thuộc bộ tiêu chí {scheme}.",
        "en": "Criterion {criterion} is not in scheme {scheme}.",
    },
    "grading.change_without_note": {
        "vi": "Tiêu chí {criterion}: điểm đề xuất từ dữ liệu là {proposed}, điểm ghi là {score}; cần ghi lý do thay đổi (notes).",
        "en": "Criterion {criterion}: the data proposed {proposed} points, the score given is {score}; say why it was changed (notes).",
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
    "revocation.token_or_id": {
        "vi": "Gửi đúng một trong hai: token (mã truy cập) hoặc jti (mã định danh của nó).",
        "en": "Send exactly one of token (the token itself) or jti (its id).",
    },
    "revocation.not_our_token": {
        "vi": "Đây không phải mã truy cập do nền tảng này cấp (hoặc nó không có jti); không có gì để thu hồi.",
        "en": "This is not a token issued by this platform (or it has no jti); there is nothing to revoke.",
    },
    "revocation.expired": {
        "vi": "Mã truy cập đã hết hạn lúc {expired_at}; nó đã bị từ chối ở mọi nơi, không cần thu hồi.",
        "en": "The token expired at {expired_at}; it is refused everywhere already, nothing to revoke.",
    },
    "login.failed": {
        "vi": "Tên đăng nhập (hoặc số điện thoại) hoặc mật khẩu không đúng.",
        "en": "The user name (or phone number) or the password is wrong.",
    },
    "login.too_many_failures": {
        "vi": "Đăng nhập sai quá nhiều lần; hãy thử lại sau {seconds} giây.",
        "en": "Too many failed sign-ins; try again in {seconds} seconds.",
    },
    "refresh.invalid": {
        "vi": "Mã làm mới không hợp lệ hoặc đã hết hạn; hãy đăng nhập lại.",
        "en": "The refresh token is not valid or has expired; sign in again.",
    },
    "refresh.reused": {
        "vi": "Mã làm mới này đã được dùng rồi; phiên đăng nhập đã bị kết thúc để bảo vệ tài khoản. Hãy đăng nhập lại.",
        "en": "This refresh token was already used; the session has been ended to protect the account. Sign in again.",
    },
    "account.scope": {
        "vi": "Tài khoản vai trò {role}: coop cần coop_id và staff (manager hoặc clerk), buyer cần partner_id, province không cần gì.",
        "en": "A {role} account: coop needs coop_id and staff (manager or clerk), buyer needs partner_id, province neither.",
    },
    "account.phone_invalid": {
        "vi": "{value} không phải số điện thoại Việt Nam (ví dụ 0912345678 hoặc +84912345678).",
        "en": "{value} is not a Vietnamese phone number (e.g. 0912345678 or +84912345678).",
    },
    "account.password_short": {
        "vi": "Mật khẩu phải có ít nhất {minimum} ký tự.",
        "en": "The password must have at least {minimum} characters.",
    },
    "account.password_is_name": {
        "vi": "Mật khẩu không được trùng với tên đăng nhập hoặc số điện thoại.",
        "en": "The password must not be the user name or the phone number.",
    },
    "account.username_taken": {
        "vi": "Tên đăng nhập {value} đã có người dùng.",
        "en": "The user name {value} is already taken.",
    },
    "account.phone_taken": {
        "vi": "Số điện thoại {value} đã gắn với tài khoản khác.",
        "en": "The phone number {value} belongs to another account.",
    },
    "account.unknown_coop": {
        "vi": "Không có HTX {coop_id}.",
        "en": "There is no co-op {coop_id}.",
    },
    "account.unknown_partner": {
        "vi": "Không có đối tác {partner_id}.",
        "en": "There is no partner {partner_id}.",
    },
    "account.not_found": {
        "vi": "Không có tài khoản {account_id}.",
        "en": "There is no account {account_id}.",
    },
    "account.not_allowed": {
        "vi": "Chỉ tỉnh hoặc quản lý của HTX mới được quản lý tài khoản này.",
        "en": "Only the province or the co-op's manager may manage this account.",
    },
    "account.clerks_only": {
        "vi": "Quản lý HTX chỉ được tạo và quản lý tài khoản nhân viên (clerk) của HTX mình; tài khoản quản lý do tỉnh tạo.",
        "en": "A co-op manager may create and manage only its co-op's clerk accounts; managers are created by the province.",
    },
    "account.current_password": {
        "vi": "Mật khẩu hiện tại không đúng.",
        "en": "The current password is wrong.",
    },
    "plan.years_order": {
        "vi": "Năm đầu {first_year} sau năm cuối {last_year}: first_year phải nhỏ hơn hoặc bằng last_year.",
        "en": "The first year {first_year} is after the last year {last_year}: first_year must be at most last_year.",
    },
    "plan.unknown_figure": {
        "vi": "Bảng chỉ tiêu không có chỉ tiêu {figures}; chỉ đặt mục tiêu cho: {known}.",
        "en": "The scorecard has no figure {figures}; targets can be set on: {known}.",
    },
    "plan.key_mismatch": {
        "vi": "Khóa kế hoạch trong nội dung ({body_key}) khác với khóa trên đường dẫn ({plan}); bỏ trường key đi hoặc sửa cho khớp.",
        "en": "The plan key in the body ({body_key}) differs from the one in the path ({plan}); leave key out or make them match.",
    },
    "plan.exists": {
        "vi": "Đã có kế hoạch {plan} (phiên bản {version}); để sửa, gửi phiên bản mới bằng PUT /plans/{plan}.",
        "en": "Plan {plan} already exists (version {version}); to change it, publish a new version with PUT /plans/{plan}.",
    },
    "plan.overlap": {
        "vi": "Các năm {first_year}–{last_year} của kế hoạch {plan} trùng với kế hoạch {other} “{other_name}” "
        "({other_first}–{other_last}); mỗi năm chỉ thuộc một kế hoạch: sửa năm, hoặc sửa kế hoạch {other}.",
        "en": "The years {first_year}–{last_year} of plan {plan} overlap plan {other} “{other_name}” "
        "({other_first}–{other_last}); a year belongs to one plan: change the years, or change plan {other}.",
    },
    "plan.changed_meanwhile": {
        "vi": "Kế hoạch {plan} vừa được người khác sửa; tải lại phiên bản mới nhất rồi gửi lại.",
        "en": "Plan {plan} was changed by someone else meanwhile; reload its latest version and send again.",
    },
    "plan.not_found": {
        "vi": "Chưa có kế hoạch {plan} nào được công bố.",
        "en": "No plan {plan} has been published.",
    },
}

register(MESSAGES)
