"""Moving clients in and out of Tend: CSV import (read, map, validate, import) and CSV export.

Import is two passes over the rows. `validate_rows()` checks every row and reports each problem
by spreadsheet row number and column header; `import_clients()` validates again and, only when
nothing is wrong, creates every client in one transaction. Nothing partial is ever saved.

While a person maps columns and previews, the uploaded file is kept encrypted (Fernet) in
$TEND_DATA_DIR/imports/, mode 600, and deleted after the import or after 24 hours.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tend.clients.choices import (
    CareRole,
    ClientStatus,
    ClientType,
    ContactKind,
    GenderIdentity,
    PhoneKind,
    Sex,
)
from tend.clients.models import (
    CareTeamMember,
    Client,
    ClientPhone,
    ClientStatusChange,
    RelatedPerson,
)
from tend.clients.services.clients import clinicians_of, normalise_phone
from tend.core.audit import record
from tend.practices.models import Membership

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
PREVIEW_ROWS = 20
UPLOAD_LIFETIME = datetime.timedelta(hours=24)
IGNORE = "ignore"

# Every Tend field a column can be mapped to, in the order the mapping form lists them.
FIELDS: dict[str, str] = {
    IGNORE: "Ignore this column",
    "legal_first_name": "Legal first name",
    "legal_last_name": "Legal last name",
    "legal_middle_name": "Middle name",
    "preferred_name": "Preferred name",
    "pronouns": "Pronouns",
    "date_of_birth": "Date of birth",
    "sex": "Sex assigned at birth",
    "gender_identity": "Gender identity",
    "email": "Email",
    "mobile_phone": "Mobile phone",
    "home_phone": "Home phone",
    "work_phone": "Work phone",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "City",
    "state": "State",
    "postal_code": "ZIP code",
    "preferred_language": "Preferred language",
    "referral_source": "Referral source",
    "client_type": "Client type",
    "status": "Status",
    "clinician": "Assigned clinician (email or full name)",
    "emergency_name": "Emergency contact name",
    "emergency_phone": "Emergency contact phone",
    "emergency_relationship": "Emergency contact relationship",
    "external_id": "External id (the other system's client id)",
}

# Column headers we recognise (normalised: lower case, words separated by one space), including
# the columns of a SimplePractice client export.
ALIASES: dict[str, str] = {
    "first name": "legal_first_name",
    "legal first name": "legal_first_name",
    "first": "legal_first_name",
    "given name": "legal_first_name",
    "last name": "legal_last_name",
    "legal last name": "legal_last_name",
    "last": "legal_last_name",
    "surname": "legal_last_name",
    "family name": "legal_last_name",
    "middle name": "legal_middle_name",
    "middle initial": "legal_middle_name",
    "middle": "legal_middle_name",
    "preferred name": "preferred_name",
    "nickname": "preferred_name",
    "goes by": "preferred_name",
    "pronouns": "pronouns",
    "preferred pronouns": "pronouns",
    "date of birth": "date_of_birth",
    "dob": "date_of_birth",
    "birth date": "date_of_birth",
    "birthdate": "date_of_birth",
    "birthday": "date_of_birth",
    "sex": "sex",
    "sex assigned at birth": "sex",
    "birth sex": "sex",
    "gender identity": "gender_identity",
    "gender": "gender_identity",
    "email": "email",
    "email address": "email",
    "e mail": "email",
    "mobile phone": "mobile_phone",
    "mobile": "mobile_phone",
    "cell phone": "mobile_phone",
    "cell": "mobile_phone",
    "phone": "mobile_phone",
    "phone number": "mobile_phone",
    "home phone": "home_phone",
    "work phone": "work_phone",
    "address": "address_line1",
    "address 1": "address_line1",
    "address line 1": "address_line1",
    "street": "address_line1",
    "street address": "address_line1",
    "street address 1": "address_line1",
    "address 2": "address_line2",
    "address line 2": "address_line2",
    "street address 2": "address_line2",
    "apt": "address_line2",
    "city": "city",
    "town": "city",
    "state": "state",
    "zip": "postal_code",
    "zip code": "postal_code",
    "zipcode": "postal_code",
    "postal code": "postal_code",
    "preferred language": "preferred_language",
    "language": "preferred_language",
    "referral source": "referral_source",
    "referred by": "referral_source",
    "referral": "referral_source",
    "client type": "client_type",
    "type": "client_type",
    "client status": "status",
    "status": "status",
    "clinician": "clinician",
    "primary clinician": "clinician",
    "assigned clinician": "clinician",
    "therapist": "clinician",
    "provider": "clinician",
    "emergency contact": "emergency_name",
    "emergency contact name": "emergency_name",
    "emergency contact phone": "emergency_phone",
    "emergency contact phone number": "emergency_phone",
    "emergency phone": "emergency_phone",
    "emergency contact relationship": "emergency_relationship",
    "emergency relationship": "emergency_relationship",
    "client id": "external_id",
    "id": "external_id",
    "external id": "external_id",
    "record id": "external_id",
}

SEX_WORDS = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "x": Sex.INTERSEX,
    "intersex": Sex.INTERSEX,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
    "prefer not to say": Sex.NOT_SAID,
    "declined": Sex.NOT_SAID,
}
GENDER_WORDS = {
    "woman": GenderIdentity.WOMAN,
    "female": GenderIdentity.WOMAN,
    "f": GenderIdentity.WOMAN,
    "man": GenderIdentity.MAN,
    "male": GenderIdentity.MAN,
    "m": GenderIdentity.MAN,
    "non binary": GenderIdentity.NON_BINARY,
    "nonbinary": GenderIdentity.NON_BINARY,
    "trans woman": GenderIdentity.TRANSGENDER_WOMAN,
    "transgender woman": GenderIdentity.TRANSGENDER_WOMAN,
    "trans man": GenderIdentity.TRANSGENDER_MAN,
    "transgender man": GenderIdentity.TRANSGENDER_MAN,
    "genderqueer": GenderIdentity.GENDERQUEER,
    "gender fluid": GenderIdentity.GENDERQUEER,
    "genderfluid": GenderIdentity.GENDERQUEER,
    "two spirit": GenderIdentity.TWO_SPIRIT,
    "prefer not to say": GenderIdentity.NOT_SAID,
    "declined": GenderIdentity.NOT_SAID,
}
STATUS_WORDS = {
    "prospective": ClientStatus.INQUIRY,
    "lead": ClientStatus.INQUIRY,
    "waitlisted": ClientStatus.WAITLIST,
    "wait list": ClientStatus.WAITLIST,
    "onboarding": ClientStatus.INTAKE,
    "former": ClientStatus.DISCHARGED,
    "closed": ClientStatus.DISCHARGED,
}
TYPE_WORDS = {
    "individual": ClientType.ADULT,
    "adult": ClientType.ADULT,
    "child": ClientType.MINOR,
    "minor": ClientType.MINOR,
    "adolescent": ClientType.MINOR,
    "couple": ClientType.COUPLE,
    "family": ClientType.FAMILY,
    "group": ClientType.GROUP_MEMBER,
}
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")
ZIP_PATTERN = re.compile(r"^\d{5}(-\d{4})?$")
PHONE_FIELDS = {
    "mobile_phone": PhoneKind.MOBILE,
    "home_phone": PhoneKind.HOME,
    "work_phone": PhoneKind.WORK,
}
CLIENT_TEXT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "legal_middle_name",
    "preferred_name",
    "pronouns",
    "address_line1",
    "address_line2",
    "city",
    "preferred_language",
    "referral_source",
    "external_id",
)


class ImportRefused(Exception):
    """The file or the mapping cannot be used at all; the message says why."""


class ImportInvalid(Exception):
    """Some rows are wrong; nothing was saved."""

    def __init__(self, validation: Validation) -> None:
        super().__init__(f"{len(validation.errors)} problems in the file")
        self.validation = validation


@dataclass(frozen=True)
class RowError:
    row: int  # as in the spreadsheet: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class Validation:
    rows: list[dict[str, Any]] = field(default_factory=list)  # cleaned, in file order
    errors: list[RowError] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)  # row numbers already in the practice

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int


@dataclass(frozen=True)
class ParsedFile:
    headers: list[str]
    rows: list[list[str]]


# Reading the file ---------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252."""
    if b"\x00" in data[:4096]:
        raise ImportRefused("This is not a CSV file. Save the spreadsheet as CSV and try again.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            "The file's text encoding is not UTF-8 or Windows-1252. Save it as CSV (UTF-8)."
        ) from exc


