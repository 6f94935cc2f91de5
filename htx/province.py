"""A province's co-operatives, made up deterministically: the facts `htx demo province` loads.

A pure function of a seed and a scale (no I/O, no clock), so the same call gives the same
province on every run and on every machine, and the unit tests check its shape. At scale 1
it is Thái Nguyên's size (docs/domain-brief.md): ~580 organisations (hợp tác xã, tổ hợp tác,
liên hiệp) across the 92 communes with ~42,000 members and workers, the tea co-ops' selling
households with a plot each (its planting-area code), certificates, six seasons of two harvest
rounds (2020 as the base year of income growth, then the 2021–2025 plan's five), purchases,
processing and sales, gradings and inspections.

The trends are chosen, not drawn, so the scorecard means something: new co-ops per year above
the target of 30 in some years and below in others (`NEW_COOPS`), the effective share around
the 65 % target (`EFFECTIVE_SHARE`), members' income growing near 10 % a year (`PRICE_GROWTH`:
the households deliver about the same each year, so their income follows the price), contract
links spreading (`CONTRACT_SHARE`). Randomness only fills in the rest (names, communes, sizes,
days), from `random.Random(seed)`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from shared.places import dataset

PROVINCE = "Thái Nguyên"
SEED = 19  # Thái Nguyên's province code
CODE_PREFIX = "TNDEMO"  # registration codes: TNDEMO-HTX-0001; nothing a real co-op is registered under

PLAN_YEARS = (2021, 2022, 2023, 2024, 2025)
BASE_YEAR = 2020  # a season before the plan, so 2021's income growth has a figure
SEASONS = (BASE_YEAR, *PLAN_YEARS)
FORMS = ("hop_tac_xa", "to_hop_tac", "lien_hiep")
NEW_COOPS = {2021: 34, 2022: 27, 2023: 31, 2024: 36, 2025: 28}  # target: at least 30 a year
NEW_UNIONS = {2021: 1, 2022: 1, 2023: 2, 2024: 1, 2025: 1}  # target: 5 in the plan
EFFECTIVE_SHARE = {2021: 0.61, 2022: 0.63, 2023: 0.67, 2024: 0.70, 2025: 0.68}  # target: more than 65 %
PRICE_GROWTH = {2021: 0.12, 2022: 0.07, 2023: 0.11, 2024: 0.085, 2025: 0.13}  # target: 10 % a year
CONTRACT_SHARE = {2021: 0.36, 2022: 0.42, 2023: 0.48, 2024: 0.53, 2025: 0.58}  # demo target: 50 %
BASE_PRICE_VND = 9_000  # fresh leaf bought from households in 2020, per kg
DRY_PRICE_VND = 260_000  # dry tea sold in 2020, per kg; follows the same growth

OLDER_COOPS = 383  # hợp tác xã founded 1997–2020, so ~540 in all by 2025
GROUPS = 30  # tổ hợp tác
OLDER_UNIONS = 4
MEMBERS = 42_000  # members and workers of the co-ops and groups
TEA_SHARE = 0.6  # of hợp tác xã: tea co-ops with harvests on the supply chain
SELLING_HOUSEHOLDS = (12, 28)  # per tea co-op: the households whose deliveries are recorded
ROUNDS = ((1, 5, 8), (2, 7, 14))  # (round, month, first day): lứa 1 in May, lứa 2 in July
EMPTY_COMMUNES = 4  # communes without an organisation, at scale 1 (the "communes without" list)

SURNAMES: tuple[str, ...] = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đỗ",
    "Bùi",
    "Đặng",
    "Ngô",
    "Dương",
    "Lý",
    "Ma",
    "Hà",
)
SURNAMES += ("Triệu", "Nông", "Lương", "Đinh", "Tạ", "Lưu")
MIDDLE = ("Văn", "Thị", "Đức", "Thị Thu", "Văn Minh", "Thị Ngọc", "Quang", "Thị Hồng", "Hữu", "Thanh", "Xuân")
GIVEN: tuple[str, ...] = (
    "Hùng",
    "Lan",
    "Tuấn",
    "Hương",
    "Thắng",
    "Ánh",
    "Lượng",
    "Mai",
    "Khải",
    "Sơn",
    "Hạnh",
    "Bình",
    "Yến",
)
GIVEN += ("Quang", "Thu", "Hằng", "Dũng", "Nga", "Phúc", "Tâm", "Trang", "Cường", "Huyền", "Long", "Thảo", "Hải")
SUFFIXES = ("", " Xanh", " Hưng Thịnh", " Thành Công", " An Phát", " Phú Lợi", " Tân Tiến", " Bình Minh", " Sông Cầu")
TEA_PRODUCTS = ("chè búp tươi", "chè móc câu", "chè tôm nõn")
OTHER_TRADES = (
    ("HTX Nông nghiệp", ("lúa", "rau an toàn")),
    ("HTX Dịch vụ nông nghiệp", ("vật tư nông nghiệp", "làm đất")),
    ("HTX Chăn nuôi", ("lợn", "gà đồi")),
    ("HTX Cây ăn quả", ("na", "bưởi", "cam")),
    ("HTX Lâm nghiệp", ("keo", "quế")),
    ("HTX Thủ công", ("mây tre đan",)),
)
CULTIVARS = ("Trung du", "LDP1", "Kim Tuyên", "TRI 777", "Bát Tiên")
BUYERS = (
    ("Công ty TNHH Trà Thái Nguyên", "4601234567"),
    ("Công ty Cổ phần Chè Sông Cầu", "4600102030"),
    ("Công ty TNHH Chè La Bằng", "4601555121"),
    ("Công ty Cổ phần Trà Tân Cương Hoàng Bình", "4600998877"),
    ("Công ty TNHH Xuất nhập khẩu Chè Đại Từ", "4601876543"),
    ("Công ty TNHH Thương mại Trà Phú Lương", "4601345678"),
    ("Công ty Cổ phần Đặc sản Chè Định Hóa", "4601212121"),
    ("Công ty TNHH Nông sản Bắc Kạn", "4700123456"),
)
INSPECTORS = ("Sở Nông nghiệp và Môi trường Thái Nguyên", "Sở Tài chính Thái Nguyên", "Liên minh HTX tỉnh Thái Nguyên")
VIOLATIONS = (
    "Sổ sách kế toán chưa cập nhật đủ",
    "Chưa tổ chức đại hội thành viên thường niên đúng hạn",
    "Nhật ký sử dụng thuốc bảo vệ thực vật chưa ghi đủ",
    "Chưa cấp giấy chứng nhận phần vốn góp cho thành viên",
)
COMMENDATIONS = ("Mô hình liên kết chuỗi giá trị tiêu biểu", "Thực hiện tốt truy xuất nguồn gốc")


@dataclass(frozen=True)
class Member:
    name: str
    joined_on: date
    id_number: str  # Số CCCD: unique in the co-op, so an import sent twice adds no one twice
    membership: str = "official"  # official, associate, worker
    capital_vnd: int = 0


@dataclass(frozen=True)
class Plot:
    member: int  # index into the co-op's members
    code: str  # mã số vùng trồng
    area_ha: Decimal
    cultivar: str


@dataclass(frozen=True)
class Harvest:
    member: int
    plot_code: str
    lot_code: str
    harvested_on: date
    harvest_round: int
    kg: Decimal
    price_vnd: int  # what the co-op pays the household per kg, the same day


@dataclass(frozen=True)
class Round:
    """One harvest round of a co-op: the households' deliveries, bought, processed into dry tea and sold."""

    year: int
    number: int
    harvests: tuple[Harvest, ...]
    batch_id: str
    processed_on: date
    dry_lot: str
    dry_kg: Decimal
    buyer: str
    sold_on: date
    dry_price_vnd: int
    invoice: str


