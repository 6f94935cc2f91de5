"""Vietnamese and English texts of the co-op app: the web service's own refusals (registered with
shared.i18n) and the words of the app's screens (`APP_TEXTS`, handed to the page's script)."""

from __future__ import annotations

from shared.i18n import Language, register

MESSAGES: dict[str, dict[str, str]] = {
    "web.no_service": {
        "vi": "Không có dịch vụ {service}; ứng dụng chỉ chuyển tiếp đến {services}.",
        "en": "There is no service {service}; the app forwards only to {services}.",
    },
    "web.upstream_down": {
        "vi": "Dịch vụ {service} tạm thời không trả lời; dữ liệu đã nhập được giữ lại và sẽ gửi lại sau.",
        "en": "The {service} service is not answering for now; what was entered is kept and sent again later.",
    },
    "web.app_header": {
        "vi": "Chỉ ứng dụng HTX được gia hạn phiên đăng nhập (thiếu tiêu đề X-HTX-App).",
        "en": "Only the HTX app may renew a sign-in (the X-HTX-App header is missing).",
    },
    "web.signed_out": {
        "vi": "Phiên đăng nhập đã kết thúc; hãy đăng nhập lại.",
        "en": "The sign-in has ended; sign in again.",
    },
}

register(MESSAGES)

