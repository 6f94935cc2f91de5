"""Bulk import of the province's spreadsheets of organisations and members (CSV or XLSX).

Every row is checked first, through the same input models as the API (`CoopCreate`,
`MemberCreate`) plus the checks that need the database (registration codes taken, the
member's co-op, ID numbers already listed). The report names each problem by its row number
as the spreadsheet shows it (the header is row 1), its column header as written in the file,
and a message in the caller's language, and closes with what happened in counts (`message`),
the rows skipped and what to do next (`retry_with`), in words an officer reads rather than the
route's parameter names. A file with any error imports nothing, unless the caller asks
`accept_valid_rows` (the option "import the valid rows only"), which imports the valid rows.
A pre-July-2025 commune code in the current-code column is mapped by `shared.places` and the
row says so in a warning; a divided commune's old code is refused with the new ones named.

Importing writes the same rows and publishes the same events as the API, one event per row,
in the caller's transaction. Rows go in with multi-row INSERTs; events go through
`publishing.publish_many`, the bulk form of the API's `publish` (outbox rows plus their history
index rows; no Redis round trip here: the relay publishes after commit). Template: docs/registry-import.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

from fastapi import UploadFile
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.commands import new_coop, registration_facts
from services.registry.publishing import publish_many
from services.registry.schemas import CoopCreate, ImportKind, ImportReport, MemberCreate, RowError
from services.registry.tables import Coop, CoopStatusHistory, Member
from shared.auth import Principal
from shared.clock import start_of_local_day
from shared.errors import Conflict, Unprocessable
from shared.events import registry as contracts
from shared.formats import counted, plural
from shared.i18n import Language, translate
from shared.messaging.outbox import PendingEvent
from shared.places import former_meaning, legacy_ward, legacy_wards_named, named_wards, ward_name
from shared.shapes import from_fields
from shared.text import identity_key, search_key
from shared.validation_messages import validation_message

MAX_BYTES = 25 * 1024 * 1024
BATCH = 2000  # rows per multi-row INSERT batch


# --- the template: accepted headers per field, compared without case or diacritics ------------

COOP_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Tên HTX", "Tên tổ chức", "Tên hợp tác xã", "Tên", "name"),
    "registration_code": ("Mã số đăng ký", "Mã số HTX", "Số đăng ký", "registration_code"),
    "tax_code": ("Mã số thuế", "MST", "tax_code"),
    "ward_code": ("Mã xã", "Mã xã/phường", "Mã phường/xã", "ward_code"),
    "legacy_ward_code": ("Mã xã cũ", "Mã xã trước 01/7/2025", "legacy_ward_code"),
    "legacy_ward_name": ("Tên xã cũ", "Xã cũ", "Xã/phường cũ", "legacy_ward_name"),
    "legacy_district_name": ("Huyện cũ", "Quận/huyện cũ", "legacy_district_name"),
    "founded_on": ("Ngày thành lập", "founded_on"),
    "form": ("Loại hình", "Hình thức tổ chức", "form"),
    "address": ("Địa chỉ", "address"),
    "sectors": ("Ngành nghề", "Lĩnh vực", "sectors"),
    "main_products": ("Sản phẩm chính", "Sản phẩm", "main_products"),
    "contact_name": ("Người liên hệ", "Người đại diện", "contact_name"),
    "contact_phone": ("Điện thoại liên hệ", "Số điện thoại", "Điện thoại", "contact_phone"),
    "contact_email": ("Email", "Thư điện tử", "contact_email"),
}
COOP_REQUIRED = ("name", "registration_code", "founded_on")

MEMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "coop_registration_code": ("Mã số đăng ký HTX", "Mã số đăng ký", "Mã HTX", "coop_registration_code"),
    "name": ("Họ và tên", "Họ tên", "Tên thành viên", "name"),
    "kind": ("Loại thành viên", "Đối tượng", "kind"),
    "membership": ("Hình thức", "Tư cách thành viên", "membership"),
    "joined_on": ("Ngày vào", "Ngày gia nhập", "joined_on"),
    "capital_vnd": ("Vốn góp", "Vốn góp (đồng)", "capital_vnd"),
    "phone": ("Số điện thoại", "Điện thoại", "phone"),
    "id_number": ("Số CCCD", "Số định danh", "CCCD", "Số CMND/CCCD", "id_number"),
}
MEMBER_REQUIRED = ("coop_registration_code", "name", "joined_on")

# Values as written in the province's sheets (compared by search key) -> contract values.
CHOICES: dict[str, dict[str, str]] = {
    "form": {
        "to hop tac": "to_hop_tac",
        "tht": "to_hop_tac",
        "hop tac xa": "hop_tac_xa",
        "htx": "hop_tac_xa",
        "lien hiep hop tac xa": "lien_hiep",
        "lien hiep htx": "lien_hiep",
        "lien hiep": "lien_hiep",
        "to_hop_tac": "to_hop_tac",
        "hop_tac_xa": "hop_tac_xa",
        "lien_hiep": "lien_hiep",
    },
    "kind": {
        "ho gia dinh": "household",
        "ho": "household",
        "ca nhan": "individual",
        "phap nhan": "legal_entity",
        "to chuc": "legal_entity",
        "household": "household",
        "individual": "individual",
        "legal_entity": "legal_entity",
    },
    "membership": {
        "chinh thuc": "official",
        "lien ket": "associate",
        "nguoi lao dong": "worker",
        "lao dong": "worker",
        "official": "official",
        "associate": "associate",
        "worker": "worker",
    },
}
CHOICE_LABELS = {
    "form": "Tổ hợp tác, Hợp tác xã, Liên hiệp hợp tác xã",
    "kind": "Hộ gia đình, Cá nhân, Pháp nhân",
    "membership": "Chính thức, Liên kết, Người lao động",
}


# --- reading the file ------------------------------------------------------------------------


async def read_upload(file: UploadFile) -> bytes:
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise Unprocessable("import.too_large", size=f">{MAX_BYTES}", limit=MAX_BYTES)
    return content


Table = tuple[list[str], list[tuple[int, list[Any]]]]


def read_table(filename: str, content: bytes) -> Table:
    """Header cells and (spreadsheet row number, cells) of each non-blank row."""
    try:
        if content[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
            return _read_xlsx(content)
        return _read_csv(content)
    except Unprocessable:
        raise
    except Exception as error:  # any parser failure is the file's fault: say so
        raise Unprocessable("import.unreadable", file=filename, reason=type(error).__name__) from error


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return _table(enumerate(rows, start=1))
    finally:
        workbook.close()


def _read_csv(content: bytes) -> Table:
    text = content.decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # csv counts physical lines, which is what a spreadsheet shows for rows without line breaks
    return _table((reader.line_num, row) for row in reader)


def _table(numbered_rows: Iterable[tuple[int, Iterable[Any]]]) -> Table:
    header: list[str] | None = None
    body: list[tuple[int, list[Any]]] = []
    for number, cells in numbered_rows:
        cells = list(cells)
        if all(_blank(cell) for cell in cells):
            continue
        if header is None:
            header = ["" if cell is None else str(cell).strip() for cell in cells]
            continue
        body.append((number, cells))
    if header is None:
        raise ValueError("no header row")
    return header, body


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- cells to values -------------------------------------------------------------------------

_DATE_FORMATS = ("%d/%m/%y", "%d-%m-%y")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class CellError(ValueError):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def _date(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    # Fast paths for the two usual spellings (strptime costs seconds over 40,000 rows)
    if match := _DAY_FIRST.match(text):
        day, month, year = map(int, match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = map(int, match.groups())
    else:
        match = None
    if match:
        try:
            return date(year, month, day)
        except ValueError:
            raise CellError("import.bad_date", value=text) from None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("import.bad_date", value=text)


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _digits_text(cell: Any, width: int) -> str:
    """Numbers typed into a spreadsheet lose their leading zeros (phones, ID numbers): put them back."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        digits = _text(cell)
        return digits.zfill(width) if len(digits) == width - 1 else digits
    return _text(cell)


