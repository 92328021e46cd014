"""Working hours and time away: the services and their pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tend.core.audit import ACTION_LABELS
from tend.core.models import AuditEvent
from tend.scheduling.availability import (
    HoursRefused,
    HoursSpan,
    add_exception,
    hours_on,
    remove_exception,
    set_working_hours,
)
from tend.scheduling.models import AvailabilityException, WorkingHours
from tests.conftest import signed_in
from tests.factories import LocationFactory, MembershipFactory

T = dt.time


def span(s, e, prefix="", location=None):
    return HoursSpan(T(*s), T(*e), location, prefix)


# Services ----------------------------------------------------------------------------------


def test_set_working_hours_replaces_the_weekday_and_is_audited(team):
    c = team.clinician
    set_working_hours(c, weekday=1, spans=[span((9,), (12,))], membership=c)
    set_working_hours(
        c, weekday=1, spans=[span((13,), (17,)), span((8,), (12,))], membership=team.front_desk
    )
    assert [(h.starts, h.ends) for h in WorkingHours.objects.filter(clinician=c)] == [
        (T(8), T(12)),
        (T(13), T(17)),
    ]
    assert AuditEvent.objects.filter(action="availability.hours_set").count() == 2
    assert "availability.hours_set" in ACTION_LABELS


def test_overlapping_spans_are_refused_next_to_the_later_one(team):
    with pytest.raises(HoursRefused) as refused:
        set_working_hours(
            team.clinician,
            weekday=0,
            spans=[span((9,), (12,), "span1_"), span((11,), (14,), "span2_")],
            membership=team.clinician,
        )
    assert refused.value.field == "span2_starts"
    assert "overlap" in str(refused.value)


def test_an_end_before_the_start_is_refused(team):
    with pytest.raises(HoursRefused) as refused:
        set_working_hours(
            team.clinician,
            weekday=0,
            spans=[span((12,), (9,), "span1_")],
            membership=team.clinician,
        )
    assert refused.value.field == "span1_ends"


def test_clinicians_change_only_their_own_hours(team):
    other = MembershipFactory(practice=team.practice)
    with pytest.raises(PermissionDenied):
        set_working_hours(other, weekday=0, spans=[], membership=team.clinician)
    with pytest.raises(PermissionDenied):
        set_working_hours(team.clinician, weekday=0, spans=[], membership=team.supervisor)
    set_working_hours(other, weekday=0, spans=[], membership=team.admin)


def test_exceptions_take_away_or_add_hours(team):
    c = team.clinician
    set_working_hours(c, weekday=0, spans=[span((9,), (17,))], membership=c)
    monday = dt.date(2031, 3, 3)
    add_exception(c, date=monday, kind="unavailable", starts=T(12), ends=T(13), membership=c)
    assert hours_on(c, monday) == [(T(9), T(12)), (T(13), T(17))]
    extra = add_exception(
        c,
        date=monday + dt.timedelta(days=5),
        kind="available",
        starts=T(10),
        ends=T(12),
        membership=c,
    )
    assert hours_on(c, monday + dt.timedelta(days=5)) == [(T(10), T(12))]
    remove_exception(extra, membership=c)
    assert hours_on(c, monday + dt.timedelta(days=5)) == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"availability.exception_added", "availability.exception_removed"} <= actions


def test_exceptions_refuse_overlaps_and_backwards_times(team):
    c = team.clinician
    day = dt.date(2031, 3, 3)
    add_exception(c, date=day, kind="unavailable", membership=c)
    with pytest.raises(HoursRefused) as refused:
        add_exception(c, date=day, kind="available", starts=T(9), ends=T(10), membership=c)
    assert refused.value.field == "starts"
    with pytest.raises(HoursRefused) as refused:
        add_exception(
            c, date=day + dt.timedelta(1), kind="unavailable", starts=T(10), ends=T(9), membership=c
        )
    assert refused.value.field == "ends"
    with pytest.raises(HoursRefused) as refused:
        add_exception(c, date=day + dt.timedelta(1), kind="available", membership=c)
    assert refused.value.field == "starts"


# Pages -------------------------------------------------------------------------------------


def test_the_hours_page_says_which_time_zone(team):
    set_working_hours(
        team.clinician, weekday=2, spans=[span((9,), (12,))], membership=team.clinician
    )
    response = signed_in(team.clinician).get(f"/availability/{team.clinician.uuid}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "America/Chicago" in body and "09:00–12:00" in body
    assert f"/availability/{team.clinician.uuid}/day/2/" in body


def test_a_clinician_opening_availability_lands_on_their_own_hours(team):
    response = signed_in(team.clinician).get("/availability/")
    assert response["Location"] == f"/availability/{team.clinician.uuid}/"


def test_a_supervisor_sees_a_supervisees_hours_but_cannot_change_them(team):
    client = signed_in(team.supervisor)
    page = client.get(f"/availability/{team.clinician.uuid}/")
    assert page.status_code == 200
    assert "/day/0/" not in page.content.decode()
    response = client.post(
        f"/availability/{team.clinician.uuid}/day/0/",
        {"span1_starts": "09:00", "span1_ends": "12:00"},
    )
    assert response.status_code == 302
    assert not WorkingHours.objects.exists()


def test_a_clinician_is_sent_away_from_a_colleagues_hours(team):
    other = MembershipFactory(practice=team.practice)
    response = signed_in(team.clinician).get(f"/availability/{other.uuid}/")
    assert response.status_code == 302


def test_the_front_desk_sets_a_clinicians_day(team):
    location = LocationFactory(practice=team.practice)
    response = signed_in(team.front_desk).post(
        f"/availability/{team.clinician.uuid}/day/0/",
        {
            "span1_starts": "09:00",
            "span1_ends": "12:00",
            "span1_location": str(location.uuid),
            "span2_starts": "13:00",
            "span2_ends": "17:00",
        },
    )
    assert response.status_code == 302
    rows = WorkingHours.objects.filter(clinician=team.clinician)
    assert [(r.starts, r.ends, r.location_id) for r in rows] == [
        (T(9), T(12), location.pk),
        (T(13), T(17), None),
    ]


def test_overlapping_spans_on_the_page_are_shown_next_to_the_field(team):
    response = signed_in(team.clinician).post(
        f"/availability/{team.clinician.uuid}/day/0/",
        {
            "span1_starts": "09:00",
            "span1_ends": "12:00",
            "span2_starts": "11:00",
            "span2_ends": "14:00",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "overlap" in form.errors["span2_starts"][0]
    assert 'value="11:00"' in response.content.decode()
    assert not WorkingHours.objects.exists()


def test_half_a_span_is_refused(team):
    response = signed_in(team.clinician).post(
        f"/availability/{team.clinician.uuid}/day/0/", {"span1_starts": "09:00"}
    )
    assert "Give both" in response.context["form"].errors["span1_ends"][0]


def test_time_away_through_the_page(team):
    client = signed_in(team.clinician)
    url = f"/availability/{team.clinician.uuid}/away/new/"
    bad = client.post(
        url, {"date": "2031-03-03", "kind": "unavailable", "starts": "12:00", "ends": "11:00"}
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors["ends"] == ["The end must be after the start."]
    ok = client.post(url, {"date": "2031-03-03", "kind": "unavailable", "note": "Dentist"})
    assert ok.status_code == 302
    exc = AvailabilityException.objects.get()
    assert exc.starts is None and exc.note == "Dentist"
    removed = client.post(f"/availability/away/{exc.uuid}/remove/")
    assert removed.status_code == 302
    assert not AvailabilityException.objects.exists()


def test_removing_needs_a_post(team):
    exc = AvailabilityException.objects.create(
        practice=team.practice, clinician=team.clinician, date=dt.date(2031, 3, 3)
    )
    assert (
        signed_in(team.clinician).get(f"/availability/away/{exc.uuid}/remove/").status_code == 405
    )


def test_billers_may_not_change_hours(team):
    response = signed_in(team.biller).get(f"/availability/{team.clinician.uuid}/day/0/")
    assert response.status_code == 403
    assert signed_in(team.biller).get(f"/availability/{team.clinician.uuid}/").status_code == 200


def test_another_practices_clinician_is_not_found(team):
    client = signed_in(team.outsider)
    assert client.get(f"/availability/{team.clinician.uuid}/").status_code == 404
    assert client.post(f"/availability/{team.clinician.uuid}/day/0/").status_code == 404
    exc = AvailabilityException.objects.create(
        practice=team.practice, clinician=team.clinician, date=dt.date(2031, 3, 3)
    )
    assert client.post(f"/availability/away/{exc.uuid}/remove/").status_code == 404
    assert AvailabilityException.objects.exists()
