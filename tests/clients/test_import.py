"""Importing clients from CSV: upload, column mapping, preview with every problem reported by
row and column, the all-or-nothing import, the kept file, and who may import."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tend.clients.models import CareTeamMember, Client, ClientPhone, RelatedPerson
from tend.clients.services import transfer as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

SP_HEADER = (
    "Client ID,First Name,Middle Name,Last Name,Preferred Name,Pronouns,Date of Birth,Sex,"
    "Gender Identity,Email,Mobile Phone,Home Phone,Address,Street Address 2,City,State,Zip,"
    "Client Status,Primary Clinician,Referral Source,Insurance Notes"
)


def sp_csv(clinician_email: str, *rows: str) -> bytes:
    body = rows or (
        f"SP-1,Maria,,Lopez,Mari,she/her,03/14/1990,Female,Woman,maria@example.net,"
        f"512-555-0100,,12 Oak Street,Apt 2,Austin,TX,78701,Active,{clinician_email},"
        "Primary care,=HYPERLINK()",
        "SP-2,Jonah,Q,Reyes,,he/him,1985-11-02,M,Man,,(512) 555-0101,512 555 0102,"
        "4 Elm Row,,Austin,tx,78702,Inactive,,,",
    )
    return (SP_HEADER + "\r\n" + "\r\n".join(body) + "\r\n").encode("utf-8-sig")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def upload(http, content: bytes, name: str = "clients.csv"):
    return http.post(reverse("clients:import"), {"file": SimpleUploadedFile(name, content)})


def test_a_simplepractice_export_is_mapped_previewed_and_imported(team, data_dir):
    http = signed_in(team.front_desk)
    response = upload(http, sp_csv(team.clinician.user.email))
    assert response.status_code == 302 and response.url == reverse("clients:import_map")
    kept = list((data_dir / "imports").iterdir())
    assert len(kept) == 1 and oct(kept[0].stat().st_mode & 0o777) == "0o600"
    assert b"Maria" not in kept[0].read_bytes()  # encrypted on disk

    page = http.get(reverse("clients:import_map"))
    form = page.context["form"]
    assert form.initial["column_1"] == "legal_first_name"
    assert form.initial["column_0"] == "external_id"
    assert form.initial["column_13"] == "address_line2"
    assert form.initial["column_18"] == "clinician"
    assert form.initial["column_20"] == "ignore"
    posted = {k: v for k, v in form.initial.items()}
    response = http.post(reverse("clients:import_map"), posted)
    assert response.url == reverse("clients:import_preview")

    preview = http.get(reverse("clients:import_preview"))
    assert preview.status_code == 200
    assert preview.context["validation"].errors == []
    assert b"Mari" in preview.content and b"03/14/1990" in preview.content
    assert Client.objects.count() == 0  # nothing yet

    response = http.post(reverse("clients:import_run"), {"skip_existing": "on"})
    assert response.url == reverse("clients:caseload")
    maria = Client.objects.get(legal_last_name="Lopez")
    assert (maria.preferred_name, maria.sex, maria.state, maria.external_id) == (
        "Mari",
        "F",
        "TX",
        "SP-1",
    )
    assert maria.status == "active" and maria.address_line2 == "Apt 2"
    assert CareTeamMember.objects.get(client=maria).membership == team.clinician
    assert ClientPhone.objects.get(client=maria).number == "(512) 555-0100"
    jonah = Client.objects.get(legal_last_name="Reyes")
    assert jonah.status == "inactive" and jonah.state == "TX"
    assert ClientPhone.objects.filter(client=jonah).count() == 2
    event = AuditEvent.objects.get(action="clients.imported")
    assert event.detail["count"] == 2
    assert "Maria" not in str(event.detail)
    assert list((data_dir / "imports").iterdir()) == []  # deleted after the import


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(team):
    http = signed_in(team.owner)
    rows = [
        "1,Ana,,Diaz,,,13/45/1990,F,,ana@example.net,,,,,,TX,78701,Active,,,",
        "2,Ben,,Okafor,,,01/02/1980,F,,not-an-email,555,,,,,Texas,7870,Active,Nobody Here,,",
        "3,,,Cole,,,01/02/2099,Q,,,,,,,,,,Pending,,,",
        "4,Ana,,Diaz,,,,F,,,,,,,,,,,,,",
        "5,Dee,,Ng,,,02/02/1970,,,,,,,,,,,,,,",
        "6,Dee,,Ng,,,1970-02-02,,,,,,,,,,,,,,",
    ]
    upload(http, sp_csv(team.clinician.user.email, *rows))
    form = http.get(reverse("clients:import_map")).context["form"]
    http.post(reverse("clients:import_map"), dict(form.initial))
    preview = http.get(reverse("clients:import_preview"))
    messages = [str(e) for e in preview.context["validation"].errors]
    assert "Row 2, Date of Birth: 13/45/1990 is not a date (use MM/DD/YYYY or YYYY-MM-DD)" in (
        messages
    )
    assert "Row 3, Email: not-an-email is not an email address" in messages
    assert "Row 3, Mobile Phone: 555 is not a ten-digit US phone number" in messages
    assert "Row 3, State: Texas is not a two-letter state code (e.g. TX)" in messages
    assert "Row 3, Zip: 7870 is not a ZIP code (5 digits, or ZIP+4)" in messages
    assert any(m.startswith("Row 3, Primary Clinician: no active clinician") for m in messages)
    assert "Row 4, First Name: is empty" in messages
    assert "Row 4, Date of Birth: 01/02/2099 is in the future" in messages
    assert "Row 4, Sex: Q is not a known sex (use F, M, X or U)" in messages
    assert "Row 4, Client Status: Pending is not a known status" in messages
    assert "Row 7: the same name and date of birth as row 6" in messages
    assert b"Row 2, Date of Birth: 13/45/1990 is not a date" in preview.content

    response = http.post(reverse("clients:import_run"), {"skip_existing": "on"})
    assert response.url == reverse("clients:import_preview")
    assert Client.objects.count() == 0
    assert not AuditEvent.objects.filter(action="clients.imported").exists()


def test_the_import_is_all_or_nothing_when_a_row_fails_while_saving(team, monkeypatch):
    practice = team.practice
    parsed = service.parse_csv(sp_csv(team.clinician.user.email))
    mapping = service.guess_mapping(parsed.headers)
    original = service.bulk_create_with_history

    def fail_on_phones(objs, model, **kwargs):
        if model is ClientPhone:
            raise RuntimeError("disk full")
        return original(objs, model, **kwargs)

    monkeypatch.setattr(service, "bulk_create_with_history", fail_on_phones)
    with pytest.raises(RuntimeError):
        service.import_clients(parsed.rows, parsed.headers, mapping, membership=team.owner)
    assert Client.objects.filter(practice=practice).count() == 0


def test_clients_already_in_the_practice_are_reported_and_skipped(team):
    ClientFactory(
        practice=team.practice,
        legal_first_name="maria",
        legal_last_name="LOPEZ",
        date_of_birth="1990-03-14",
    )
    parsed = service.parse_csv(sp_csv(team.clinician.user.email))
    mapping = service.guess_mapping(parsed.headers)
    validation = service.validate_rows(parsed.rows, parsed.headers, mapping, membership=team.owner)
    assert validation.ok and validation.existing == [2]
    result = service.import_clients(parsed.rows, parsed.headers, mapping, membership=team.owner)
    assert (result.created, result.skipped) == (1, 1)
    assert (
        Client.objects.filter(practice=team.practice, legal_last_name__iexact="lopez").count() == 1
    )


def test_windows_1252_files_and_semicolons_are_read():
    data = "First Name;Last Name\r\nJosé;Muñoz\r\n".encode("cp1252")
    parsed = service.parse_csv(data)
    assert parsed.headers == ["First Name", "Last Name"] and parsed.rows == [["José", "Muñoz"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("clients.xlsx", b"PK\x03\x04...", "Choose a .csv file"),
        ("clients.csv", b"PK\x03\x04rest", "looks like an Excel workbook"),
        ("clients.csv", b"", "The submitted file is empty"),
        ("clients.csv", b"First Name,Last Name\r\n", "no clients under it"),
    ],
)
def test_unusable_files_are_refused_next_to_the_field(team, name, content, message):
    response = upload(signed_in(team.admin), content, name)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])


def test_a_mapping_without_name_columns_is_refused(team):
    http = signed_in(team.owner)
    upload(http, sp_csv(team.clinician.user.email))
    form = http.get(reverse("clients:import_map")).context["form"]
    posted = dict(form.initial, column_1="ignore")
    response = http.post(reverse("clients:import_map"), posted)
    assert response.status_code == 200
    assert "legal first name and the legal last name" in response.content.decode()
    assert response.context["form"]["column_1"].value() == "ignore"  # what was chosen is kept


def test_steps_without_an_upload_go_back_to_step_one(team):
    http = signed_in(team.owner)
    assert http.get(reverse("clients:import_preview")).url == reverse("clients:import")
    assert http.get(reverse("clients:import_map")).url == reverse("clients:import")


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller"])
def test_roles_that_do_not_register_clients_cannot_import(team, role):
    http = signed_in(getattr(team, role))
    assert http.get(reverse("clients:import")).status_code == 403
    assert upload(http, sp_csv("x@example.net")).status_code == 403


def test_kept_uploads_older_than_a_day_are_deleted(team, data_dir):
    token = service.keep_upload(b"First Name,Last Name\r\nA,B\r\n")
    path = data_dir / "imports" / f"{token}.csv.enc"
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    assert service.purge_uploads() == 1
    assert not path.exists()
    with pytest.raises(service.ImportRefused):
        service.read_upload(token)


def test_an_emergency_contact_column_becomes_a_related_person(team):
    data = (
        b"First Name,Last Name,Emergency Contact Name,Emergency Contact Phone,"
        b"Emergency Contact Relationship\r\nLee,Park,Sam Park,512-555-0199,Brother\r\n"
    )
    parsed = service.parse_csv(data)
    mapping = service.guess_mapping(parsed.headers)
    service.import_clients(parsed.rows, parsed.headers, mapping, membership=team.admin)
    person = RelatedPerson.objects.get(client__legal_last_name="Park")
    assert (person.kind, person.phone, person.relationship) == (
        "emergency",
        "(512) 555-0199",
        "Brother",
    )


def test_the_import_command_imports_a_file_as_an_owner(team, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "clients.csv"
    path.write_bytes(sp_csv(team.clinician.user.email))
    call_command(
        "import_clients",
        str(path),
        practice=str(team.practice.uuid),
        actor=team.owner.user.email,
        stdout=io.StringIO(),
    )
    assert Client.objects.filter(practice=team.practice).count() == 2


def test_the_import_command_reports_problems_and_saves_nothing(team, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "clients.csv"
    path.write_bytes(b"First Name,Last Name,DOB\r\nAna,Diaz,13/45/1990\r\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problems"):
        call_command(
            "import_clients",
            str(path),
            practice=str(team.practice.uuid),
            actor=team.owner.user.email,
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "Row 2, DOB: 13/45/1990 is not a date" in err.getvalue()
    assert Client.objects.count() == 0