@dataclass(frozen=True)
class Grading:
    year: int
    finance: int
    governance: int
    members: int
    community: int

    @property
    def total(self) -> int:
        return self.finance + self.governance + self.members + self.community


@dataclass(frozen=True)
class Inspection:
    inspected_on: date
    body: str
    violations: tuple[str, ...] = ()
    commendations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Certificate:
    kind: str  # vietgap or ocop
    code: str
    issuer: str
    valid_from: date
    valid_to: date
    ocop_stars: int | None = None
    ocop_score: int | None = None
    products: tuple[str, ...] = ()
    with_plots: bool = False  # a VietGAP certificate covers the co-op's plots


@dataclass(frozen=True)
class Contract:
    buyer: str
    product: str
    valid_from: date


@dataclass(frozen=True)
class StatusChange:
    status: str  # suspended, dissolved
    effective_on: date
    reason: str


@dataclass(frozen=True)
class Organisation:
    number: int
    form: str  # hop_tac_xa, to_hop_tac, lien_hiep
    name: str
    registration_code: str
    ward_code: str
    founded_on: date
    main_products: tuple[str, ...]
    members: tuple[Member, ...] = ()
    plots: tuple[Plot, ...] = ()
    rounds: tuple[Round, ...] = ()
    gradings: tuple[Grading, ...] = ()
    inspections: tuple[Inspection, ...] = ()
    certificates: tuple[Certificate, ...] = ()
    contracts: tuple[Contract, ...] = ()
    union: str | None = None  # the registration code of the union it joins
    joins_union_on: date | None = None
    status_changes: tuple[StatusChange, ...] = ()

    @property
    def tea(self) -> bool:
        return bool(self.rounds)