def _vnd(cell: Any) -> int:
    if isinstance(cell, bool):
        raise CellError("import.bad_number", value=cell)
    if isinstance(cell, (int, float)):
        if float(cell).is_integer() and cell >= 0:
            return int(cell)
        raise CellError("import.bad_number", value=cell)
    text = re.sub(r"[\s.,]|đ$|VND$", "", str(cell).strip(), flags=re.IGNORECASE)
    if not text.isdigit():
        raise CellError("import.bad_number", value=str(cell).strip())
    return int(text)


@lru_cache(maxsize=256)
def _choice_key(text: str) -> str:
    return search_key(text)  # a sheet repeats a handful of labels thousands of times


def _choice(field: str) -> Callable[[Any], str]:
    def convert(cell: Any) -> str:
        value = CHOICES[field].get(_choice_key(str(cell)))
        if value is None:
            raise CellError("import.bad_choice", value=str(cell).strip(), choices=CHOICE_LABELS[field])
        return value

    return convert


def _list(cell: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", str(cell)) if part.strip()]


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "founded_on": _date,
    "joined_on": _date,
    "capital_vnd": _vnd,
    "form": _choice("form"),
    "kind": _choice("kind"),
    "membership": _choice("membership"),
    "sectors": _list,
    "main_products": _list,
    "contact_phone": lambda cell: _digits_text(cell, 10),
    "phone": lambda cell: _digits_text(cell, 10),
    "id_number": lambda cell: _digits_text(cell, 12),
}