# The screens' words. {name} placeholders are filled by the script.
APP_TEXTS: dict[str, dict[str, str]] = {
    "app.title": {"vi": "HTX – Sổ thu mua", "en": "HTX – Field book"},
    "app.other_language": {"vi": "English", "en": "Tiếng Việt"},
    "app.offline": {
        "vi": "Mất mạng – dữ liệu được lưu trên máy và gửi khi có mạng",
        "en": "Offline – records are kept on this phone and sent when the network is back",
    },
    "app.online": {"vi": "Có mạng", "en": "Online"},
    "nav.today": {"vi": "Hôm nay", "en": "Today"},
    "nav.delivery": {"vi": "Cân chè", "en": "Weigh-in"},
    "nav.queue": {"vi": "Chờ gửi", "en": "Outbox"},
    "nav.sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "nav.more": {"vi": "Thêm", "en": "More"},
    "more.heading": {"vi": "Các việc khác", "en": "Other tasks"},
    "more.signed_in": {"vi": "Đang đăng nhập: {name}", "en": "Signed in: {name}"},
    "login.heading": {"vi": "Đăng nhập", "en": "Sign in"},
    "login.login": {"vi": "Tên đăng nhập hoặc số điện thoại", "en": "User name or phone number"},
    "login.password": {"vi": "Mật khẩu", "en": "Password"},
    "login.submit": {"vi": "Đăng nhập", "en": "Sign in"},
    "login.failed": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong user name or password."},
    "login.offline": {"vi": "Cần có mạng để đăng nhập lần đầu.", "en": "Signing in the first time needs the network."},
    "login.not_coop": {
        "vi": "Ứng dụng này dành cho cán bộ HTX; tài khoản này không thuộc HTX nào.",
        "en": "This app is for co-op staff; this account belongs to no co-op.",
    },
    "login.again": {
        "vi": "Phiên đăng nhập đã hết; hãy đăng nhập lại để gửi dữ liệu đang chờ (dữ liệu vẫn được giữ).",
        "en": "The sign-in has ended; sign in again to send what is waiting (nothing is lost).",
    },
    "today.heading": {"vi": "Hôm nay, {date}", "en": "Today, {date}"},
    "today.empty": {"vi": "Chưa có lần cân nào hôm nay.", "en": "No weigh-ins yet today."},
    "today.household": {"vi": "Hộ", "en": "Household"},
    "today.amount": {"vi": "Thành tiền", "en": "Amount"},
    "today.total": {"vi": "Tổng", "en": "Total"},
    "today.queued": {"vi": "{count} bản ghi đang chờ gửi", "en": "{count} records waiting to be sent"},
    "today.record": {"vi": "Cân chè cho hộ", "en": "Weigh in a household"},
    "delivery.heading": {"vi": "Cân chè búp tươi", "en": "Weigh in fresh leaf"},
    "delivery.household": {
        "vi": "Hộ thành viên (gõ tên, không cần dấu)",
        "en": "Member household (type the name, no accents needed)",
    },
    "delivery.matches": {"vi": "Các hộ tìm thấy", "en": "Households found"},
    "delivery.no_match": {"vi": "Không tìm thấy hộ nào.", "en": "No household found."},
    "delivery.change": {"vi": "Đổi hộ", "en": "Change"},
    "delivery.plot": {"vi": "Vùng trồng", "en": "Plot"},
    "delivery.no_plot": {"vi": "Không ghi vùng trồng", "en": "No plot"},
    "delivery.round": {"vi": "Lứa hái", "en": "Harvest round"},
    "delivery.kg": {"vi": "Khối lượng (kg)", "en": "Weight (kg)"},
    "delivery.price": {"vi": "Giá mua (đồng/kg)", "en": "Price (VND/kg)"},
    "delivery.price_hint": {
        "vi": "Để trống nếu HTX chưa mua lô này.",
        "en": "Leave empty if the co-op does not buy this lot now.",
    },
    "delivery.date": {"vi": "Ngày", "en": "Date"},
    "delivery.owed": {"vi": "Thành tiền phải trả hộ", "en": "Owed to the household"},
    "delivery.save": {"vi": "Lưu và cân hộ tiếp theo", "en": "Save and weigh the next household"},
    "delivery.saved": {"vi": "Đã lưu {kg} kg cho {name}.", "en": "Saved {kg} kg for {name}."},
    "delivery.need_household": {"vi": "Hãy chọn hộ thành viên.", "en": "Choose a member household."},
    "delivery.need_kg": {"vi": "Nhập khối lượng lớn hơn 0, ví dụ 86,5.", "en": "Enter a weight above 0, e.g. 86.5."},
    "delivery.bad_price": {
        "vi": "Giá phải là số nguyên đồng lớn hơn 0, ví dụ 12000.",
        "en": "The price must be a whole number of đồng above 0, e.g. 12000.",
    },
    "delivery.need_round": {"vi": "Lứa hái là số từ 1 trở lên.", "en": "The harvest round is a number from 1."},
    "delivery.no_members": {
        "vi": "Chưa tải được danh sách hộ; hãy mở ứng dụng khi có mạng một lần.",
        "en": "The household list is not loaded yet; open the app once with the network.",
    },
    "nav.payables": {"vi": "Công nợ", "en": "Owed"},
    "payables.heading": {"vi": "Công nợ với các hộ", "en": "What the co-op owes households"},
    "payables.stale": {
        "vi": "Mất mạng: đây là số liệu lần cập nhật trước.",
        "en": "Offline: these are the figures of the last update.",
    },
    "payables.empty": {"vi": "HTX chưa mua chè của hộ nào.", "en": "The co-op has bought from no household yet."},
    "payables.total": {
        "vi": "Tổng phải trả {owed}; đã trả {paid}; còn nợ {outstanding}",
        "en": "Owed {owed} in all; paid {paid}; still owed {outstanding}",
    },
    "payables.outstanding": {"vi": "Còn nợ", "en": "Still owed"},
    "payables.round": {"vi": "Lứa {round}", "en": "Round {round}"},
    "payables.no_round": {"vi": "Trả trước", "en": "Paid ahead"},
    "payables.line": {
        "vi": "{kg} kg · phải trả {owed} · đã trả {paid} · còn nợ {outstanding}",
        "en": "{kg} kg · owed {owed} · paid {paid} · still owed {outstanding}",
    },
    "payables.pay": {"vi": "Ghi trả tiền", "en": "Record a payment"},
    "payables.slip": {"vi": "Gửi phiếu", "en": "Send statement"},
    "payables.slip_title": {"vi": "{coop} – phiếu công nợ ngày {date}", "en": "{coop} – statement of {date}"},
    "payables.slip_household": {"vi": "Hộ: {name}", "en": "Household: {name}"},
    "payables.slip_total": {"vi": "Còn nợ hộ: {outstanding}", "en": "Still owed to the household: {outstanding}"},
    "payables.copied": {
        "vi": "Đã chép phiếu; dán vào tin nhắn để gửi.",
        "en": "Statement copied; paste it into a message.",
    },
    "payment.amount": {"vi": "Số tiền trả (đồng)", "en": "Amount paid (VND)"},
    "payment.method": {"vi": "Hình thức", "en": "Method"},
    "payment.cash": {"vi": "Tiền mặt", "en": "Cash"},
    "payment.bank_transfer": {"vi": "Chuyển khoản", "en": "Bank transfer"},
    "payment.reference": {"vi": "Mã giao dịch chuyển khoản", "en": "Transfer reference"},
    "payment.date": {"vi": "Ngày trả", "en": "Date paid"},
    "payment.save": {"vi": "Lưu lần trả tiền", "en": "Save the payment"},
    "payment.bad_amount": {
        "vi": "Số tiền phải là số nguyên đồng lớn hơn 0.",
        "en": "The amount must be a whole number of đồng above 0.",
    },
    "payment.saved": {"vi": "Đã ghi trả {amount} cho {name}.", "en": "Recorded {amount} paid to {name}."},
    "queue.payment": {"vi": "Trả {amount} – {name}", "en": "Paid {amount} – {name}"},
    "queue.heading": {"vi": "Dữ liệu chờ gửi", "en": "Outbox"},
    "queue.empty": {"vi": "Không có gì chờ gửi.", "en": "Nothing waiting."},
    "queue.queued": {"vi": "Đang chờ gửi", "en": "Queued"},
    "queue.sending": {"vi": "Đang gửi", "en": "Sending"},
    "queue.sent": {"vi": "Đã gửi", "en": "Sent"},
    "queue.refused": {"vi": "Bị từ chối", "en": "Refused"},
    "queue.drop": {"vi": "Bỏ bản ghi này", "en": "Drop this record"},
    "queue.send_now": {"vi": "Gửi ngay", "en": "Send now"},
    "queue.delivery": {"vi": "Cân {kg} kg – {name}", "en": "Weigh-in {kg} kg – {name}"},
    # --- shipments, sales, members, corrections, fixing a refused write (issue 11) ---
    "more.shipment": {"vi": "Xuất hàng cho đối tác", "en": "Ship to a partner"},
    "more.sale": {"vi": "Bán hàng (hoá đơn)", "en": "Sale (invoice)"},
    "more.members": {"vi": "Hộ thành viên", "en": "Member households"},
    "more.correction": {"vi": "Sửa bản ghi sai", "en": "Correct a wrong record"},
    "lots.choose": {"vi": "– Chọn lô –", "en": "– Choose a lot –"},
    "lots.held_kg": {"vi": "còn {held} kg", "en": "{held} kg left"},
    "lots.held_pcs": {"vi": "còn {held} gói", "en": "{held} packs left"},
    "lots.need": {"vi": "Hãy chọn lô.", "en": "Choose a lot."},
    "lots.none": {
        "vi": "Chưa có lô nào còn hàng trên máy; hãy mở màn hình này khi có mạng.",
        "en": "No lot with stock on this phone yet; open this screen with the network.",
    },
    "write.sent": {"vi": "Đã ghi.", "en": "Recorded."},
    "write.queued": {
        "vi": "Đã lưu trên máy; sẽ gửi khi có mạng.",
        "en": "Kept on this phone; it is sent when the network is back.",
    },
    "fix.notice": {
        "vi": "Đang sửa một bản ghi bị từ chối: sửa ô có báo lỗi rồi lưu; bản cũ sẽ được thay.",
        "en": "Fixing a refused record: correct the field marked and save; it replaces the old one.",
    },
    "fix.save": {"vi": "Lưu bản đã sửa", "en": "Save the fixed record"},
    "queue.fix": {"vi": "Sửa", "en": "Fix"},
    "unit.pcs": {"vi": "gói", "en": "packs"},
    "shipment.heading": {"vi": "Xuất hàng cho đối tác", "en": "Ship to a partner"},
    "shipment.lot": {"vi": "Lô hàng", "en": "Lot"},
    "shipment.kg": {"vi": "Khối lượng (kg)", "en": "Weight (kg)"},
    "shipment.kg_hint": {"vi": "Lô đóng gói: số gói.", "en": "A packed lot: the number of packs."},
    "shipment.partner": {"vi": "Đối tác nhận hàng", "en": "Partner receiving it"},
    "shipment.choose_partner": {"vi": "– Chọn đối tác –", "en": "– Choose a partner –"},
    "shipment.need_partner": {"vi": "Hãy chọn đối tác nhận hàng.", "en": "Choose the partner receiving it."},
    "shipment.document": {"vi": "Số phiếu xuất kho", "en": "Delivery document number"},
    "shipment.document_hint": {"vi": "Ví dụ PX-0012.", "en": "E.g. PX-0012."},
    "shipment.need_document": {"vi": "Nhập số phiếu xuất kho.", "en": "Enter the delivery document number."},
    "shipment.date": {"vi": "Ngày xuất", "en": "Date shipped"},
    "shipment.save": {"vi": "Lưu phiếu xuất", "en": "Save the shipment"},
    "shipment.recent": {"vi": "Các chuyến hàng gần đây đến đối tác", "en": "Recent shipments to the partner"},
    "shipment.document_line": {"vi": "Phiếu {document}, ngày {date}:", "en": "Document {document}, {date}:"},
    "shipment.received": {
        "vi": "Bên mua đã xác nhận nhận hàng ngày {date}.",
        "en": "The buyer confirmed receipt on {date}.",
    },
    "shipment.not_received": {
        "vi": "Bên mua chưa xác nhận nhận hàng (bên mua tự xác nhận trên tài khoản của họ).",
        "en": "Not confirmed received yet (the buyer confirms it from its own account).",
    },
    "queue.shipment": {
        "vi": "Xuất {kg} {unit} lô {lot_code} cho {partner} (phiếu {document})",
        "en": "Shipped {kg} {unit} of {lot_code} to {partner} (document {document})",
    },
    "sale.heading": {"vi": "Bán hàng", "en": "Sale"},
    "sale.lot": {"vi": "Lô hàng", "en": "Lot"},
    "sale.buyer": {"vi": "Người mua", "en": "Buyer"},
    "sale.other_buyer": {"vi": "Người mua khác (ghi tên)", "en": "Another buyer (type the name)"},
    "sale.buyer_name": {"vi": "Tên người mua", "en": "Buyer's name"},
    "sale.need_buyer": {"vi": "Chọn hoặc ghi tên người mua.", "en": "Choose or type the buyer."},
    "sale.kg": {"vi": "Khối lượng (kg)", "en": "Weight (kg)"},
    "sale.price": {"vi": "Đơn giá (đồng/kg)", "en": "Price (VND/kg)"},
    "sale.amount": {"vi": "Thành tiền", "en": "Amount"},
    "sale.invoice": {"vi": "Số hoá đơn", "en": "Invoice number"},
    "sale.need_invoice": {"vi": "Nhập số hoá đơn.", "en": "Enter the invoice number."},
    "sale.date": {"vi": "Ngày bán", "en": "Date sold"},
    "sale.save": {"vi": "Lưu hoá đơn bán", "en": "Save the sale"},
    "queue.sale": {
        "vi": "Bán {kg} {unit} lô {lot_code} cho {buyer} (HĐ {invoice})",
        "en": "Sold {kg} {unit} of {lot_code} to {buyer} (invoice {invoice})",
    },
    "refusal.lot.insufficient": {
        "vi": "Lô {lot_code} chỉ còn {available}; không thể lấy {requested}. Hãy nhập ít hơn hoặc chọn lô khác.",
        "en": "Lot {lot_code} holds only {available}; {requested} cannot be taken. Enter less or choose another lot.",
    },
    "refusal.sale.invoiced_twice": {
        "vi": "Số hoá đơn {invoice_number} đã được dùng cho lô này; hãy kiểm tra lại số hoá đơn.",
        "en": "Invoice {invoice_number} is already used for this lot; check the invoice number.",
    },
    "refusal.lot.before_creation": {
        "vi": "Lô {lot_code} có từ ngày {created}; ngày ghi phải từ ngày đó trở đi.",
        "en": "Lot {lot_code} exists from {created}; the date must be that day or later.",
    },
    "refusal.auth.other_coop": {
        "vi": "Tài khoản này không được ghi cho HTX đó; hãy đăng nhập bằng tài khoản của HTX.",
        "en": "This account may not record for that co-op; sign in with the co-op's account.",
    },
    "refusal.auth.role": {
        "vi": "Tài khoản này không được làm việc này; hãy nhờ quản lý HTX.",
        "en": "This account may not do this; ask the co-op's manager.",
    },
    "refusal.member.not_member_on_date": {
        "vi": "Hộ này chưa (hoặc không còn) là thành viên vào ngày {on}; hãy kiểm tra ngày.",
        "en": "This household was not a member on {on}; check the date.",
    },
}


def app_texts(language: Language) -> dict[str, str]:
    return {key: texts[language] for key, texts in APP_TEXTS.items()}
