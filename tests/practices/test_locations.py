"""Locations and rooms: list, add, edit, archive (never delete), address validation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.core.access import CrossPracticeReference
from tend.core.models import AuditEvent
from tend.practices import services
from tend.practices.forms import normalise_phone, normalise_zip
from tend.practices.models import Location, Room
from tests.conftest import signed_in
from tests.factories import LocationFactory, RoomFactory

ADD = reverse("practices:location_add")
LIST = reverse("practices:locations")
NON_MANAGERS = ["clinician", "supervisor", "biller", "front_desk"]


def _office(**overrides):
    data = {
        "name": "Downtown Office",
        "address_line1": "100 Main St",
        "address_line2": "Suite 2",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "phone": "512.555.0100",
        "time_zone": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["owner", "clinician", "front_desk", "biller"])
def test_everyone_in_the_practice_sees_the_locations_and_rooms(team, role):
    location = LocationFactory(practice=team.practice, name="North Office")
    RoomFactory(location=location, name="Blue Room")
    LocationFactory(practice=team.outsider.practice, name="Foreign Office")
    response = signed_in(team.by_role(role)).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "North Office" in html
    assert "Blue Room" in html
    assert "Foreign Office" not in html


def test_only_managers_see_archived_locations_and_the_manage_buttons(team):
    LocationFactory(practice=team.practice, name="Old Office", is_archived=True)
    assert "Old Office" in signed_in(team.admin).get(LIST).content.decode()
    html = signed_in(team.clinician).get(LIST).content.decode()
    assert "Old Office" not in html
    assert ADD not in html


def test_a_manager_adds_an_office_with_its_address_normalised(team):
    response = signed_in(team.admin).post(ADD, _office(postal_code="787011234"))
    location = Location.objects.get(practice=team.practice, name="Downtown Office")
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:location", args=[location.uuid])
    assert location.state == "TX"
    assert location.postal_code == "78701-1234"
    assert location.phone == "(512) 555-0100"
    assert not location.is_telehealth
    event = AuditEvent.objects.get(action="location.added")
    assert event.object_id == str(location.uuid)
    assert event.actor == team.admin.user


def test_a_telehealth_location_needs_no_address(team):
    response = signed_in(team.owner).post(
        ADD, {"name": "Video", "is_telehealth": "on", "time_zone": ""}
    )
    assert response.status_code == 302
    assert Location.objects.get(practice=team.practice, name="Video").is_telehealth


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("state", "ZZ", "Select a valid choice"),
        ("state", "", "full address"),
        ("postal_code", "7870", "5 or 9 digits"),
        ("postal_code", "78701-12", "5 or 9 digits"),
        ("phone", "555-0100", "10-digit"),
        ("address_line1", "", "full address"),
        ("name", "", "required"),
    ],
)
def test_bad_address_input_is_refused_next_to_the_field_and_kept(team, field, value, message):
    response = signed_in(team.owner).post(ADD, _office(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    html = response.content.decode()
    assert 'value="Downtown Office"' in html or field == "name"
    assert 'value="100 Main St"' in html or field == "address_line1"
    assert not Location.objects.filter(practice=team.practice).exists()


def test_a_location_name_used_in_the_practice_is_refused(team):
    LocationFactory(practice=team.practice, name="Downtown Office")
    response = signed_in(team.owner).post(ADD, _office(name="downtown office"))
    assert response.status_code == 200
    assert "already has a location" in " ".join(response.context["form"].errors["name"])


def test_the_same_location_name_in_another_practice_is_fine(team):
    LocationFactory(practice=team.outsider.practice, name="Downtown Office")
    assert signed_in(team.owner).post(ADD, _office()).status_code == 302


def test_a_manager_edits_a_location(team):
    location = LocationFactory(practice=team.practice, name="North")
    url = reverse("practices:location", args=[location.uuid])
    client = signed_in(team.owner)
    assert client.get(url).status_code == 200
    response = client.post(url, _office(name="North Office", phone="+1 (512) 555 0199"))
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.name == "North Office"
    assert location.phone == "(512) 555-0199"
    event = AuditEvent.objects.get(action="location.updated")
    assert "name" in event.detail["fields"]


def test_editing_with_bad_input_keeps_what_was_typed_and_the_stored_name(team):
    location = LocationFactory(practice=team.practice, name="North")
    url = reverse("practices:location", args=[location.uuid])
    response = signed_in(team.owner).post(url, _office(name="Typed Name", postal_code="1"))
    assert response.status_code == 200
    assert 'value="Typed Name"' in response.content.decode()
    location.refresh_from_db()
    assert location.name == "North"


def test_archiving_keeps_the_location_and_restoring_brings_it_back(team):
    location = LocationFactory(practice=team.practice)
    url = reverse("practices:location_archive", args=[location.uuid])
    client = signed_in(team.owner)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    location.refresh_from_db()
    assert location.is_archived
    client.post(url, {"restore": "1"})
    location.refresh_from_db()
    assert not location.is_archived
    actions = list(
        AuditEvent.objects.filter(object_id=str(location.uuid))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["location.archived", "location.restored"]


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_other_roles_cannot_add_edit_or_archive_locations(team, role):
    location = LocationFactory(practice=team.practice)
    client = signed_in(team.by_role(role))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _office()).status_code == 403
    assert client.get(reverse("practices:location", args=[location.uuid])).status_code == 403
    archive = reverse("practices:location_archive", args=[location.uuid])
    assert client.post(archive).status_code == 403
    location.refresh_from_db()
    assert not location.is_archived


def test_an_outsider_cannot_see_edit_or_archive_another_practices_location(team):
    location = LocationFactory(practice=team.practice)
    room = RoomFactory(location=location)
    team.outsider.role = "owner"
    team.outsider.save()
    client = signed_in(team.outsider)
    for url in (
        reverse("practices:location", args=[location.uuid]),
        reverse("practices:location_archive", args=[location.uuid]),
        reverse("practices:room_add", args=[location.uuid]),
        reverse("practices:room", args=[room.uuid]),
        reverse("practices:room_archive", args=[room.uuid]),
    ):
        assert client.post(url, {"name": "X", "capacity": 2}).status_code == 404, url
    location.refresh_from_db()
    assert not location.is_archived
    assert not Room.objects.filter(name="X").exists()


# Rooms ---------------------------------------------------------------------------------------


def test_a_manager_adds_a_room_to_a_location(team):
    location = LocationFactory(practice=team.practice)
    url = reverse("practices:room_add", args=[location.uuid])
    client = signed_in(team.owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Garden Room", "capacity": 4})
    assert response.status_code == 302
    room = Room.objects.get(location=location, name="Garden Room")
    assert room.practice == team.practice
    assert room.capacity == 4
    assert AuditEvent.objects.filter(action="room.added", object_id=str(room.uuid)).exists()


def test_a_room_name_used_at_the_location_is_refused_and_kept(team):
    location = LocationFactory(practice=team.practice)
    RoomFactory(location=location, name="Garden Room")
    url = reverse("practices:room_add", args=[location.uuid])
    response = signed_in(team.owner).post(url, {"name": "Garden Room", "capacity": 3})
    assert response.status_code == 200
    assert "already has a room" in " ".join(response.context["form"].errors["name"])
    assert 'value="3"' in response.content.decode()


def test_a_room_needs_at_least_one_seat(team):
    location = LocationFactory(practice=team.practice)
    url = reverse("practices:room_add", args=[location.uuid])
    response = signed_in(team.owner).post(url, {"name": "Closet", "capacity": 0})
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors


def test_a_manager_renames_and_archives_a_room(team):
    room = RoomFactory(location=LocationFactory(practice=team.practice), name="A")
    client = signed_in(team.admin)
    url = reverse("practices:room", args=[room.uuid])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "B", "capacity": 3}).status_code == 302
    client.post(reverse("practices:room_archive", args=[room.uuid]))
    room.refresh_from_db()
    assert (room.name, room.capacity, room.is_archived) == ("B", 3, True)
    assert AuditEvent.objects.filter(action="room.updated").exists()
    assert AuditEvent.objects.filter(action="room.archived").exists()


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_other_roles_cannot_change_rooms(team, role):
    room = RoomFactory(location=LocationFactory(practice=team.practice))
    client = signed_in(team.by_role(role))
    assert (
        client.post(reverse("practices:room", args=[room.uuid]), {"name": "Z"}).status_code == 403
    )
    add = reverse("practices:room_add", args=[room.location.uuid])
    assert client.post(add, {"name": "Z", "capacity": 2}).status_code == 403


def test_the_room_service_refuses_a_location_of_another_practice(team):
    foreign = LocationFactory(practice=team.outsider.practice)
    with pytest.raises(CrossPracticeReference):
        services.add_room(membership=team.owner, location=foreign, name="R", capacity=2)


def test_the_location_service_refuses_a_duplicate_name(team):
    LocationFactory(practice=team.practice, name="Main")
    with pytest.raises(services.NameTaken):
        services.add_location(membership=team.owner, name="MAIN")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("5125550100", "(512) 555-0100"),
        ("+1 512 555 0100", "(512) 555-0100"),
        ("(512) 555-0100", "(512) 555-0100"),
    ],
)
def test_phone_numbers_are_normalised(raw, clean):
    assert normalise_phone(raw) == clean


@pytest.mark.parametrize(("raw", "clean"), [("78701", "78701"), ("78701 1234", "78701-1234")])
def test_zip_codes_are_normalised(raw, clean):
    assert normalise_zip(raw) == clean


def test_locations_visible_to_a_member_are_their_practices_only(team):
    mine = LocationFactory(practice=team.practice)
    LocationFactory(practice=team.outsider.practice)
    assert list(Location.objects.visible_to(team.front_desk)) == [mine]