# --- validation ------------------------------------------------------------------------------


class _Sheet:
    """Maps the file's headers onto the template and collects the report's errors."""

    def __init__(
        self, header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...], language: Language
    ) -> None:
        self.language = language
        aliases = {search_key(alias): name for name, names in columns.items() for alias in names}
        self.position: dict[str, int] = {}
        self.header_of: dict[str, str] = {name: names[0] for name, names in columns.items()}
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.mapped_rows: list[int] = []  # rows recorded under the commune their old code became
        for index, title in enumerate(header):
            name = aliases.get(search_key(title))
            if name is None:
                if title:
                    self.warnings.append(
                        RowError(row=1, column=title, message=self.say("import.unknown_column", column=title))
                    )
                continue
            if name not in self.position:
                self.position[name] = index
                self.header_of[name] = title
        for name in required:
            if name not in self.position:
                self.errors.append(
                    RowError(
                        row=1,
                        column=self.header_of[name],
                        message=self.say("import.missing_column", column=self.header_of[name]),
                    )
                )

    def say(self, key: str, /, **values: object) -> str:
        return translate(key, self.language, **values)

    def error(self, at_row: int, field: str, key: str, /, **values: object) -> None:
        self.errors.append(
            RowError(row=at_row, column=self.header_of.get(field, field), message=self.say(key, **values))
        )

    def warn(self, at_row: int, field: str, key: str, /, **values: object) -> None:
        self.warnings.append(
            RowError(row=at_row, column=self.header_of.get(field, field), message=self.say(key, **values))
        )

    def values(self, number: int, cells: list[Any]) -> dict[str, Any] | None:
        """The row's fields, converted; None (and errors reported) if a cell cannot be read."""
        values: dict[str, Any] = {}
        ok = True
        for name, index in self.position.items():
            cell = cells[index] if index < len(cells) else None
            if _blank(cell):
                continue
            try:
                values[name] = CONVERTERS.get(name, _text)(cell)
            except CellError as problem:
                self.error(number, name, problem.key, **problem.values)
                ok = False
        return values if ok else None

    def validated(self, number: int, model: type[BaseModel], values: dict[str, Any]) -> Any | None:
        try:
            return model.model_validate(values)
        except ValidationError as invalid:
            for problem in invalid.errors(include_url=False):
                field = str(problem["loc"][0]) if problem["loc"] else ("ward_code" if "ward" in problem["msg"] else "")
                key, values = _message_of(problem, self.language)
                if key == "ward.unknown":  # the import's own words: it may be an old code, and where to put the new
                    key, values = "import.ward_unknown", {**values, "column": self.header_of["ward_code"]}
                self.error(number, field, key, **values)
            return None


def _message_of(problem: dict, language: Language) -> tuple[str, dict]:
    kind = problem["type"]
    if kind == "missing":
        return "import.required", {}
    if kind.startswith("date") or kind.startswith("datetime"):
        return "import.bad_date", {"value": problem.get("input")}
    if kind.startswith("int") or kind in ("greater_than_equal", "less_than_equal"):
        return "import.bad_number", {"value": problem.get("input")}
    cause = problem.get("ctx", {}).get("error")
    if hasattr(cause, "key") and hasattr(cause, "values"):  # our own checks know their message key
        return cause.key, cause.values
    reason = validation_message(problem, language).removeprefix("Value error, ")
    return "import.invalid", {"reason": reason}


# --- the two imports -------------------------------------------------------------------------


async def import_upload(
    session: AsyncSession,
    kind: ImportKind,
    file: UploadFile,
    *,
    accept_valid_rows: bool,
    principal: Principal,
    language: Language,
) -> ImportReport:
    """The province's upload, checked and (unless refused) imported in the caller's transaction."""
    principal.require_role("province")
    content = await read_upload(file)
    return await run_import(
        session,
        kind,
        file.filename or "upload",
        content,
        accept_valid_rows=accept_valid_rows,
        principal=principal,
        language=language,
    )