def parse_csv(data: bytes) -> ParsedFile:
    """The header and data rows of a CSV file; refuses what is not a usable CSV."""
    if not data or not data.strip():
        raise ImportRefused("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused("The file is larger than 5 MB. Split it into smaller files.")
    if data[:4] == b"PK\x03\x04":
        raise ImportRefused(
            "This looks like an Excel workbook. Save it as CSV (comma separated) and try again."
        )
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        headers = [h.strip() for h in next(reader, [])]
        rows: list[list[str]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                rows.append([])  # keep blank lines so row numbers match the spreadsheet
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows. Split it.")
    except csv.Error as exc:
        raise ImportRefused(f"The file could not be read as CSV: {exc}.") from exc
    while rows and not rows[-1]:
        rows.pop()
    if not any(headers):
        raise ImportRefused("The first row should name the columns, but it is empty.")
    if not rows:
        raise ImportRefused("The file has a header row but no clients under it.")
    return ParsedFile(headers=headers, rows=rows)


def normalise_header(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def guess_mapping(headers: list[str]) -> list[str]:
    """A Tend field for each column, from its header; each field is used once at most."""
    used: set[str] = set()
    mapping = []
    for header in headers:
        guess = ALIASES.get(normalise_header(header), IGNORE)
        if guess != IGNORE and guess in used:
            guess = IGNORE
        used.add(guess)
        mapping.append(guess)
    return mapping


def check_mapping(mapping: list[str]) -> None:
    chosen = [m for m in mapping if m != IGNORE]
    if "legal_first_name" not in chosen or "legal_last_name" not in chosen:
        raise ImportRefused(
            "Choose the columns that hold the legal first name and the legal last name."
        )
    twice = sorted({FIELDS[m] for m in chosen if chosen.count(m) > 1})
    if twice:
        raise ImportRefused(f"Each field can come from one column only: {', '.join(twice)}.")


# Validating rows ----------------------------------------------------------------------------


class _Bad(ValueError):
    pass


def _max_length(name: str) -> int:
    return int(getattr(Client._meta.get_field(name), "max_length", 0) or 0)


def parse_date(value: str) -> datetime.date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise _Bad(f"{value} is not a date (use MM/DD/YYYY or YYYY-MM-DD)")


def _choice(value: str, choices: Any, words: Mapping[str, str], what: str) -> str:
    key = normalise_header(value)
    if key in words:
        return words[key]
    for code, label in choices.choices:
        if key in (normalise_header(code), normalise_header(str(label))) and code:
            return code
    raise _Bad(f"{value} is not a known {what}")


class _Clinicians:
    """Find an assigned clinician of the practice by email or full name."""

    def __init__(self, practice: Any) -> None:
        self.by_email: dict[str, Membership] = {}
        self.by_name: dict[str, list[Membership]] = {}
        for member in clinicians_of(practice):
            self.by_email[member.user.email.lower()] = member
            self.by_name.setdefault(normalise_header(member.user.full_name), []).append(member)

    def find(self, value: str) -> Membership:
        if "@" in value:
            found = self.by_email.get(value.lower())
            if found is None:
                raise _Bad(f"no active clinician of this practice has the email {value}")
            return found
        matches = self.by_name.get(normalise_header(value), [])
        if not matches:
            raise _Bad(f"no active clinician of this practice is called {value}")
        if len(matches) > 1:
            raise _Bad(f"more than one clinician is called {value}; use their email instead")
        return matches[0]


def _clean_value(name: str, value: str, clinicians: _Clinicians, today: datetime.date) -> Any:
    if name == "date_of_birth":
        born = parse_date(value)
        if born > today:
            raise _Bad(f"{value} is in the future")
        if born.year < 1900:
            raise _Bad(f"{value} is before 1900")
        return born
    if name == "sex":
        return _choice(value, Sex, SEX_WORDS, "sex (use F, M, X or U)")
    if name == "gender_identity":
        try:
            return _choice(value, GenderIdentity, GENDER_WORDS, "gender identity")
        except _Bad:
            return ("other", value[:80])
    if name == "email":
        try:
            validate_email(value)
        except ValidationError as exc:
            raise _Bad(f"{value} is not an email address") from exc
        return value.lower()
    if name in PHONE_FIELDS or name == "emergency_phone":
        try:
            return normalise_phone(value)
        except ValueError as exc:
            raise _Bad(f"{value} is not a ten-digit US phone number") from exc
    if name == "state":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise _Bad(f"{value} is not a two-letter state code (e.g. TX)")
        return value.upper()
    if name == "postal_code":
        if not ZIP_PATTERN.match(value):
            raise _Bad(f"{value} is not a ZIP code (5 digits, or ZIP+4)")
        return value
    if name == "client_type":
        return _choice(value, ClientType, TYPE_WORDS, "client type")
    if name == "status":
        return _choice(value, ClientStatus, STATUS_WORDS, "status")
    if name == "clinician":
        return clinicians.find(value)
    if name in CLIENT_TEXT_FIELDS and len(value) > _max_length(name):
        raise _Bad(f"is longer than {_max_length(name)} characters")
    if name in ("emergency_name",) and len(value) > 200:
        raise _Bad("is longer than 200 characters")
    if name == "emergency_relationship" and len(value) > 80:
        raise _Bad("is longer than 80 characters")
    return value


def _identity(first: str, last: str, born: datetime.date | None) -> tuple[str, str, Any]:
    return (first.strip().lower(), last.strip().lower(), born)


def validate_rows(
    rows: list[list[str]], headers: list[str], mapping: list[str], *, membership: Membership
) -> Validation:
    """Check every row; report each problem by spreadsheet row and column header."""
    check_mapping(mapping)
    today = timezone.localdate()
    clinicians = _Clinicians(membership.practice_id)
    existing = set(
        _identity(*values)
        for values in Client.objects.for_practice(membership.practice_id)
        .filter(date_of_birth__isnull=False)
        .values_list("legal_first_name", "legal_last_name", "date_of_birth")
    )
    seen: dict[tuple, int] = {}
    result = Validation()
    for index, row in enumerate(rows):
        number = index + 2
        if not row:
            continue
        cleaned: dict[str, Any] = {"_row": number}
        for position, name in enumerate(mapping):
            if name == IGNORE:
                continue
            value = row[position].strip() if position < len(row) else ""
            if not value:
                continue
            try:
                cleaned[name] = _clean_value(name, value, clinicians, today)
            except _Bad as exc:
                result.errors.append(RowError(number, headers[position], str(exc)))
        for name in ("legal_first_name", "legal_last_name"):
            if not cleaned.get(name):
                column = headers[mapping.index(name)]
                result.errors.append(RowError(number, column, "is empty"))
        key = _identity(
            cleaned.get("legal_first_name", ""),
            cleaned.get("legal_last_name", ""),
            cleaned.get("date_of_birth"),
        )
        if key[2] is not None and key[0] and key[1]:
            if key in seen:
                result.errors.append(
                    RowError(number, "", f"the same name and date of birth as row {seen[key]}")
                )
            else:
                seen[key] = number
            if key in existing:
                result.existing.append(number)
                cleaned["_existing"] = True
        result.rows.append(cleaned)
    return result


# Importing ----------------------------------------------------------------------------------


def _client_from(cleaned: dict[str, Any], practice_id: int, today: datetime.date) -> Client:
    client = Client(practice_id=practice_id, status_changed_on=today)
    for name in CLIENT_TEXT_FIELDS + ("date_of_birth", "sex", "email", "state", "postal_code"):
        if name in cleaned:
            setattr(client, name, cleaned[name])
    gender = cleaned.get("gender_identity")
    if isinstance(gender, tuple):
        client.gender_identity, client.gender_identity_other = gender
    elif gender is not None:
        client.gender_identity = gender
    client.status = cleaned.get("status", ClientStatus.ACTIVE)
    client.client_type = cleaned.get("client_type") or (
        ClientType.MINOR
        if client.date_of_birth and (client.age_on(today) or 0) < 18
        else ClientType.ADULT
    )
    return client


def import_clients(
    rows: list[list[str]],
    headers: list[str],
    mapping: list[str],
    *,
    membership: Membership,
    skip_existing: bool = True,
) -> ImportResult:
    """Validate every row, then create every client in one transaction, or none.

    Rows with the same name and date of birth as a client already in the practice are skipped
    (`skip_existing`) or imported as new clients. Raises ImportInvalid listing every problem.
    """
    validation = validate_rows(rows, headers, mapping, membership=membership)
    if not validation.ok:
        raise ImportInvalid(validation)
    wanted = [r for r in validation.rows if not (skip_existing and r.get("_existing"))]
    practice_id = membership.practice_id
    today = timezone.localdate()
    with transaction.atomic():
        clients = bulk_create_with_history(
            [_client_from(r, practice_id, today) for r in wanted],
            Client,
            batch_size=500,
            default_user=membership.user,
            default_change_reason="Imported",
        )
        phones, people, team, changes = [], [], [], []
        for client, cleaned in zip(clients, wanted, strict=True):
            primary = True
            for name, kind in PHONE_FIELDS.items():
                if cleaned.get(name):
                    phones.append(
                        ClientPhone(
                            practice_id=practice_id,
                            client=client,
                            number=cleaned[name],
                            kind=kind,
                            is_primary=primary,
                        )
                    )
                    primary = False
            if cleaned.get("emergency_name"):
                people.append(
                    RelatedPerson(
                        practice_id=practice_id,
                        client=client,
                        kind=ContactKind.EMERGENCY,
                        name=cleaned["emergency_name"],
                        relationship=cleaned.get("emergency_relationship", ""),
                        phone=cleaned.get("emergency_phone", ""),
                    )
                )
            if cleaned.get("clinician"):
                team.append(
                    CareTeamMember(
                        practice_id=practice_id,
                        client=client,
                        membership=cleaned["clinician"],
                        role=CareRole.PRIMARY,
                        started_on=today,
                    )
                )
            changes.append(
                ClientStatusChange(
                    practice_id=practice_id,
                    client=client,
                    to_status=client.status,
                    changed_on=today,
                    reason="Imported",
                    changed_by=membership,
                )
            )
        bulk_create_with_history(phones, ClientPhone, batch_size=500, default_user=membership.user)
        bulk_create_with_history(
            people, RelatedPerson, batch_size=500, default_user=membership.user
        )
        CareTeamMember.objects.bulk_create(team, batch_size=500)
        ClientStatusChange.objects.bulk_create(changes, batch_size=500)
        record(
            "clients.imported",
            actor=membership.user,
            practice=membership.practice,
            detail={
                "count": len(clients),
                "skipped": len(validation.rows) - len(wanted),
                "columns": sorted(m for m in set(mapping) if m != IGNORE),
            },
        )
    return ImportResult(created=len(clients), skipped=len(validation.rows) - len(wanted))


def preview(validation: Validation, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first rows as they will be imported, as display text per field."""
    shown = []
    for cleaned in validation.rows[:limit]:
        values: dict[str, Any] = {"_row": cleaned["_row"], "_existing": cleaned.get("_existing")}
        for name, value in cleaned.items():
            if name.startswith("_"):
                continue
            if isinstance(value, Membership):
                value = value.user.full_name
            elif isinstance(value, tuple):
                value = value[1]
            elif isinstance(value, datetime.date):
                value = value.strftime("%m/%d/%Y")
            values[name] = value
        shown.append(values)
    return shown


# The uploaded file between steps ------------------------------------------------------------


def imports_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def _path(token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{40}", token or ""):
        raise ImportRefused("The uploaded file has expired. Upload it again.")
    return imports_dir() / f"{token}.csv.enc"


def keep_upload(data: bytes) -> str:
    """Store the upload encrypted (owner-only file) and return its token for the session."""
    from tend.core.crypto import encrypt_bytes

    purge_uploads()
    folder = imports_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(20)
    fd = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(encrypt_bytes(data))
    return token


def read_upload(token: str) -> bytes:
    from tend.core.crypto import decrypt_bytes

    path = _path(token)
    try:
        if time.time() - path.stat().st_mtime > UPLOAD_LIFETIME.total_seconds():
            path.unlink(missing_ok=True)
            raise FileNotFoundError(path)
        return decrypt_bytes(path.read_bytes())
    except (FileNotFoundError, ValueError) as exc:
        raise ImportRefused("The uploaded file has expired. Upload it again.") from exc


def discard_upload(token: str) -> None:
    with contextlib.suppress(ImportRefused):
        _path(token).unlink(missing_ok=True)


def purge_uploads(now: float | None = None) -> int:
    """Delete kept uploads older than 24 hours; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    folder = imports_dir()
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.csv.enc"):
        if now - path.stat().st_mtime > UPLOAD_LIFETIME.total_seconds():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# Export -------------------------------------------------------------------------------------


def defuse(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CASELOAD_HEADER = [
    "Client ID",
    "Legal last name",
    "Legal first name",
    "Middle name",
    "Preferred name",
    "Pronouns",
    "Date of birth",
    "Status",
    "Client type",
    "Clinicians",
    "Email",
    "Primary phone",
    "City",
    "State",
    "Primary payer",
    "Restricted chart",
]


def caseload_rows(clients: Iterable[Client]) -> Iterator[list[str]]:
    """The caseload export: demographics and who sees the client, never clinical content.
    `clients` must be annotated with `primary_payer` and prefetched `current_team`,
    `phone_list` (see the export view)."""
    yield CASELOAD_HEADER
    for c in clients:
        phones = getattr(c, "phone_list", [])
        yield [
            defuse(v)
            for v in (
                c.uuid,
                c.legal_last_name,
                c.legal_first_name,
                c.legal_middle_name,
                c.preferred_name,
                c.pronouns,
                c.date_of_birth.strftime("%m/%d/%Y") if c.date_of_birth else "",
                c.get_status_display(),
                c.get_client_type_display(),
                "; ".join(t.membership.user.full_name for t in getattr(c, "current_team", [])),
                c.email,
                phones[0].number if phones else "",
                c.city,
                c.state,
                getattr(c, "primary_payer", "") or "",
                "yes" if c.is_restricted else "no",
            )
        ]


def client_record_rows(client: Client, *, insurance: bool) -> Iterator[list[str]]:
    """One client's demographic record as (section, field, value) rows."""
    yield ["Section", "Field", "Value"]
    demographics = [
        f
        for f in Client._meta.concrete_fields
        if f.name
        not in {
            "id",
            "practice",
            "created_at",
            "updated_at",
            "cultural_considerations",
            "accessibility_needs",
        }
    ]
    for f in demographics:
        value = getattr(client, f.name)
        if f.choices:
            value = getattr(client, f"get_{f.name}_display")()
        elif isinstance(value, datetime.date):
            value = value.strftime("%m/%d/%Y")
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        yield [defuse(v) for v in ("Client", f.verbose_name, value)]
    for name in ("cultural_considerations", "accessibility_needs"):
        yield [defuse(v) for v in ("Client", name.replace("_", " "), getattr(client, name))]
    for phone in client.phones.all():
        label = f"{phone.get_kind_display()} phone" + (" (primary)" if phone.is_primary else "")
        yield [defuse(v) for v in ("Phone", label, phone.number)]
    for person in client.related_people.all():
        text = ", ".join(
            p for p in (person.name, person.relationship, person.phone, person.email) if p
        )
        yield [defuse(v) for v in ("Contact", person.get_kind_display(), text)]
    team = client.care_team.filter(ended_on__isnull=True).select_related("membership__user")
    for member in team:
        yield [
            defuse(v)
            for v in ("Care team", member.get_role_display(), member.membership.user.full_name)
        ]
    if insurance:
        for policy in client.policies.select_related("payer"):
            text = " · ".join(
                p
                for p in (
                    policy.payer.name,
                    f"member ID {policy.member_id}",
                    f"group {policy.group_number}" if policy.group_number else "",
                    f"from {policy.effective_on:%m/%d/%Y}" if policy.effective_on else "",
                    f"to {policy.ends_on:%m/%d/%Y}" if policy.ends_on else "",
                )
                if p
            )
            yield [defuse(v) for v in ("Insurance", policy.get_priority_display(), text)]
