"""The waitlist: entries through the service and the pages, and matching free times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from tend.core.models import AuditEvent
from tend.scheduling.choices import Modality, WaitlistStatus
from tend.scheduling.models import WaitlistEntry
from tend.scheduling.services import cancel_appointment
from tend.scheduling.waitlist import (
    WaitlistRefused,
    add_to_waitlist,
    mark_booked_for,
    matches_for_slot,
    remove_from_waitlist,
    suggestions_for_cancelled,
    update_waitlist_entry,
)
from tests.conftest import signed_in
from tests.factories import ClientFactory, MembershipFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, minute, tzinfo=CHICAGO)


def entry(team, **prefs):
    return add_to_waitlist(client_of(team.clinician), membership=team.front_desk, **prefs)


# Matching ----------------------------------------------------------------------------------


def test_matching_follows_days_times_clinician_and_modality(team):
    monday_mornings = entry(team, weekdays=[0], earliest=dt.time(8), latest=dt.time(12))
    anyone = entry(team)
    with_other = entry(team, clinician=MembershipFactory(practice=team.practice))
    video_only = entry(team, in_person_ok=False)
    c = team.clinician

    def fits(start, end, modality=Modality.IN_PERSON):
        return set(matches_for_slot(team.practice, c, start, end, modality))

    assert fits(at(3, 9), at(3, 10)) == {monday_mornings, anyone}
    assert fits(at(3, 11, 30), at(3, 12, 20)) == {anyone}  # ends after the latest time
    assert fits(at(4, 9), at(4, 10)) == {anyone}  # a Tuesday
    assert fits(at(3, 9), at(3, 10), Modality.VIDEO) == {monday_mornings, anyone, video_only}
    assert with_other not in fits(at(3, 9), at(3, 10), Modality.VIDEO)


def test_removed_and_booked_entries_are_not_suggested(team):
    gone = entry(team)
    remove_from_waitlist(gone, membership=team.front_desk, reason="Found care elsewhere")
    assert matches_for_slot(team.practice, team.clinician, at(3, 9), at(3, 10)) == []


def test_a_cancelled_appointment_suggests_the_clients_who_fit(team):
    fits = entry(team, weekdays=[0])
    entry(team, weekdays=[2])
    appointment = appointment_for(team.clinician, start=at(3, 9))
    cancel_appointment(appointment, membership=team.clinician, cancelled_by="client", now=at(1, 9))
    assert suggestions_for_cancelled(appointment) == [fits]
    # The clinician sees only the waiting clients in their care.
    stranger = add_to_waitlist(ClientFactory(practice=team.practice), membership=team.front_desk)
    assert stranger in suggestions_for_cancelled(appointment)
    assert stranger not in suggestions_for_cancelled(appointment, team.clinician)


# Services ----------------------------------------------------------------------------------


def test_entries_are_audited_and_a_client_waits_once(team):
    e = entry(team, notes="Mornings only")
    with pytest.raises(WaitlistRefused):
        add_to_waitlist(e.client, membership=team.front_desk)
    update_waitlist_entry(e, membership=team.front_desk, notes="Any morning")
    with pytest.raises(WaitlistRefused) as refused:
        remove_from_waitlist(e, membership=team.front_desk, reason=" ")
    assert refused.value.field == "reason"
    remove_from_waitlist(e, membership=team.front_desk, reason="No longer needed")
    actions = list(
        AuditEvent.objects.filter(action__startswith="waitlist.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["waitlist.added", "waitlist.removed", "waitlist.updated"]


def test_bad_preferences_are_refused_next_to_their_field(team):
    client = client_of(team.clinician)
    with pytest.raises(WaitlistRefused) as refused:
        add_to_waitlist(client, membership=team.clinician, earliest=dt.time(12), latest=dt.time(9))
    assert refused.value.field == "latest"
    with pytest.raises(WaitlistRefused) as refused:
        add_to_waitlist(client, membership=team.clinician, in_person_ok=False, telehealth_ok=False)
    assert refused.value.field == "in_person_ok"


def test_booking_the_client_marks_their_entry_booked(team):
    e = entry(team)
    appointment = appointment_for(team.clinician, client=e.client, start=at(3, 9))
    e.refresh_from_db()
    assert e.status == WaitlistStatus.BOOKED
    assert AuditEvent.objects.filter(action="waitlist.booked").exists()
    assert mark_booked_for(appointment, membership=team.front_desk) == []


def test_an_entry_waiting_for_another_clinician_stays_waiting(team):
    e = entry(team)
    e.clinician = team.supervisor
    e.save()
    appointment_for(team.clinician, client=e.client, start=at(3, 9))
    e.refresh_from_db()
    assert e.status == WaitlistStatus.WAITING


def test_clinicians_keep_only_their_clients_on_the_waitlist(team):
    with pytest.raises(PermissionDenied):
        add_to_waitlist(ClientFactory(practice=team.practice), membership=team.clinician)
    with pytest.raises(PermissionDenied):
        add_to_waitlist(client_of(team.clinician), membership=team.biller)


# Pages -------------------------------------------------------------------------------------


def test_adding_a_client_through_the_page(team):
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).post(
        f"/waitlist/add/{client.uuid}/",
        {"weekdays": ["0", "2"], "earliest": "09:00", "latest": "13:00", "in_person_ok": "on"},
    )
    assert response.status_code == 302
    e = WaitlistEntry.objects.get()
    assert e.weekdays == [0, 2] and not e.telehealth_ok and e.added_by == team.front_desk
    page = signed_in(team.front_desk).get("/waitlist/")
    assert client.sort_name in page.content.decode()
    assert "Mon, Wed" in page.content.decode()


def test_bad_input_on_the_page_is_shown_next_to_the_field_and_kept(team):
    client = client_of(team.clinician)
    response = signed_in(team.clinician).post(
        f"/waitlist/add/{client.uuid}/",
        {"earliest": "14:00", "latest": "10:00", "notes": "After school"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["latest"] == [
        "The latest time must be after the earliest."
    ]
    assert "After school" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_editing_and_removing_through_the_pages(team):
    e = entry(team)
    client = signed_in(team.front_desk)
    edited = client.post(f"/waitlist/{e.uuid}/", {"weekdays": ["4"], "telehealth_ok": "on"})
    assert edited.status_code == 302
    e.refresh_from_db()
    assert e.weekdays == [4] and not e.in_person_ok
    no_reason = client.post(f"/waitlist/{e.uuid}/remove/", {"reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.context["form"].errors["reason"]
    assert client.post(f"/waitlist/{e.uuid}/remove/", {"reason": "Moved away"}).status_code == 302
    e.refresh_from_db()
    assert e.status == WaitlistStatus.REMOVED


def test_marking_booked_from_the_page(team):
    e = entry(team)
    assert signed_in(team.front_desk).get(f"/waitlist/{e.uuid}/booked/").status_code == 405
    assert signed_in(team.front_desk).post(f"/waitlist/{e.uuid}/booked/").status_code == 302
    e.refresh_from_db()
    assert e.status == WaitlistStatus.BOOKED


def test_the_page_for_a_freed_time_lists_who_fits(team):
    fits = entry(team, weekdays=[0])
    appointment = appointment_for(team.clinician, start=at(3, 9))
    cancel_appointment(appointment, membership=team.clinician, cancelled_by="client", now=at(1, 9))
    page = signed_in(team.front_desk).get(f"/waitlist/for/{appointment.uuid}/")
    assert page.status_code == 200
    assert fits.client.sort_name in page.content.decode()


def test_the_waitlist_page_suggests_free_times_that_fit(team):
    e = entry(team)
    page = signed_in(team.front_desk).get("/waitlist/")
    suggestions = page.context["suggestions"]
    assert suggestions and e in suggestions[0]["entries"]
    assert f"client={e.client.uuid}" in page.content.decode()


def test_clinicians_see_only_their_clients_waiting(team):
    mine = entry(team)
    theirs = add_to_waitlist(ClientFactory(practice=team.practice), membership=team.front_desk)
    body = signed_in(team.clinician).get("/waitlist/").content.decode()
    assert mine.client.sort_name in body and theirs.client.sort_name not in body
    assert signed_in(team.clinician).get(f"/waitlist/{theirs.uuid}/").status_code == 404


def test_billers_do_not_keep_the_waitlist(team):
    assert signed_in(team.biller).get("/waitlist/").status_code == 403


def test_another_practices_entries_and_clients_are_not_found(team):
    e = entry(team)
    client = signed_in(team.outsider)
    assert client.get(f"/waitlist/{e.uuid}/").status_code == 404
    assert client.post(f"/waitlist/{e.uuid}/remove/", {"reason": "x"}).status_code == 404
    assert client.get(f"/waitlist/add/{e.client.uuid}/").status_code == 404
    assert e.client.sort_name not in client.get("/waitlist/").content.decode()