async def run_import(
    session: AsyncSession,
    kind: ImportKind,
    filename: str,
    content: bytes,
    *,
    accept_valid_rows: bool,
    principal: Principal,
    language: Language = "vi",
) -> ImportReport:
    header, rows = read_table(filename, content)
    valid: list[CoopCreate] | list[tuple[int, MemberCreate]]
    if kind == "coops":
        sheet = _Sheet(header, COOP_COLUMNS, COOP_REQUIRED, language)
        valid = await _check_coops(session, sheet, rows) if not sheet.errors else []
    else:
        sheet = _Sheet(header, MEMBER_COLUMNS, MEMBER_REQUIRED, language)
        valid = await _check_members(session, sheet, rows) if not sheet.errors else []
    imported = 0
    if valid and (accept_valid_rows or not sheet.errors):
        insert_rows = _insert_coops if kind == "coops" else _insert_members
        try:
            imported = await insert_rows(session, valid, principal.actor)
        except IntegrityError:  # a registration code or ID number taken by a concurrent write
            raise Conflict("import.conflict") from None
    skipped = sorted({error.row for error in sheet.errors if error.row > 1})
    message, retry_with = _closing_words(sheet, kind, len(rows), len(valid), imported, skipped)
    return ImportReport(
        file=filename,
        kind=kind,
        rows=len(rows),
        valid_rows=len(valid),
        imported=imported,
        skipped_rows=skipped,
        errors=sorted(sheet.errors, key=lambda e: e.row),
        warnings=sheet.warnings,
        message=message,
        retry_with=retry_with,
    )


SHOWN_ROWS = 10  # rows named in the closing message; the errors list has them all


def _closing_words(
    sheet: _Sheet, kind: ImportKind, rows: int, valid: int, imported: int, skipped: list[int]
) -> tuple[str, str | None]:
    """What happened, in counts an officer checks against the file, and what to do next."""
    language = sheet.language

    def count(noun: str, n: int) -> str:
        forms = {form: translate(f"import.noun.{noun}.{form}", language) for form in ("one", "other")}
        return counted(n, forms, language)

    def row_list(numbers: list[int]) -> str:
        forms = {form: translate(f"import.noun.rows.{form}", language) for form in ("one", "other")}
        shown = ", ".join(str(n) for n in numbers[:SHOWN_ROWS]) + (", …" if len(numbers) > SHOWN_ROWS else "")
        return f"{plural(len(numbers), forms, language)} {shown}"

    header_missing = [error.column for error in sheet.errors if error.row == 1]
    if header_missing:
        return (
            sheet.say("import.refused_header", columns=", ".join(f"«{name}»" for name in header_missing)),
            sheet.say("import.retry_header"),
        )
    if not rows:
        return sheet.say("import.empty"), None
    bad = count("rows", len(skipped))
    if imported:
        key, values = (
            ("import.partial", {"rows": row_list(skipped), "skipped": bad}) if skipped else ("import.done", {})
        )
        message = sheet.say(key, imported=count(kind, imported), **values)
        if sheet.mapped_rows:
            message += sheet.say(
                "import.mapped_note", count=count("rows", len(sheet.mapped_rows)), rows=row_list(sheet.mapped_rows)
            )
        return message, sheet.say("import.retry_skipped", skipped=bad) if skipped else None
    message = sheet.say("import.refused", skipped=bad, rows=row_list(skipped), valid=count("rows", valid))
    if valid:
        return message, sheet.say("import.retry_valid_only", valid=count("rows", valid), skipped=bad)
    return message, sheet.say("import.retry_fix")


async def _check_coops(session: AsyncSession, sheet: _Sheet, rows) -> list[CoopCreate]:
    candidates: list[tuple[int, CoopCreate]] = []
    current_column_only: set[int] = set()  # rows whose only ward code is in the current-code column
    named_only: set[int] = set()  # rows that named their old commune instead of coding it
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        values = sheet.values(number, cells)
        if values is None:
            continue
        if not {"ward_code", "legacy_ward_code", "legacy_ward_name"} & set(values):
            sheet.error(number, "ward_code", "import.required")
            continue
        named = "legacy_ward_name" in values and "legacy_ward_code" not in values
        if not _code_the_legacy_name(sheet, number, values):
            continue
        data = sheet.validated(number, CoopCreate, values)
        if data is None:
            continue
        key = identity_key(data.registration_code)  # "TN-01" and "tn‐01" are one co-op, in the file and the register
        if key in first_row_of:
            sheet.error(number, "registration_code", "import.duplicate_in_file", row=first_row_of[key])
            continue
        first_row_of[key] = number
        candidates.append((number, data))
        if named:
            named_only.add(number)
        elif "legacy_ward_code" not in values:
            current_column_only.add(number)
    taken = await _existing(
        session, Coop.registration_key, [identity_key(data.registration_code) for _, data in candidates]
    )
    valid = []
    for number, data in candidates:
        if identity_key(data.registration_code) in taken:
            sheet.error(number, "registration_code", "coop.duplicate_code", code=data.registration_code)
        else:
            valid.append(data)
            if number in current_column_only:
                _warn_about_ward(sheet, number, data)
            elif number in named_only:
                _say_where_the_named_commune_went(sheet, number, data)
    return valid


