"""Vietnamese and English texts of the supply chain (lots, trace, EPCIS)'s refusals, registered with shared.i18n."""

from __future__ import annotations

from shared.i18n import register

MESSAGES: dict[str, dict[str, str]] = {
    "gtin.invalid": {
        "vi": "GTIN {gtin} không hợp lệ: GTIN gồm 8, 12, 13 hoặc 14 chữ số, như in dưới mã vạch.",
        "en": "GTIN {gtin} is not valid: a GTIN has 8, 12, 13 or 14 digits, as printed under the barcode.",
    },
    "gtin.check_digit": {
        "vi": "GTIN {gtin} sai số kiểm tra (chữ số cuối): hãy chép lại mã từ giấy chứng nhận mã số mã vạch.",
        "en": "GTIN {gtin} has a wrong check digit (the last digit): copy it again from the GS1 membership certificate.",
    },
    "grading.grade_missing": {
        "vi": "Mỗi lô đầu ra của phân loại phải có hạng (grade).",
        "en": "Every graded output needs a grade.",
    },
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
    "epcis.not_own_identifier": {
        "vi": "Sự kiện thứ {index} nêu {identifier}, không thuộc HTX của mã truy cập này; HTX chỉ ghi sự kiện về lô, địa điểm và hộ thành viên của mình.",
        "en": "Event {index} names {identifier}, which is not this token's co-op's; a co-op records events only about its own lots, places and member households.",
    },
    "epcis.not_own_event": {
        "vi": "Sự kiện {event_id} (thứ {index}) không do HTX này ghi; chỉ người ghi hoặc tỉnh mới khai báo nó sai.",
        "en": "Event {event_id} (number {index}) was not recorded by this co-op; only its recorder or the province may declare it in error.",
    },
    "epcis.chain_fact": {
        "vi": "Sự kiện {event_id} (thứ {index}) là một bước chuỗi đã ghi qua ứng dụng; hãy sửa nó bằng POST /corrections để tồn kho và báo cáo cũng được sửa.",
        "en": "Event {event_id} (number {index}) is a chain step recorded through the platform; correct it with POST /corrections so stock and reports are corrected too.",
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
    "epcis.resource_not_found": {
        "vi": "Không có {kind} {value} trong các sự kiện bạn được xem.",
        "en": "No {kind} {value} among the events you may read.",
    },
    "epcis.event_exists": {
        "vi": "Đã có sự kiện {event_id}; mỗi eventID chỉ ghi nhận một lần (khai báo lỗi thì gửi kèm errorDeclaration).",
        "en": "Event {event_id} is already stored; an eventID is captured once (to declare it wrong, send it with errorDeclaration).",
    },
    "epcis.not_an_event": {
        "vi": "Nội dung phải là một sự kiện EPCIS (một đối tượng JSON).",
        "en": "The body must be one EPCIS event (a JSON object).",
    },
    "epcis.version_header": {
        "vi": "{name}: {value} không phải số phiên bản (ví dụ 2.0.0).",
        "en": "{name}: {value} is not a version number (e.g. 2.0.0).",
    },
    "epcis.version_not_acceptable": {
        "vi": "{name}: {value} loại trừ EPCIS/CBV 2.0.0, phiên bản duy nhất kho này dùng.",
        "en": "{name}: {value} rules out EPCIS/CBV 2.0.0, the only version this repository speaks.",
    },
    "epcis.media_not_acceptable": {
        "vi": "Kho này chỉ trả lời JSON (application/json, application/ld+json), chưa có XML; Accept: {accept}.",
        "en": "This repository answers JSON only (application/json, application/ld+json), not XML yet; Accept: {accept}.",
    },
    "epcis.parameter.per_page": {
        "vi": "Tham số perPage phải là số nguyên từ 1 đến {limit}.",
        "en": "The parameter perPage must be a whole number from 1 to {limit}.",
    },
    "epcis.query.not_found": {
        "vi": "Tổ chức của bạn không có truy vấn tên {name}.",
        "en": "Your organisation has no query named {name}.",
    },
    "epcis.query.exists": {
        "vi": "Tổ chức của bạn đã có truy vấn tên {name}; chọn tên khác hoặc xoá truy vấn cũ trước.",
        "en": "Your organisation already has a query named {name}; choose another name or delete the old one first.",
    },
    "epcis.query.name": {
        "vi": "Cần trường name: tên truy vấn, tối đa 200 ký tự, không có dấu /.",
        "en": "A name is needed: the query's name, at most 200 characters, without /.",
    },
    "epcis.query.object": {
        "vi": 'Cần trường query: một đối tượng JSON các tham số truy vấn, ví dụ {{"EQ_bizStep": ["shipping"]}}.',
        "en": 'A query is needed: a JSON object of query parameters, e.g. {{"EQ_bizStep": ["shipping"]}}.',
    },
    "epcis.query.value": {
        "vi": "Tham số {name}: giá trị phải là chuỗi, số, true/false hoặc danh sách các giá trị đó.",
        "en": "The parameter {name}: a value must be a string, a number, true/false or a list of those.",
    },
    "epcis.parameter.fixed": {
        "vi": "{name} đã do địa chỉ này (hoặc truy vấn đã lưu) quy định; thêm giá trị sẽ mở rộng chứ không thu hẹp kết quả. Hãy dùng /epcis/events.",
        "en": "{name} is set by this resource (or the saved query); more values would widen the answer, not narrow it. Use /epcis/events.",
    },
    "epcis.parameter.not_saved": {
        "vi": "{name} chỉ dùng khi chạy truy vấn, không lưu trong truy vấn có tên.",
        "en": "{name} is for running a query, not for saving in a named query.",
    },
    "epcis.subscription.not_found": {
        "vi": "Truy vấn này không có đăng ký {id}.",
        "en": "This query has no subscription {id}.",
    },
    "epcis.subscription.body": {
        "vi": "Nội dung phải là một đối tượng JSON: dest, signatureToken (tuỳ chọn), stream: true.",
        "en": "The body must be a JSON object: dest, signatureToken (optional), stream: true.",
    },
    "epcis.subscription.dest": {
        "vi": "dest phải là địa chỉ http(s) đầy đủ mà kho sẽ gửi sự kiện tới, ví dụ https://doi-tac.vn/epcis.",
        "en": "dest must be a full http(s) URL the repository will send events to, e.g. https://partner.example/epcis.",
    },
    "epcis.subscription.dest_internal": {
        "vi": "dest là địa chỉ nội bộ (localhost, mạng riêng); kho chỉ gửi tới địa chỉ công khai của đối tác.",
        "en": "dest is an internal address (localhost, a private network); the repository sends only to a partner's public address.",
    },
    "epcis.subscription.token": {
        "vi": "signatureToken phải là một chuỗi từ 1 đến 500 ký tự.",
        "en": "signatureToken must be a string of 1 to 500 characters.",
    },
    "epcis.subscription.stream": {
        "vi": 'Hãy đặt "stream": true để nhận mỗi sự kiện mới khớp truy vấn.',
        "en": 'Set "stream": true to receive each new event the query selects.',
    },
    "epcis.subscription.schedule": {
        "vi": 'Kho này chưa hỗ trợ đăng ký theo lịch (schedule); hãy dùng "stream": true.',
        "en": 'This repository does not offer scheduled subscriptions yet; use "stream": true.',
    },
    "epcis.subscription.initial_record_time": {
        "vi": "initialRecordTime phải là thời điểm có múi giờ, ví dụ 2025-05-10T07:30:00+07:00.",
        "en": "initialRecordTime must be a date-time with a time zone, e.g. 2025-05-10T07:30:00+07:00.",
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
        "vi": "{name} là tham số truy vấn chuẩn của EPCIS 2.0 nhưng kho EPCIS này chưa hỗ trợ.",
        "en": "{name} is a standard EPCIS 2.0 query parameter that this EPCIS repository does not support yet.",
    },
    "epcis.parameter.unsupported_order": {
        "vi": "orderBy={value}: EPCIS 2.0 cho phép sắp xếp theo trường mở rộng nhưng kho EPCIS này chưa hỗ trợ; hãy dùng eventTime hoặc recordTime.",
        "en": "orderBy={value}: EPCIS 2.0 allows ordering by an extension field, but this EPCIS repository does not support it yet; use eventTime or recordTime.",
    },
    "epcis.parameter.partner_type": {
        "vi": "Tham số {name}: sau EQ_{kind}_ phải là một loại của CBV (ví dụ po, owning_party) hoặc một URI.",
        "en": "The parameter {name}: EQ_{kind}_ must be followed by a CBV type (e.g. po, owning_party) or a URI.",
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
    "epcis.too_complex.values": {
        "vi": "Tham số {name} có {count} giá trị; mỗi tham số tối đa {limit} giá trị. Hãy chia danh sách ra nhiều truy vấn.",
        "en": "The parameter {name} has {count} values; at most {limit} per parameter. Split the list over several queries.",
    },
    "epcis.too_complex.patterns": {
        "vi": "Truy vấn có {count} mẫu EPC (urn:epc:idpat:…); tối đa {limit} mẫu mỗi truy vấn. Hãy dùng mẫu rộng hơn (ví dụ urn:epc:idpat:sgtin:0614141.*.*) hoặc chia ra nhiều truy vấn.",
        "en": "The query has {count} EPC patterns (urn:epc:idpat:…); at most {limit} per query. Use a broader pattern (e.g. urn:epc:idpat:sgtin:0614141.*.*) or split it over several queries.",
    },
    "epcis.query_too_large": {
        "vi": "Có hơn {limit} sự kiện khớp truy vấn (maxEventCount); hãy thu hẹp điều kiện.",
        "en": "More than {limit} events match the query (maxEventCount); narrow it down.",
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
        "vi": "Lô {lot_code} chỉ còn {available} {unit}, không thể xuất {requested} {unit}.",
        "en": "Lot {lot_code} holds only {available} {unit}; cannot take {requested} {unit}.",
    },
    "lot.other_coop": {
        "vi": "Lô {lot_code} không thuộc HTX {coop_id}.",
        "en": "Lot {lot_code} does not belong to co-op {coop_id}.",
    },
    "lot.before_creation": {
        "vi": "Ngày {on} trước ngày tạo lô {lot_code} ({created}).",
        "en": "{on} is before lot {lot_code} was created ({created}).",
    },
    "registry.unavailable": {
        "vi": "Chưa kiểm tra được HTX với dịch vụ đăng ký; hãy thử lại sau giây lát.",
        "en": "The registry could not be reached to check the co-op; try again shortly.",
    },
    "lot.unit_mismatch": {
        "vi": "Lô {lot_code} tính theo đơn vị {unit}, không phải {given}.",
        "en": "Lot {lot_code} is counted in {unit}, not {given}.",
    },
    "lot.whole_units": {
        "vi": "Lô {lot_code} tính theo sản phẩm: số lượng {quantity} phải là số nguyên.",
        "en": "Lot {lot_code} is counted in pieces: {quantity} must be a whole number.",
    },
    "labels.not_packed": {
        "vi": "Lô {lot_code} chưa đóng gói thành sản phẩm nên không có nhãn; hãy chọn lô đóng gói (DG-…).",
        "en": "Lot {lot_code} is not packed into units, so it has no labels; choose a packed lot (DG-…).",
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
    "shipment.unknown_partner": {
        "vi": "Đối tác {partner_id} chưa có trong sổ đăng ký; hãy đăng ký đối tác trước khi gửi hàng.",
        "en": "Partner {partner_id} is not in the registry; register the partner before shipping to it.",
    },
    "registry.unavailable_partner": {
        "vi": "Chưa kiểm tra được đối tác với dịch vụ đăng ký; hãy thử lại sau giây lát.",
        "en": "The registry could not be reached to check the partner; try again shortly.",
    },
    "regulatory.circular_02.product_name": {
        "vi": "Thiếu tên sản phẩm của lô.",
        "en": "The lot has no product name.",
    },
    "regulatory.circular_02.product_image": {
        "vi": "Chưa có hình ảnh sản phẩm: nền tảng chưa lưu ảnh sản phẩm; hãy bổ sung khi gửi lên cổng truy xuất quốc gia.",
        "en": "No product image: the platform keeps no product pictures yet; add one when submitting to the national portal.",
    },
    "regulatory.circular_02.producer_name": {
        "vi": "Chưa biết tên cơ sở sản xuất (HTX chưa có trong bản sao sổ đăng ký).",
        "en": "The producer's name is not known (the co-op is not in the registry replica yet).",
    },
    "regulatory.circular_02.producer_address": {
        "vi": "Chưa có địa chỉ cơ sở sản xuất: mã xã của HTX không có trong danh mục chính thức.",
        "en": "No producer address: the co-op's commune code is not in the official list.",
    },
    "regulatory.circular_02.stages": {
        "vi": "Lô chưa có công đoạn nào được ghi.",
        "en": "No stage of the lot is recorded.",
    },
    "regulatory.circular_02.production_time": {
        "vi": "Thiếu thời gian sản xuất của lô.",
        "en": "The lot has no production time.",
    },
    "regulatory.circular_02.traceability_code": {
        "vi": "Lô chưa có mã truy vết công khai.",
        "en": "The lot has no public traceability code.",
    },
    "regulatory.circular_02.standards": {
        "vi": "Không có chứng nhận hay tiêu chuẩn nào còn hiệu lực vào ngày thu hái.",
        "en": "No certificate or standard was valid on the harvest days.",
    },
    "regulatory.eudr.no_geolocation": {
        "vi": "Thửa đất chưa có toạ độ (GeoJSON); hãy nhập toạ độ thửa trong sổ đăng ký.",
        "en": "The plot has no geolocation (GeoJSON); enter it in the registry.",
    },
    "regulatory.eudr.polygon_required": {
        "vi": "Thửa {area_ha} ha chỉ có một điểm; thửa trên 4 ha cần đường bao (polygon).",
        "en": "The {area_ha} ha plot is a single point; a plot over 4 ha needs a polygon.",
    },
    "regulatory.eudr.decimals": {
        "vi": "Toạ độ chỉ có {decimals} chữ số thập phân; EUDR yêu cầu 6.",
        "en": "The coordinates have only {decimals} decimals; EUDR asks for 6.",
    },
    "regulatory.eudr.no_plot": {
        "vi": "Có lô thu hái không ghi thửa đất: hàng này lẫn nguồn gốc không rõ.",
        "en": "A harvest lot names no plot: the goods mix in an unknown origin.",
    },
    "regulatory.eudr.not_covered": {
        "vi": "EUDR không áp dụng cho {products}; gói dữ liệu vẫn được lập để người mua tham khảo.",
        "en": "EUDR does not cover {products}; the package is made anyway for the buyer's reference.",
    },
    "recall.not_delivered": {
        "vi": "Lô {code} không được gửi hay bán cho đối tác của bạn; chỉ thu hồi được những lô bạn đã nhận hoặc đã mua.",
        "en": "Lot {code} was not shipped or sold to your company; you can recall only the lots you received or bought.",
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
    "sale.invoiced_twice": {
        "vi": "Hoá đơn {invoice_number} đã ghi bán lô {lot_code} (sự kiện {event_id}); không ghi lần hai. Nếu bản ghi đó sai, hãy sửa nó qua /corrections.",
        "en": "Invoice {invoice_number} already records a sale of lot {lot_code} (event {event_id}); not recorded twice. If that record is wrong, correct it through /corrections.",
    },
    "sale.exceeds_shipment": {
        "vi": "Chuyến hàng {shipment_id} chở {shipped} của lô {lot_code}, đã lập hoá đơn {invoiced}; không thể bán thêm {requested}.",
        "en": "Shipment {shipment_id} carried {shipped} of lot {lot_code} and {invoiced} is invoiced; cannot sell {requested} more.",
    },
    "sale.before_shipment": {
        "vi": "Ngày bán {on} trước ngày gửi chuyến hàng {shipment_id} ({shipped}); không thể lập hoá đơn lô {lot_code} cho hàng chưa gửi.",
        "en": "Sold on {on}, before shipment {shipment_id} left ({shipped}); lot {lot_code} cannot be invoiced before it is shipped.",
    },
    "correction.before_fact": {
        "vi": "Ngày khai báo đính chính {on} trước ngày xảy ra sự kiện {event_id} ({occurred}).",
        "en": "The correction is declared on {on}, before event {event_id} took place ({occurred}).",
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
    "trace.not_found": {
        "vi": "Không có trang truy xuất nào ở địa chỉ này. Hãy quét lại mã QR trên bao bì.",
        "en": "There is no trace page at this address. Scan the QR code on the package again.",
    },
    "plot.no_lots": {
        "vi": "Chưa có lô thu hoạch nào từ vùng trồng {plot_code}.",
        "en": "No harvest lot comes from plot {plot_code}.",
    },
    "member.no_lots": {
        "vi": "Hộ {member_id} chưa có lô thu hoạch nào.",
        "en": "Household {member_id} has no harvest lots.",
    },
    "payment.exceeds_round": {
        "vi": "Lứa {harvest_round} năm {harvest_year} HTX chỉ còn nợ hộ {household} {outstanding}; không ghi được khoản trả {amount}. Không ghi trả trước: hãy nhập đúng số còn nợ, hoặc bỏ trống lứa để trả dần các lứa cũ trước.",
        "en": "For round {harvest_round} of {harvest_year} the co-op still owes {household} only {outstanding}; a payment of {amount} cannot be recorded. Advances are not recorded: enter at most what is owed, or leave the round empty to settle the oldest rounds first.",
    },
    "payment.year_without_round": {
        "vi": "Năm {harvest_year} chỉ dùng cùng với lứa hái: hãy nhập lứa, hoặc bỏ trống cả hai để trả dần các lứa cũ trước.",
        "en": "The year {harvest_year} goes only with a harvest round: enter the round, or leave both empty to settle the oldest rounds first.",
    },
    "payment.exceeds_owed": {
        "vi": "HTX chỉ còn nợ hộ {household} {outstanding} (mọi lứa); không ghi được khoản trả {amount}. Không ghi trả trước.",
        "en": "The co-op still owes {household} only {outstanding} (all rounds); a payment of {amount} cannot be recorded. Advances are not recorded.",
    },
    "payment.duplicate_reference": {
        "vi": "Mã giao dịch {reference} đã được ghi cho khoản trả số {payment_id}; mỗi giao dịch chỉ ghi một lần.",
        "en": "Reference {reference} is already recorded for payment {payment_id}; a transfer is recorded once.",
    },
    "payment.coop_staff_only": {
        "vi": "Chỉ cán bộ của HTX mới ghi hoặc huỷ khoản trả cho hộ thành viên.",
        "en": "Only the co-op's own staff record or void payments to its households.",
    },
    "payment.manager_only": {
        "vi": "Chỉ quản lý HTX mới được huỷ một khoản trả đã ghi.",
        "en": "Only the co-op's manager may void a recorded payment.",
    },
    "payment.not_found": {
        "vi": "Không có khoản trả số {payment_id}.",
        "en": "No payment {payment_id}.",
    },
    "payment.already_voided": {
        "vi": "Khoản trả số {payment_id} đã được huỷ trước đó.",
        "en": "Payment {payment_id} was already voided.",
    },
    "payment.void_before_paid": {
        "vi": "Ngày huỷ {on} trước ngày trả {paid_on} của khoản trả số {payment_id}.",
        "en": "The void date {on} is before payment {payment_id} was made ({paid_on}).",
    },
}

register(MESSAGES)
