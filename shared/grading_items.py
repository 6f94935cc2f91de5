"""The 15 criteria of Circular 01/2020/TT-BKHĐT (Phụ lục: "tiêu chí đánh giá"), as the registry's
scheme `TT01-2020-15` scores them and reporting's score sheet names them: one vocabulary both
services read, so neither imports the other's code.

Maxima (ADR 0027): criteria 1-9 are read from a copy of the circular's scoring table (finance
group 7+6+11+6 = 30, governance group 8+6+6+6+4 = 30). Criteria 10-15 share the remaining 40
points of the members-and-community group, but their split could not be confirmed from the text
found: the figures below are provisional and marked `confirmed=False`; a confirmed split is a
new scheme version (POST /grading-schemes), never an edit of this one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradingItem:
    number: int
    code: str
    vi: str
    en: str
    maximum: int
    confirmed: bool


GRADING_ITEMS: tuple[GradingItem, ...] = (
    GradingItem(1, "capital", "Vốn của hợp tác xã", "Capital", 7, True),
    GradingItem(2, "assets", "Tài sản của hợp tác xã", "Assets", 6, True),
    GradingItem(
        3, "business_results", "Kết quả sản xuất, kinh doanh trong năm", "Business results of the year", 11, True
    ),
    GradingItem(4, "funds", "Trích lập các quỹ", "Funds set aside", 6, True),
    GradingItem(5, "legal_compliance", "Chấp hành pháp luật trong tổ chức, hoạt động", "Legal compliance", 8, True),
    GradingItem(6, "disputes", "Giải quyết tranh chấp, khiếu nại", "Disputes and complaints resolved", 6, True),
    GradingItem(7, "managers", "Trình độ cán bộ quản lý, điều hành", "Managers' qualifications", 6, True),
    GradingItem(
        8,
        "member_policies",
        "Chế độ, chính sách cho thành viên và người lao động",
        "Policies for members and workers",
        6,
        True,
    ),
    GradingItem(
        9,
        "technology_chain",
        "Áp dụng tiến bộ khoa học kỹ thuật, xây dựng thương hiệu, chuỗi giá trị",
        "Technology, brand and value chain",
        4,
        True,
    ),
    GradingItem(10, "member_participation", "Mức độ tham gia của thành viên", "Member participation", 8, False),
    GradingItem(11, "member_benefit", "Lợi ích thành viên", "Member benefit", 10, False),
    GradingItem(
        12, "member_services", "Sản phẩm, dịch vụ cung ứng cho thành viên", "Products and services to members", 8, False
    ),
    GradingItem(
        13,
        "communication_training",
        "Thông tin, truyền thông, đào tạo bồi dưỡng",
        "Communication and training",
        6,
        False,
    ),
    GradingItem(14, "community_impact", "Ảnh hưởng tích cực đến cộng đồng", "Positive community impact", 4, False),
    GradingItem(15, "awards", "Khen thưởng trong năm", "Awards in the year", 4, False),
)
ITEMS_BY_CODE = {item.code: item for item in GRADING_ITEMS}
# The criteria the platform proposes from its own data (reporting's `grading_proposals`); the rest are entered.
COMPUTED_ITEMS = ("technology_chain", "member_participation", "member_benefit", "member_services")

assert sum(item.maximum for item in GRADING_ITEMS) == 100