def _say_where_the_named_commune_went(sheet: _Sheet, number: int, data: CoopCreate) -> None:
    old, ward = legacy_ward(cast(str, data.legacy_ward_code)), cast(str, data.ward_code)
    sheet.warn(
        number,
        "legacy_ward_name",
        "import.ward_named",
        legacy_name=old.name,
        code=old.code,
        district=old.former_district,
        current_name=ward_name(ward),
        current=ward,
    )


def _code_the_legacy_name(sheet: _Sheet, number: int, values: dict[str, Any]) -> bool:
    """An old commune named instead of coded (with its old district, if the name is not unique):
    its legacy code, put in `values`; False, with the candidates, when the name says no one commune."""
    name, district = values.pop("legacy_ward_name", None), values.pop("legacy_district_name", None)
    if name is None or "legacy_ward_code" in values:
        return True
    found = legacy_wards_named(name, district)
    if len(found) == 1:
        values["legacy_ward_code"] = found[0].code
        return True
    if not found:
        sheet.error(number, "legacy_ward_name", "import.legacy_name_unknown", name=name, district=district or "—")
    else:
        candidates = ", ".join(
            f"{old.code} {old.name} ({old.former_district}, {old.province_name})" for old in found[:10]
        )
        sheet.error(number, "legacy_ward_name", "import.legacy_name_ambiguous", name=name, candidates=candidates)
    return False


def _warn_about_ward(sheet: _Sheet, number: int, data: CoopCreate) -> None:
    """The current-code column held an old code (mapped), or a current one that was another
    commune's before July 2025: either way the officer sees which commune the row went to."""
    ward = cast(str, data.ward_code)  # resolved by CoopCreate: always set on a valid row
    if data.legacy_ward_code:
        sheet.mapped_rows.append(number)
        sheet.warn(
            number,
            "ward_code",
            "import.ward_mapped",
            code=data.legacy_ward_code,
            legacy_name=legacy_ward(data.legacy_ward_code).name,
            current_name=ward_name(ward),
            current=ward,
        )
    elif not data.legacy_ward_code and (former := former_meaning(ward)):
        sheet.warn(
            number,
            "ward_code",
            "import.ward_ambiguous",
            code=ward,
            current_name=ward_name(ward),
            legacy_name=former.name,
            candidates=named_wards(former.current_codes),
        )


async def _existing(session: AsyncSession, column, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 1000):
        chunk = values[start : start + 1000]
        found.update((await session.exec(select(column).where(col(column).in_(chunk)))).all())
    return found


