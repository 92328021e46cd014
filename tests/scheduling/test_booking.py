"""Booking, moving and status changes through the service, with double booking refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from tend.billing.models import Charge
from tend.scheduling.choices import AppointmentStatus, Attendance, Modality
from tend.scheduling.models import Appointment, SchedulingPolicy, TimeClaim
from tend.scheduling.services import (
    BookingRefused,
    SlotTaken,
    StaleEdit,
    TimesRefused,
    TransitionRefused,
    book_appointment,
    booking_warnings,
    cancel_appointment,
    move_appointment,
    set_status,
)
from tests.factories import (
    AppointmentTypeFactory,
    LocationFactory,
    RoomFactory,
    appointment_for,
    client_of,
)

CHICAGO = ZoneInfo("America/Chicago")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice)


def test_booking_holds_the_clinician_the_room_and_the_client(team, kind):
    room = RoomFactory(location=LocationFactory(practice=team.practice))
    appt = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind, room=room)
    kinds = sorted(TimeClaim.objects.filter(appointment=appt).values_list("kind", flat=True))
    assert kinds == ["c", "m", "r"]
    assert appt.location == room.location
    assert appt.episode is None  # the client has no open episode


def test_the_clinician_cannot_be_double_booked(team, kind):
    appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    with pytest.raises(SlotTaken) as refused:
        appointment_for(team.clinician, start=at(3, 10, 30), appointment_type=kind)
    assert "already has an appointment Mon 3 Mar, 10:00–10:50" in str(refused.value)
    # Back to back is fine.
    appointment_for(team.clinician, start=at(3, 10, 50), appointment_type=kind)


def test_a_client_cannot_be_in_two_places(team, kind):
    client = client_of(team.clinician)
    appointment_for(team.clinician, client=client, start=at(3, 10), appointment_type=kind)
    with pytest.raises(SlotTaken, match="A client in this booking"):
        appointment_for(
            team.supervisor,
            client=client,
            start=at(3, 10),
            appointment_type=kind,
            membership=team.front_desk,
        )


def test_a_cancelled_appointment_frees_the_time_and_undoing_it_checks_again(team, kind):
    first = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    cancel_appointment(first, membership=team.front_desk, cancelled_by="practice", now=at(1, 9))
    assert not TimeClaim.objects.filter(appointment=first).exists()
    appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    with pytest.raises(SlotTaken):
        set_status(first, AppointmentStatus.SCHEDULED, membership=team.front_desk)


def test_bad_times_are_refused(team, kind):
    client = client_of(team.clinician)
    for start, end, message in [
        (at(3, 10), at(3, 9), "The end must be after the start."),
        (at(3, 10), at(3, 10), "The end must be after the start."),
        (at(3, 8), at(3, 21), "at most 12 hours"),
    ]:
        with pytest.raises(TimesRefused, match=message):
            book_appointment(
                membership=team.clinician,
                clinician=team.clinician,
                appointment_type=kind,
                starts_at=start,
                ends_at=end,
                clients=[client],
            )


def test_clients_must_fit_the_type(team, kind):
    a, b = client_of(team.clinician), client_of(team.clinician)
    with pytest.raises(BookingRefused, match="Choose the client"):
        appointment_for(team.clinician, clients=[], start=at(3, 10), appointment_type=kind)
    with pytest.raises(BookingRefused, match="more than one client"):
        appointment_for(team.clinician, clients=[a, b], start=at(3, 10), appointment_type=kind)
    group = AppointmentTypeFactory(practice=team.practice, kind="group", name="Group")
    appt = appointment_for(team.clinician, clients=[a, b], start=at(3, 10), appointment_type=group)
    assert appt.attendees.count() == 2


def test_telehealth_gets_its_own_unguessable_room(team, kind):
    a = appointment_for(
        team.clinician,
        start=at(3, 10),
        appointment_type=kind,
        modality=Modality.VIDEO,
        client_location="home",
    )
    b = appointment_for(
        team.clinician, start=at(3, 11), appointment_type=kind, modality=Modality.VIDEO
    )
    assert a.video_room and a.video_room != b.video_room and len(a.video_room) >= 20
    assert a.telehealth_url().startswith("https://meet.jit.si/tend-")
    no_video = AppointmentTypeFactory(practice=team.practice, telehealth_allowed=False, name="X")
    with pytest.raises(BookingRefused, match="not offered by telehealth"):
        appointment_for(
            team.clinician, start=at(3, 12), appointment_type=no_video, modality=Modality.VIDEO
        )


def test_moving_checks_clashes_and_refuses_a_stale_edit(team, kind):
    a = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    appointment_for(team.clinician, start=at(3, 12), appointment_type=kind)
    with pytest.raises(SlotTaken):
        move_appointment(a, membership=team.clinician, starts_at=at(3, 12), ends_at=at(3, 13))
    a.refresh_from_db()
    assert a.starts_at == at(3, 10)
    moved = move_appointment(
        a, membership=team.clinician, starts_at=at(3, 14), ends_at=at(3, 15), version=a.version
    )
    assert moved.version == a.version + 1
    assert TimeClaim.objects.get(appointment=a, kind="m").starts_at == at(3, 14)
    with pytest.raises(StaleEdit):
        move_appointment(
            a, membership=team.clinician, starts_at=at(3, 16), ends_at=at(3, 17), version=a.version
        )


def test_only_the_right_people_change_a_calendar(team, kind):
    appt = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    for member in (team.biller, team.outsider):
        with pytest.raises((PermissionDenied, Exception)):
            move_appointment(appt, membership=member, starts_at=at(3, 11), ends_at=at(3, 12))
    other = client_of(team.supervisor)
    # A clinician does not book on a colleague's calendar; the supervisor may book theirs.
    with pytest.raises(PermissionDenied):
        appointment_for(
            team.supervisor,
            client=other,
            start=at(4, 10),
            appointment_type=kind,
            membership=team.clinician,
        )
    appointment_for(
        team.clinician, start=at(4, 10), appointment_type=kind, membership=team.supervisor
    )


def test_late_cancellation_and_no_show_charge_the_policy_fees_once(team, kind):
    policy = SchedulingPolicy.for_practice(team.practice)
    policy.late_cancel_fee = Decimal("75.00")
    policy.no_show_fee = Decimal("100.00")
    policy.save()
    early = appointment_for(team.clinician, start=at(10, 10), appointment_type=kind)
    cancel_appointment(early, membership=None, by_client=True, cancelled_by="client", now=at(8, 9))
    early.refresh_from_db()
    assert not early.is_late_cancellation and not Charge.objects.exists()

    late = appointment_for(team.clinician, start=at(10, 11), appointment_type=kind)
    cancel_appointment(
        late, membership=team.front_desk, cancelled_by="client", reason="Unwell", now=at(10, 8)
    )
    late.refresh_from_db()
    assert late.is_late_cancellation
    charge = Charge.objects.get(appointment=late)
    assert (charge.kind, charge.amount, charge.currency) == ("late_cancel", Decimal("75.00"), "USD")

    gone = appointment_for(team.clinician, start=at(10, 13), appointment_type=kind)
    set_status(gone, AppointmentStatus.NO_SHOW, membership=team.clinician, now=at(10, 14))
    assert Charge.objects.get(appointment=gone).amount == Decimal("100.00")
    assert gone.attendees.get().attendance == Attendance.ABSENT
    # Undone by mistake: the fee is waived, not deleted; marking it again reopens one charge.
    set_status(gone, AppointmentStatus.SCHEDULED, membership=team.clinician)
    assert Charge.objects.get(appointment=gone).status == "waived"
    set_status(gone, AppointmentStatus.NO_SHOW, membership=team.clinician, now=at(10, 14))
    assert Charge.objects.filter(appointment=gone).count() == 1
    assert Charge.objects.get(appointment=gone).status == "open"


def test_the_workflow_refuses_moves_that_make_no_sense(team, kind):
    appt = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    with pytest.raises(TransitionRefused, match="has not started"):
        set_status(appt, AppointmentStatus.COMPLETED, membership=team.clinician, now=at(2, 9))
    set_status(appt, AppointmentStatus.ARRIVED, membership=team.clinician, now=at(3, 10))
    set_status(appt, AppointmentStatus.COMPLETED, membership=team.clinician, now=at(3, 11))
    with pytest.raises(TransitionRefused, match="cannot become cancelled"):
        cancel_appointment(appt, membership=team.clinician, cancelled_by="clinician")
    assert list(appt.changes.values_list("to_status", flat=True)) == [
        "scheduled",
        "arrived",
        "completed",
    ]


def test_warnings_for_the_past(team):
    past = dt.datetime(2020, 1, 6, 10, tzinfo=CHICAGO)
    warnings = booking_warnings(
        clinician=team.clinician, starts_at=past, ends_at=past + dt.timedelta(hours=1)
    )
    assert warnings == [
        "This time is in the past. Book it only to document a session that took place."
    ]


def test_str_names_no_client(team, kind):
    appt = appointment_for(team.clinician, start=at(3, 10), appointment_type=kind)
    client = appt.clients.get()
    assert client.legal_last_name not in str(appt)
    assert str(appt) == f"Appointment {appt.uuid}"
    assert Appointment.objects.visible_to(team.outsider).count() == 0