@dataclass(frozen=True)
class Province:
    organisations: tuple[Organisation, ...]
    buyers: tuple[tuple[str, str], ...]  # (name, tax code)
    scale: float
    seed: int

    def of_form(self, form: str) -> list[Organisation]:
        return [o for o in self.organisations if o.form == form]

    @property
    def members(self) -> int:
        return sum(len(o.members) for o in self.organisations)

    def harvests(self) -> list[Harvest]:
        return [h for o in self.organisations for r in o.rounds for h in r.harvests]

    def chain_events(self) -> int:
        """Facts on the supply chain: a harvest and its purchase each, a processing and a sale a round."""
        rounds = [r for o in self.organisations for r in o.rounds]
        return 2 * sum(len(r.harvests) for r in rounds) + 2 * len(rounds)


@cache
def province_communes(province: str = PROVINCE) -> tuple[str, ...]:
    """The province's current communes and wards by code (92 for Thái Nguyên)."""
    return tuple(sorted(code for code, ward in dataset().current.items() if ward.province_name == province))


def scaled(count: int, scale: float) -> int:
    """`count` at `scale`, at least one: a small province still has one of each kind."""
    return max(1, round(count * scale))


def generate(scale: float = 1.0, seed: int = SEED) -> Province:
    """The province at `scale` (1.0: Thái Nguyên's size; 0.02: a dozen organisations for tests)."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be more than 0 and at most 1, not {scale}")
    rng = random.Random(seed)
    communes = list(province_communes())
    rng.shuffle(communes)
    empty = round(EMPTY_COMMUNES * scale) if scale >= 0.5 else 0
    used = communes[empty:] if empty else communes
    weights = [rng.uniform(0.3, 3.0) for _ in used]

    plan: list[tuple[str, date]] = []  # (form, founded_on), oldest first
    for _ in range(scaled(OLDER_COOPS, scale)):
        year = min(2020, 1997 + int(rng.triangular(0, 24, 22)))
        plan.append(("hop_tac_xa", _day(rng, year)))
    for year, count in NEW_COOPS.items():
        plan += [("hop_tac_xa", _day(rng, year)) for _ in range(scaled(count, scale))]
    plan += [("to_hop_tac", _day(rng, rng.randint(2012, 2025))) for _ in range(scaled(GROUPS, scale))]
    plan += [("lien_hiep", _day(rng, rng.randint(2008, 2019))) for _ in range(scaled(OLDER_UNIONS, scale))]
    new_unions = {year: round(count * scale) for year, count in NEW_UNIONS.items()}
    if not any(new_unions.values()):
        new_unions[2023] = 1  # a small province still founds a union in the plan
    for year, count in new_unions.items():
        plan += [("lien_hiep", _day(rng, year)) for _ in range(count)]
    plan.sort(key=lambda item: item[1])

    sizes = _member_counts(rng, [form for form, _ in plan], scaled(MEMBERS, scale))
    buyers = BUYERS[: max(2, round(len(BUYERS) * min(1.0, scale * 4)))]
    organisations: list[Organisation] = []
    names: set[str] = set()
    for number, ((form, founded), size) in enumerate(zip(plan, sizes, strict=True), start=1):
        ward = rng.choices(used, weights)[0]
        tea = form == "hop_tac_xa" and rng.random() < TEA_SHARE
        organisations.append(_organisation(rng, number, form, founded, ward, size, tea, names, buyers))
    organisations = _with_unions(rng, organisations)
    organisations = _with_gradings(rng, organisations)
    organisations = _with_contracts(rng, organisations, buyers)
    return Province(tuple(organisations), tuple(buyers), scale, seed)


def price_in(year: int, base: int = BASE_PRICE_VND) -> int:
    """The price of `year`: the base year's grown by each plan year's growth up to it."""
    price = float(base)
    for grown in PLAN_YEARS:
        if grown <= year:
            price *= 1 + PRICE_GROWTH[grown]
    return round(price / 100) * 100


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365 if year % 4 else 366))


def _member_counts(rng: random.Random, forms: list[str], total: int) -> list[int]:
    """Members per organisation summing to `total`: groups 5–15, co-ops skewed (a few large ones), unions none."""
    raw = [
        0.0 if f == "lien_hiep" else rng.uniform(5, 15) if f == "to_hop_tac" else rng.lognormvariate(4, 0.6)
        for f in forms
    ]
    groups = sum(r for r, f in zip(raw, forms, strict=True) if f == "to_hop_tac")
    coops = sum(r for r, f in zip(raw, forms, strict=True) if f == "hop_tac_xa")
    factor = (total - groups) / coops
    counts = [
        round(r) if f == "to_hop_tac" else max(7, round(r * factor)) if f == "hop_tac_xa" else 0
        for r, f in zip(raw, forms, strict=True)
    ]
    largest = max(range(len(counts)), key=counts.__getitem__)
    counts[largest] = max(7, counts[largest] + total - sum(counts))  # the exact total, on the largest co-op
    return counts


def _organisation(
    rng: random.Random,
    number: int,
    form: str,
    founded: date,
    ward: str,
    size: int,
    tea: bool,
    names: set[str],
    buyers: tuple[tuple[str, str], ...],
) -> Organisation:
    place = dataset().current[ward].name.removeprefix("Xã ").removeprefix("Phường ")
    products: tuple[str, ...]
    if form == "lien_hiep":
        stem, products = "Liên hiệp HTX", ("chè", "nông sản")
    elif form == "to_hop_tac":
        stem, products = "Tổ hợp tác", ("chè búp tươi",) if rng.random() < 0.5 else ("rau an toàn",)
    elif tea:
        stem, products = "HTX Chè", TEA_PRODUCTS[: rng.randint(1, 3)]
    else:
        stem, products = rng.choice(OTHER_TRADES)
    name = _unique(f"{stem} {place}", names, rng)
    kind = {"hop_tac_xa": "HTX", "to_hop_tac": "THT", "lien_hiep": "LH"}[form]
    organisation = Organisation(
        number=number,
        form=form,
        name=name,
        registration_code=f"{CODE_PREFIX}-{kind}-{number:04d}",
        ward_code=ward,
        founded_on=founded,
        main_products=tuple(products),
        members=_members(rng, number, founded, size),
    )
    if form != "hop_tac_xa":
        return organisation
    changes: tuple[StatusChange, ...] = ()
    if not tea and founded.year < 2020 and rng.random() < 0.05:
        year = rng.randint(2021, 2025)
        status = "dissolved" if rng.random() < 0.6 else "suspended"
        reason = "Đại hội thành viên quyết định giải thể" if status == "dissolved" else "Tạm ngừng kinh doanh"
        changes = (StatusChange(status, _day(rng, year), reason),)
    organisation = _replace(organisation, status_changes=changes, inspections=_inspections(rng, founded, changes))
    if not tea:
        return organisation
    plots, rounds = _chain(rng, organisation, buyers)
    if not rounds:  # founded in the last season: its households deliver from next year
        return organisation
    return _replace(organisation, plots=plots, rounds=rounds, certificates=_certificates(rng, organisation))


def _replace(organisation: Organisation, **changes: object) -> Organisation:
    return replace(organisation, **changes)


def _unique(name: str, taken: set[str], rng: random.Random) -> str:
    for suffix in (*rng.sample(SUFFIXES, len(SUFFIXES)), *(f" số {n}" for n in range(2, 1000))):
        if name + suffix not in taken:
            taken.add(name + suffix)
            return name + suffix
    raise AssertionError("unreachable: a thousand numbers")


def _members(rng: random.Random, number: int, founded: date, size: int) -> tuple[Member, ...]:
    """Founding members on the founding day (at least 7: the 2012 law's minimum), the rest joining later."""
    members: list[Member] = []
    taken: set[str] = set()
    latest = max(founded, date(2025, 6, 30))
    for index in range(size):
        joined = (
            founded if index < 7 else min(latest, founded + timedelta(days=rng.randrange(1 + (latest - founded).days)))
        )
        membership = "worker" if rng.random() < 0.1 else "associate" if rng.random() < 0.08 else "official"
        while (name := f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}") in taken:
            pass
        taken.add(name)
        capital = rng.choice((2, 3, 5, 10, 20)) * 1_000_000 if membership == "official" else 0
        members.append(Member(name, joined, f"019{number:04d}{index:05d}", membership, capital))
    members.sort(key=lambda m: m.joined_on)  # the import checks joining on or after the founding day
    return tuple(members)


def _chain(
    rng: random.Random, coop: Organisation, buyers: tuple[tuple[str, str], ...]
) -> tuple[tuple[Plot, ...], tuple[Round, ...]]:
    """Each selling household's plot, and the co-op's rounds: every season after its first full year."""
    first_season = max(BASE_YEAR, coop.founded_on.year + 1)
    eligible = [i for i, m in enumerate(coop.members) if m.membership == "official" and m.joined_on.year < first_season]
    households = sorted(rng.sample(eligible, min(len(eligible), rng.randint(*SELLING_HOUSEHOLDS))))
    plots = tuple(
        Plot(i, f"VT-{coop.number:04d}-{n + 1:03d}", Decimal(rng.randint(15, 120)) / 100, rng.choice(CULTIVARS))
        for n, i in enumerate(households)
    )
    delivery = {p.member: Decimal(rng.randint(300, 1400)) / 10 for p in plots}  # kg a round, about the same each year
    coop_price = rng.uniform(0.95, 1.05)
    buyer = rng.choice(buyers)[0]
    rounds = []
    for year in (y for y in SEASONS if y >= first_season):
        price = round(price_in(year) * coop_price / 100) * 100
        for number, month, first_day in ROUNDS:
            harvests = []
            for n, plot in enumerate(plots):
                day = date(year, month, first_day + rng.randrange(4))
                kg = (delivery[plot.member] * Decimal(str(rng.uniform(0.96, 1.04)))).quantize(Decimal("0.1"))
                lot = f"P{coop.number:04d}-{year}{number}-{n + 1:03d}"
                harvests.append(Harvest(plot.member, plot.code, lot, day, number, kg, price))
            fresh = sum((h.kg for h in harvests), Decimal(0))
            processed = date(year, month, first_day + 5)
            dry = (fresh * Decimal(str(rng.uniform(0.19, 0.23)))).quantize(Decimal("0.1"))
            dry_price = round(price_in(year, DRY_PRICE_VND) * coop_price / 1000) * 1000
            rounds.append(
                Round(
                    year=year,
                    number=number,
                    harvests=tuple(harvests),
                    batch_id=f"P{coop.number:04d}-SS-{year}{number}",
                    processed_on=processed,
                    dry_lot=f"P{coop.number:04d}-CK-{year}{number}",
                    dry_kg=dry,
                    buyer=buyer,
                    sold_on=processed + timedelta(days=6),
                    dry_price_vnd=dry_price,
                    invoice=f"C{year % 100}P{coop.number:04d}-{number:02d}",
                )
            )
    return plots, tuple(rounds)


def _inspections(rng: random.Random, founded: date, changes: tuple[StatusChange, ...]) -> tuple[Inspection, ...]:
    """About one co-op in five inspected a year, while active; some with violations, some commended."""
    inspections = []
    for year in PLAN_YEARS:
        if founded.year >= year or any(c.effective_on.year <= year for c in changes) or rng.random() > 0.2:
            continue
        violations = tuple(rng.sample(VIOLATIONS, rng.choice((0, 0, 1, 1, 2))))
        commended = tuple(rng.sample(COMMENDATIONS, 1)) if not violations and rng.random() < 0.4 else ()
        day = date(year, rng.randint(3, 11), rng.randint(1, 28))
        inspections.append(Inspection(day, rng.choice(INSPECTORS), violations, commended))
    return tuple(inspections)


def _certificates(rng: random.Random, coop: Organisation) -> tuple[Certificate, ...]:
    """VietGAP for a third of the tea co-ops (covering their plots), OCOP for one in six."""
    certificates = []
    start = min(max(coop.founded_on.year + 1, 2020), 2024)
    if rng.random() < 1 / 3:
        issued = date(rng.randint(start, 2024), rng.randint(1, 12), 1)
        valid_to = issued.replace(year=issued.year + 3) - timedelta(days=1)
        code = f"VG-TN-{coop.number:04d}-{issued.year}"
        certificates.append(
            Certificate(
                "vietgap",
                code,
                "Trung tâm Chứng nhận VietGAP",
                issued,
                valid_to,
                with_plots=True,
                products=("chè búp tươi",),
            )
        )
    if rng.random() < 1 / 6:
        issued = date(rng.randint(start, 2024), rng.randint(1, 12), 15)
        score = rng.randint(52, 92)
        stars = 5 if score >= 90 else 4 if score >= 70 else 3
        valid_to = issued.replace(year=issued.year + 3) - timedelta(days=1)
        code = f"OCOP-TN-{coop.number:04d}"
        certificates.append(
            Certificate(
                "ocop", code, "UBND tỉnh Thái Nguyên", issued, valid_to, stars, score, (coop.main_products[-1],)
            )
        )
    return tuple(certificates)


def _with_unions(rng: random.Random, organisations: list[Organisation]) -> list[Organisation]:
    """Three to eight co-ops join each union, from its founding (or theirs, if later)."""
    unions = [o for o in organisations if o.form == "lien_hiep"]
    free = [o.number for o in organisations if o.form == "hop_tac_xa" and not o.status_changes]
    joining: dict[int, tuple[str, date]] = {}
    for union in unions:
        candidates = [n for n in free if n not in joining]
        for number in rng.sample(candidates, min(len(candidates), rng.randint(3, 8))):
            coop = organisations[number - 1]
            day = max(union.founded_on, coop.founded_on) + timedelta(days=rng.randint(10, 200))
            joining[number] = (union.registration_code, min(day, date(2025, 12, 31)))
    return [
        _replace(o, union=joining[o.number][0], joins_union_on=joining[o.number][1]) if o.number in joining else o
        for o in organisations
    ]


def _with_gradings(rng: random.Random, organisations: list[Organisation]) -> list[Organisation]:
    """Each plan year, the hợp tác xã in a full year of activity are graded; the share graded Tốt or
    Khá is the year's `EFFECTIVE_SHARE` exactly (to the nearest co-op), the rest Trung bình or Yếu."""
    gradings: dict[int, list[Grading]] = {}
    for year in PLAN_YEARS:
        graded = [
            o.number
            for o in organisations
            if o.form == "hop_tac_xa" and o.founded_on.year < year and not _inactive_by(o, year)
        ]
        rng.shuffle(graded)
        effective = round(len(graded) * EFFECTIVE_SHARE[year])
        for position, number in enumerate(graded):
            if position < effective:
                total = rng.randint(80, 96) if rng.random() < 0.3 else rng.randint(65, 79)
            else:
                total = rng.randint(50, 64) if rng.random() < 0.75 else rng.randint(35, 49)
            gradings.setdefault(number, []).append(_scores(rng, year, total))
    return [_replace(o, gradings=tuple(gradings.get(o.number, ()))) for o in organisations]


def _inactive_by(organisation: Organisation, year: int) -> bool:
    """Suspended or dissolved in or before `year`: not graded, no new contract."""
    return any(change.effective_on.year <= year for change in organisation.status_changes)


def _scores(rng: random.Random, year: int, total: int) -> Grading:
    """`total` points over the four groups of criteria, each at most 40."""
    parts = [total // 4] * 4
    for index in range(total - sum(parts)):
        parts[index] += 1
    for _ in range(6):
        a, b = rng.sample(range(4), 2)
        move = min(rng.randint(0, 5), parts[a], 40 - parts[b])
        parts[a], parts[b] = parts[a] - move, parts[b] + move
    return Grading(year, *parts)


def _with_contracts(
    rng: random.Random, organisations: list[Organisation], buyers: tuple[tuple[str, str], ...]
) -> list[Organisation]:
    """Chain contracts spread: by the end of each year the share of active hợp tác xã with one is
    about `CONTRACT_SHARE` (tea co-ops first: they sell to the buyers)."""
    coops = [o for o in organisations if o.form == "hop_tac_xa"]
    order = sorted(coops, key=lambda o: (not o.tea, rng.random()))
    signed: dict[int, Contract] = {}
    for year in PLAN_YEARS:
        active = {o.number for o in coops if o.founded_on.year <= year and not _inactive_by(o, year)}
        wanted = round(len(active) * CONTRACT_SHARE[year]) - len(active & signed.keys())
        for coop in [o for o in order if o.number in active and o.number not in signed][: max(0, wanted)]:
            buyer = coop.rounds[0].buyer if coop.rounds else rng.choice(buyers)[0]
            first = max(date(year, 1, 1), coop.founded_on)
            product = "chè khô" if coop.tea else coop.main_products[0]
            signed[coop.number] = Contract(buyer, product, first + timedelta(days=rng.randrange(60)))
    return [_replace(o, contracts=(signed[o.number],)) if o.number in signed else o for o in organisations]
