"""Scheduling settings: appointment types and the scheduling policy, for owners and
administrators only; refusals next to their fields with what was typed kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tend.core.models import AuditEvent
from tend.scheduling import policy as service
from tend.scheduling.models import AppointmentType, SchedulingPolicy
from tests.conftest import signed_in
from tests.factories import AppointmentTypeFactory

TYPE = {
    "name": "Couples session",
    "kind": "couple_family",
    "default_minutes": "80",
    "colour": "#AA3366",
    "service_code": "90847",
    "fee": "180.00",
    "telehealth_allowed": "on",
}


def policy_data(**changes):
    data = {
        "late_cancel_hours": "24",
        "late_cancel_fee": "75.00",
        "no_show_fee": "",
        "reminder_offsets": "48, 2",
        "reminder_email_subject": "Your appointment on {date}",
        "reminder_email_body": "Hello {first_name}, see you {date} at {time}. {cancel_url}",
        "reminder_sms_body": "{practice}: {date} {time}. {cancel_url}",
        "telehealth_url_template": "https://video.example.org/{room}",
        "day_starts": "08:00",
        "day_ends": "19:00",
        "slot_minutes": "15",
        "series_horizon_weeks": "26",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_add_an_appointment_type(team, role):
    browser = signed_in(team.by_role(role))
    response = browser.post(reverse("scheduling:type_add"), TYPE)
    assert response.status_code == 302
    kind = AppointmentType.objects.get(practice=team.practice, name="Couples session")
    assert (kind.kind, kind.default_minutes, kind.colour) == ("couple_family", 80, "#aa3366")
    assert kind.fee == Decimal("180.00") and kind.telehealth_allowed
    assert AuditEvent.objects.filter(action="appointment_type.added").exists()
    listing = browser.get(reverse("scheduling:types")).content.decode()
    assert "Couples session" in listing and "Fee (USD)" in listing


def test_the_type_form_uses_a_colour_picker_and_the_practice_currency(team):
    page = signed_in(team.owner).get(reverse("scheduling:type_add")).content.decode()
    assert 'type="color"' in page
    assert "Default fee (USD)" in page


def test_a_duplicate_name_is_refused_next_to_the_name_keeping_the_input(team):
    AppointmentTypeFactory(practice=team.practice, name="Couples session")
    response = signed_in(team.owner).post(
        reverse("scheduling:type_add"), {**TYPE, "name": "couples session", "fee": "99.00"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == [
        "The practice already has an appointment type called couples session."
    ]
    assert 'value="99.00"' in response.content.decode()


def test_the_same_name_in_another_practice_is_fine(team):
    AppointmentTypeFactory(practice=team.outsider.practice, name="Couples session")
    assert signed_in(team.owner).post(reverse("scheduling:type_add"), TYPE).status_code == 302


def test_bad_type_input_is_shown_next_to_each_field(team):
    response = signed_in(team.owner).post(
        reverse("scheduling:type_add"),
        {**TYPE, "default_minutes": "0", "colour": "red", "fee": "-5", "service_code": "90-847"},
    )
    errors = response.context["form"].errors
    assert set(errors) == {"default_minutes", "colour", "fee", "service_code"}
    assert not AppointmentType.objects.filter(name="Couples session").exists()


def test_editing_and_deactivating_a_type(team):
    kind = AppointmentTypeFactory(practice=team.practice, name="Intake")
    browser = signed_in(team.admin)
    url = reverse("scheduling:type_edit", args=[kind.uuid])
    assert browser.post(url, {**TYPE, "name": "Intake (90 min)"}).status_code == 302
    kind.refresh_from_db()
    assert kind.name == "Intake (90 min)"
    browser.post(url, {"active": "0"})
    kind.refresh_from_db()
    assert not kind.is_active
    assert AuditEvent.objects.filter(action="appointment_type.deactivated").exists()
    browser.post(url, {"active": "1"})
    kind.refresh_from_db()
    assert kind.is_active


def test_renaming_onto_another_types_name_is_refused(team):
    AppointmentTypeFactory(practice=team.practice, name="Intake")
    kind = AppointmentTypeFactory(practice=team.practice, name="Follow-up")
    response = signed_in(team.owner).post(
        reverse("scheduling:type_edit", args=[kind.uuid]), {**TYPE, "name": "Intake"}
    )
    assert "already has an appointment type called Intake" in response.content.decode()


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_other_roles_may_not_change_scheduling_settings(team, role):
    kind = AppointmentTypeFactory(practice=team.practice)
    browser = signed_in(team.by_role(role))
    for url in (
        reverse("scheduling:types"),
        reverse("scheduling:type_add"),
        reverse("scheduling:type_edit", args=[kind.uuid]),
        reverse("scheduling:policy"),
    ):
        assert browser.get(url).status_code == 403
        assert browser.post(url, TYPE).status_code == 403


def test_another_practices_type_is_not_found(team):
    kind = AppointmentTypeFactory(practice=team.outsider.practice)
    browser = signed_in(team.owner)
    url = reverse("scheduling:type_edit", args=[kind.uuid])
    assert browser.get(url).status_code == 404
    assert browser.post(url, {"active": "0"}).status_code == 404


def test_the_policy_is_saved_and_audited(team):
    browser = signed_in(team.owner)
    page = browser.get(reverse("scheduling:policy")).content.decode()
    assert 'value="48, 2"' in page and "{first_name}" in page
    response = browser.post(reverse("scheduling:policy"), policy_data(reminder_offsets="2,72, 24"))
    assert response.status_code == 302
    policy = SchedulingPolicy.for_practice(team.practice)
    assert policy.reminder_offsets == [72, 24, 2]
    assert policy.late_cancel_fee == Decimal("75.00") and policy.no_show_fee is None
    assert policy.telehealth_url_template == "https://video.example.org/{room}"
    assert policy.series_horizon_weeks == 26
    event = AuditEvent.objects.get(action="scheduling_policy.updated")
    assert "reminder_offsets" in event.detail["fields"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_offsets", "48, two", "“two” is not a number of hours"),
        ("reminder_offsets", "48, 0", "between 1 and 336 hours"),
        ("reminder_offsets", "2, 2", "Each number of hours once"),
        ("reminder_email_body", "Hi {name}", "{name} is not a placeholder Tend knows"),
        ("reminder_sms_body", "At {time", "A brace is not closed"),
        ("reminder_email_subject", "{diagnosis}", "{diagnosis} is not a placeholder"),
        ("telehealth_url_template", "http://video.example.org/{room}", "must start with https://"),
        ("telehealth_url_template", "https://video.example.org/", "Put {room} where"),
        ("day_ends", "07:00", "The calendar must end after it starts."),
        ("series_horizon_weeks", "200", "less than or equal to 104"),
    ],
)
def test_bad_policy_input_is_refused_next_to_its_field(team, field, value, message):
    response = signed_in(team.admin).post(
        reverse("scheduling:policy"), policy_data(**{field: value})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert value.replace("{", "").split()[0][:6] in response.content.decode()
    assert SchedulingPolicy.for_practice(team.practice).reminder_email_subject.startswith(
        "Reminder:"
    )


def test_the_service_refuses_a_video_link_without_a_room(team):
    with pytest.raises(service.SchedulingError, match="contain {room}"):
        service.update_scheduling_policy(
            membership=team.owner, telehealth_url_template="https://x.example.org/"
        )


def test_the_settings_nav_offers_scheduling_to_managers(team):
    page = signed_in(team.owner).get(reverse("scheduling:types")).content.decode()
    assert reverse("scheduling:policy") in page
    assert 'aria-current="page">Appointment types' in page
