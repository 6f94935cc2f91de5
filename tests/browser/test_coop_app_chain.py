"""The co-op app's chain screens in real Chromium at 360 px: buying a lot weighed in without a price,
a processing batch whose yield is judged while typing and whose refusal lands next to its field,
grading and packing, and the QR label sheet, whose codes open the units' public trace page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pypdfium2
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import overflows_horizontally
from tests.browser.coop_app_stack import Coop, CoopAppStack, start_stack
from tests.browser.test_coop_app import sign_in, vietnam_today, weigh_in
from tests.support import bearer, qr_texts, unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("coop-chain"), redis_url, unique("chain") + ":")


@pytest.fixture
def coop(stack: CoopAppStack) -> Coop:
    return stack.new_coop()


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Signing in hashes a password (argon2) and each screen reads the lots: on a loaded 2-core machine
    that took more than Playwright's 5 s. A waiting limit, not a sleep: every expect still polls."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def _supplychain(stack: CoopAppStack, coop: Coop) -> httpx.Client:
    return httpx.Client(base_url=stack.urls["supplychain"], headers=bearer("coop", coop_id=coop.id), timeout=30)


def _record(stack: CoopAppStack, coop: Coop, *commands: dict) -> None:
    """What another clerk recorded, straight through the API."""
    with _supplychain(stack, coop) as supplychain:
        answer = supplychain.post("/batch", json={"commands": list(commands)})
        assert answer.status_code == 201, answer.text


def _harvest(coop: Coop, code: str, kg: str, household: str = "Nguyễn Văn Hùng") -> dict:
    return {
        "type": "harvest",
        "coop_id": coop.id,
        "member_id": coop.members[household],
        "lot_code": code,
        "quantity_kg": kg,
        "harvested_on": vietnam_today().isoformat(),
        "harvest_round": 1,
    }


def _processing(coop: Coop, source: str, taken: str, code: str, out: str) -> dict:
    return {
        "type": "processing",
        "coop_id": coop.id,
        "transformed_on": vietnam_today().isoformat(),
        "inputs": [{"lot_code": source, "quantity": taken}],
        "outputs": [{"lot_code": code, "product": "chè khô", "quantity_kg": out}],
    }


def _task(page: Page, name: str) -> None:
    page.get_by_role("link", name="Thêm").click()
    page.get_by_role("link", name=name).click()


def test_a_lot_weighed_without_a_price_is_bought_later(stack: CoopAppStack, coop: Coop, phone: BrowserContext):
    page = phone.new_page()
    sign_in(page, stack, coop)
    weigh_in(page, "nguyen van hung", "86,5")  # no price: the co-op has not bought it yet
    expect(page.locator("#queue-count")).to_have_text("")
    _task(page, "Mua lô đã cân")
    page.get_by_label("Hộ hoặc mã lô", exact=False).fill("nguyen van hung")
    page.locator("button.match").first.click()
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("86,5")  # what is left to buy
    page.get_by_label("Giá mua (đồng/kg)").fill("12000")
    expect(page.locator("output.owed")).to_have_text("1.038.000\u00a0₫")  # before saving
    assert not overflows_horizontally(page)
    page.get_by_role("button", name="Lưu lần mua").click()
    expect(page.locator(".saved")).to_contain_text("Đã ghi.")
    expect(page.locator(".saved")).to_contain_text("Mua 86,5 kg của Nguyễn Văn Hùng")
    expect(page.locator(".matches")).to_contain_text("Không có lô nào chưa mua")  # bought whole
    with _supplychain(stack, coop) as supplychain:
        [owed] = supplychain.get(f"/coops/{coop.id}/payables").json()
    assert (owed["household_name"], owed["quantity_kg"], owed["amount_vnd"]) == ("Nguyễn Văn Hùng", "86.500", 1_038_000)


def test_a_processing_batch_shows_its_yield_live_and_a_refusal_at_its_lot(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    _record(stack, coop, _harvest(coop, unique("TH-A"), "100"), _harvest(coop, unique("TH-B"), "50", "Trần Thị Lan"))
    page = phone.new_page()
    sign_in(page, stack, coop)
    _task(page, "Chế biến (sao, sấy)")
    lots = page.locator("li.lot")
    expect(lots).to_have_count(2)
    first = lots.filter(has_text="100 kg")
    first.get_by_role("checkbox").check()
    taken = first.get_by_label("Lấy từ lô", exact=False)
    expect(taken).to_have_value("100")
    yield_line = page.locator("output.yield")
    expect(yield_line).to_contain_text("Khoảng hợp lý cho chè khô: 18% – 25%")
    page.get_by_label("Khối lượng đầu ra (kg)").fill("30")
    expect(yield_line).to_have_class("yield warn")  # 30 % is out of range, said while typing
    expect(yield_line).to_contain_text("Tỷ lệ thu hồi 30%")
    expect(yield_line).to_contain_text("Ngoài khoảng")
    page.get_by_label("Khối lượng đầu ra (kg)").fill("150")
    expect(yield_line).to_have_class("yield bad")
    page.get_by_role("button", name="Lưu mẻ chế biến").click()  # the supply chain's 422 lands at the output
    expect(page.locator("#processing-out-error")).to_have_text(
        "Đầu ra 150 kg nặng hơn đầu vào 100 kg: chè đã làm khô không thể nặng hơn. Hãy cân lại."
    )
    page.get_by_label("Khối lượng đầu ra (kg)").fill("21,5")
    expect(yield_line).to_have_class("yield good")
    expect(yield_line).to_contain_text("21,5%")
    assert not overflows_horizontally(page)

    # Meanwhile another clerk processed 60 kg of that lot: the supply chain refuses the oversell.
    source = first.locator(".pick-line").inner_text().split(" · ")[0].strip()
    _record(stack, coop, _processing(coop, source, "60", unique("CB-X"), "13"))
    page.get_by_role("button", name="Lưu mẻ chế biến").click()
    error = first.locator("p.error")
    expect(error).to_contain_text(f"Lô {source} chỉ còn 40 kg; không thể lấy 100 kg")
    expect(taken).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".saved")).to_have_text("")

    # The refused batch waits in the outbox; "Sửa" opens it in its form again, as it was, the reason by its lot.
    page.get_by_role("link", name="Chờ gửi").click()
    refused = page.locator(".entry.refused")
    expect(refused).to_contain_text("Chế biến 100 kg → 21,5 kg chè khô")
    expect(refused.locator("p.error")).to_contain_text(f"Lô {source} chỉ còn 40 kg; không thể lấy 100 kg")
    refused.get_by_role("button", name="Sửa").click()
    expect(page.locator(".notice")).to_be_visible()
    first = page.locator("li.lot").filter(has_text=source)
    taken = first.get_by_label("Lấy từ lô", exact=False)
    expect(taken).to_have_value("100")
    expect(first.locator("p.error")).to_contain_text("không thể lấy 100 kg")
    expect(page.get_by_label("Khối lượng đầu ra (kg)")).to_have_value("21,5")

    taken.fill("40")
    page.get_by_label("Khối lượng đầu ra (kg)").fill("8,6")
    page.get_by_role("button", name="Lưu bản đã sửa").click()
    expect(page.locator(".saved")).to_contain_text("Đã ghi.")
    expect(page.locator(".saved")).to_contain_text("8,6 kg")
    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.locator(".entry.refused")).to_have_count(0)  # the fixed batch replaced the refused one
    expect(page.locator(".entry.sent").filter(has_text="Chế biến 40 kg → 8,6 kg chè khô")).to_have_count(1)
    with _supplychain(stack, coop) as supplychain:
        held = {lot["code"]: lot["held"] for lot in supplychain.get(f"/coops/{coop.id}/lots").json()["items"]}
    assert source not in held  # all 100 kg taken: 60 by the other clerk, 40 by this batch
    assert "8.600" in held.values()


def _decoded_labels(path: str) -> list[str]:
    return [text for page in pypdfium2.PdfDocument(path) for text in qr_texts(page.render(scale=300 / 72).to_pil())]


def test_graded_tea_is_packed_and_its_labels_open_the_trace_page(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    harvest, dry = unique("TH-C"), unique("CK")
    _record(stack, coop, _harvest(coop, harvest, "100"), _processing(coop, harvest, "100", dry, "21"))
    page = phone.new_page()
    sign_in(page, stack, coop)
    _task(page, "Phân loại")
    page.locator("li.lot").filter(has_text=dry).get_by_role("checkbox").check()
    page.get_by_label("Khối lượng (kg)").fill("12")
    page.get_by_role("button", name="Thêm loại").click()
    page.locator("#grading-kg-1").fill("10")
    expect(page.locator("output.yield")).to_have_class("yield bad")  # 22 kg out of 21
    page.locator("#grading-kg-1").fill("8,5")
    expect(page.locator("output.yield")).to_contain_text("Vào 21 kg · ra 20,5 kg")
    page.get_by_role("button", name="Lưu phân loại").click()
    expect(page.locator(".saved")).to_contain_text("Đã ghi. 2 lô loại, 20,5 kg.")

    _task(page, "Đóng gói")
    page.get_by_label("Lô chè đem đóng gói").select_option(
        label=page.locator("#packing-lot option", has_text="móc câu").inner_text()
    )
    expect(page.get_by_label("Tên sản phẩm trên nhãn")).to_have_value("chè khô móc câu")
    page.get_by_label("Tên sản phẩm trên nhãn").fill("Chè móc câu Tân Hương")
    page.get_by_label("Khối lượng tịnh mỗi gói (kg)").fill("0,5")
    page.get_by_label("Số gói", exact=True).fill("30")
    expect(page.locator("output.yield")).to_have_text("Dùng 15 kg (lô còn 12 kg)")
    page.get_by_label("Số gói", exact=True).fill("20")
    page.get_by_label("Số gói mỗi thùng").fill("12")
    gtin = page.get_by_label("Mã GTIN (không bắt buộc)")
    expect(gtin).to_have_attribute("inputmode", "numeric")  # the phone's number pad
    gtin.fill("0893 0000 1234 58")  # copied with spaces, and a wrong last digit: the supply chain refuses it
    page.get_by_role("button", name="Lưu đóng gói").click()
    expect(page.locator("#packing-gtin-error")).to_contain_text("sai số kiểm tra")
    expect(gtin).to_have_attribute("aria-invalid", "true")
    gtin.fill("")  # this product has no GTIN after all: its labels name each unit under the lot's token
    page.get_by_role("button", name="Lưu đóng gói").click()
    expect(page.locator(".saved")).to_contain_text("Đã ghi.")
    expect(page.locator(".saved")).to_contain_text("20 gói")
    assert not overflows_horizontally(page)

    page.get_by_role("button", name="Nhãn tờ A4").click()
    link = page.get_by_role("link", name="Mở / tải", exact=False)
    with page.expect_download() as download:
        link.click()
    codes = _decoded_labels(download.value.path())
    packed = link.get_attribute("download").removeprefix("nhan-").removesuffix("-a4.pdf")
    with _supplychain(stack, coop) as supplychain:
        token = supplychain.get(f"/lots/{packed}").json()["public_token"]
    # Each unit's public page on a label (its text is its own, so a symbol the reader reports twice is
    # one; the integration test counts the printed labels).
    assert sorted(set(codes)) == [f"{stack.urls['supplychain']}/t/{token}/{packed}-{n:04d}" for n in range(1, 21)]
    page.goto(codes[0])  # what a buyer's phone opens: the unit's trace page, no sign-in
    expect(page.locator("body")).to_contain_text("Chè móc câu Tân Hương")
    expect(page.locator("body")).to_contain_text(codes[0].rsplit("/", 1)[1])  # the unit named
