"""The demo practice's schedule: realistic, consistent with its time claims, and the same on
every run."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from tend.practices.choices import Role
from tend.practices.demo import build_demo_practice
from tend.practices.models import Membership
from tend.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentKind,
    AppointmentStatus,
    ClaimKind,
    Modality,
)
from tend.scheduling.conflicts import Need, overlaps_within
from tend.scheduling.demo import build_demo_schedule
from tend.scheduling.models import (
    Appointment,
    AppointmentType,
    SchedulingPolicy,
    Series,
    TimeClaim,
    WorkingHours,
)

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def snapshot(practice) -> list[tuple]:
    rows: list[tuple] = list(
        AppointmentType.objects.filter(practice=practice)
        .order_by("name")
        .values_list("name", "kind", "default_minutes", "service_code", "fee")
    )
    appointments = (
        Appointment.objects.filter(practice=practice)
        .select_related("clinician__user", "appointment_type", "room", "location")
        .prefetch_related("clients")
        .order_by("starts_at", "clinician__user__email")
    )
    for a in appointments:
        rows.append(
            (
                a.clinician.user.email,
                a.appointment_type.name,
                a.starts_at,
                a.ends_at,
                a.status,
                a.modality,
                a.room.name if a.room else None,
                a.location.name if a.location else None,
                a.cancelled_by,
                a.series.rule if a.series else None,
                a.series_key,
                tuple(sorted(c.legal_last_name + c.legal_first_name for c in a.clients.all())),
            )
        )
    return rows


def build_and_snapshot(size: str = "small") -> list[tuple]:
    try:
        with transaction.atomic():
            rows = snapshot(build_demo_practice(size).practice)
            raise Rollback
    except Rollback:
        return rows


@pytest.fixture
def demo():
    return build_demo_practice("small").practice


def test_two_runs_build_the_same_schedule():
    first = build_and_snapshot()
    second = build_and_snapshot()
    assert first == second
    assert len(first) > 100


def test_the_practice_has_its_appointment_types_and_policy(demo):
    kinds = Counter(AppointmentType.objects.filter(practice=demo).values_list("kind", flat=True))
    assert set(kinds) == set(AppointmentKind.values) - {AppointmentKind.CONSULTATION}
    codes = set(
        AppointmentType.objects.filter(practice=demo).values_list("service_code", flat=True)
    )
    assert {"90791", "90837", "90834", "90847", "90853"} <= codes
    intake = AppointmentType.objects.get(practice=demo, kind=AppointmentKind.INTAKE)
    assert intake.default_minutes == 60
    policy = SchedulingPolicy.objects.get(practice=demo)
    assert policy.no_show_fee and policy.late_cancel_fee


def test_every_clinician_works_monday_to_friday(demo):
    clinical = [m for m in Membership.objects.filter(practice=demo) if m.is_clinical]
    assert len(clinical) >= 4
    for member in clinical:
        days = sorted(
            WorkingHours.objects.filter(clinician=member).values_list("weekday", flat=True)
        )
        assert days == [0, 1, 2, 3, 4]


def test_active_appointments_hold_claims_that_never_overlap(demo):
    appointments = Appointment.objects.filter(practice=demo).prefetch_related("attendees")
    claims = defaultdict(set)
    for kind, ref, appointment_id in TimeClaim.objects.filter(practice=demo).values_list(
        "kind", "ref", "appointment_id"
    ):
        claims[appointment_id].add((kind, ref))
    for a in appointments:
        expected = set()
        if a.status in ACTIVE_STATUSES:
            expected = {(ClaimKind.CLINICIAN, a.clinician_id)}
            expected |= {(ClaimKind.ROOM, a.room_id)} if a.room_id else set()
            expected |= {(ClaimKind.CLIENT, x.client_id) for x in a.attendees.all()}
        assert claims.get(a.pk, set()) == expected, a
    needs = [
        Need(kind, ref, start, end)
        for kind, ref, start, end in TimeClaim.objects.filter(practice=demo).values_list(
            "kind", "ref", "starts_at", "ends_at"
        )
    ]
    assert needs and overlaps_within(needs) == []


def test_the_week_around_today_looks_like_a_practice(demo):
    today = timezone.now()
    appointments = Appointment.objects.filter(practice=demo)
    past = appointments.filter(ends_at__lt=today - dt.timedelta(days=1))
    statuses = Counter(past.values_list("status", flat=True))
    assert statuses[AppointmentStatus.COMPLETED] > 50
    assert statuses[AppointmentStatus.CANCELLED] >= 1
    assert statuses[AppointmentStatus.NO_SHOW] >= 1
    ahead = appointments.filter(starts_at__gt=today + dt.timedelta(days=2))
    assert set(ahead.values_list("status", flat=True)) <= {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CANCELLED,
    }
    video = appointments.filter(modality=Modality.VIDEO)
    assert video.exists() and all(a.video_room and a.location.is_telehealth for a in video)
    group = appointments.filter(appointment_type__kind=AppointmentKind.GROUP).first()
    assert group.clients.count() >= 4 and group.room is not None
    assert Series.objects.filter(practice=demo, appointments__isnull=False).exists()
    assert appointments.filter(appointment_type__kind=AppointmentKind.ADMIN).exists()
    assert not appointments.filter(
        appointment_type__kind=AppointmentKind.ADMIN, clients__isnull=False
    ).exists()
    supervisors = Membership.objects.filter(practice=demo, role=Role.SUPERVISOR)
    assert appointments.filter(
        appointment_type__kind=AppointmentKind.SUPERVISION, clinician__in=supervisors
    ).exists()


def test_a_full_caseload_shares_slots_every_other_week_without_clashes(team):
    from tests.factories import client_of

    for _ in range(85):
        client_of(team.clinician)
    build_demo_schedule(team.practice, [team.clinician], size="large", seed=1)
    rules = Counter(Series.objects.filter(clinician=team.clinician).values_list("rule", flat=True))
    assert rules["FREQ=WEEKLY;COUNT=5"] >= 1  # the admin hour, weekly
    assert any("INTERVAL=2" in rule for rule in rules)
    needs = [
        Need(kind, ref, start, end)
        for kind, ref, start, end in TimeClaim.objects.filter(
            appointment__clinician=team.clinician
        ).values_list("kind", "ref", "starts_at", "ends_at")
    ]
    assert len(needs) > 300 and overlaps_within(needs) == []
    seen = set(
        Appointment.objects.filter(clinician=team.clinician).values_list(
            "attendees__client", flat=True
        )
    )
    assert len(seen - {None}) == 80  # past 80, the rest are seen less often than five weeks