async def _check_members(session: AsyncSession, sheet: _Sheet, rows) -> list[tuple[int, MemberCreate]]:
    parsed: list[tuple[int, str, MemberCreate]] = []
    for number, cells in rows:
        values = sheet.values(number, cells)
        if values is None:
            continue
        code = values.pop("coop_registration_code", None)
        data = sheet.validated(number, MemberCreate, values)
        if data is None:
            continue
        if code is None:
            sheet.error(number, "coop_registration_code", "import.required")
            continue
        parsed.append((number, code, data))
    codes = sorted({identity_key(code) for _, code, _ in parsed})
    coops: dict[str, Coop] = {}  # by identity key: a member row may spell its co-op's code differently
    for start in range(0, len(codes), 1000):
        chunk = codes[start : start + 1000]
        for coop in (await session.exec(select(Coop).where(col(Coop.registration_key).in_(chunk)))).all():
            coops[identity_key(coop.registration_code)] = coop
    listed: set[tuple[int, str]] = set()
    if coops:
        ids = [coop.id for coop in coops.values()]
        for start in range(0, len(ids), 1000):
            listed.update(
                (
                    await session.exec(
                        select(Member.coop_id, Member.id_number).where(
                            col(Member.coop_id).in_(ids[start : start + 1000]), col(Member.id_number).is_not(None)
                        )
                    )
                ).all()
            )
    first_row_of: dict[tuple[int, str], int] = {}
    valid = []
    for number, code, data in parsed:
        found = coops.get(identity_key(code))
        if found is None:
            sheet.error(number, "coop_registration_code", "import.unknown_coop", code=code)
            continue
        coop = found
        if coop.status == "dissolved":
            sheet.error(number, "coop_registration_code", "coop.not_active", coop_id=coop.id, status=coop.status)
            continue
        if data.joined_on < coop.founded_on:
            sheet.error(
                number, "joined_on", "member.joined_before_founding", on=data.joined_on, founded=coop.founded_on
            )
            continue
        if data.id_number:
            key = (coop.id, data.id_number)
            if key in listed:
                sheet.error(number, "id_number", "member.duplicate_id_number", coop_id=coop.id)
                continue
            if key in first_row_of:
                sheet.error(number, "id_number", "import.duplicate_in_file", row=first_row_of[key])
                continue
            first_row_of[key] = number
        valid.append((cast(int, coop.id), data))  # a loaded row always has its id
    return valid


# --- writing in bulk -------------------------------------------------------------------------


async def _insert_with_ids(session: AsyncSession, table, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows in multi-row batches; returns their ids in row order.

    INSERT ... RETURNING cannot be used: to keep the ids in row order on SQLite, SQLAlchemy
    falls back to one statement per row. PostgreSQL: the ids are drawn from the table's
    sequence first and inserted explicitly. SQLite: the first INSERT takes the database's
    single write lock, held until commit, and a table without AUTOINCREMENT gives each new
    row max(id) + 1, so a batch's ids are the `len(batch)` highest after it is inserted.
    """
    if not rows:
        return []
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        ids = list(
            (
                await connection.execute(
                    text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                    {"table": table.name, "n": len(rows)},
                )
            ).scalars()
        )
        for row, row_id in zip(rows, ids):
            row["id"] = row_id
        await _insert_plain(session, table, rows)
        return ids
    ids = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        await connection.execute(insert(table), batch)
        last = (await connection.execute(select(func.max(table.c.id)))).scalar_one()
        ids.extend(range(last - len(batch) + 1, last + 1))
    return ids


async def _insert_plain(session: AsyncSession, table, rows: list[dict[str, Any]]) -> None:
    connection = await session.connection()
    for start in range(0, len(rows), BATCH):
        await connection.execute(insert(table), rows[start : start + BATCH])


def _row_of(model: SQLModel, table) -> dict[str, Any]:
    return {column.name: getattr(model, column.name) for column in table.columns if column.name != "id"}


async def _insert_coops(session: AsyncSession, valid: list[CoopCreate], actor: str) -> int:
    coops = [new_coop(data) for data in valid]  # 600 rows: the API's own constructor is cheap enough
    ids = await _insert_with_ids(session, Coop.__table__, [_row_of(coop, Coop.__table__) for coop in coops])
    histories, events = [], []
    for coop, coop_id in zip(coops, ids):
        coop.id = coop_id
        history, event = registration_facts(coop, actor)
        histories.append(_row_of(history, CoopStatusHistory.__table__))
        events.append(PendingEvent(event, start_of_local_day(coop.founded_on), actor))
    await _insert_plain(session, CoopStatusHistory.__table__, histories)
    await publish_many(session, events)
    return len(coops)


async def _insert_members(session: AsyncSession, valid: list[tuple[int, MemberCreate]], actor: str) -> int:
    # Plain dicts, not table models: building 40,000 SQLModel instances costs more than the INSERTs.
    now = datetime.now(UTC)
    rows = [
        {
            "coop_id": coop_id,
            "name": data.name,
            "name_search": search_key(data.name),
            "kind": data.kind,
            "membership": data.membership,
            "joined_on": data.joined_on,
            "left_on": None,
            "left_reason": None,
            "capital_vnd": data.capital_vnd,
            "phone": data.phone,
            "id_number": data.id_number,
            "created_at": now,
        }
        for coop_id, data in valid
    ]
    ids = await _insert_with_ids(session, Member.__table__, rows)
    events = [
        PendingEvent(
            from_fields(contracts.MemberJoined, row, member_id=member_id),
            start_of_local_day(row["joined_on"]),
            actor,
        )
        for row, member_id in zip(rows, ids)
    ]
    await publish_many(session, events)
    return len(rows)
