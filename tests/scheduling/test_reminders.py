"""Reminders: planned with the appointment, sent once by the sweep, only on the channels a
client allows, in the client's time zone, saying when and where but never why."""

from __future__ import annotations

import datetime as dt
import smtplib
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tend.clients.models import ClientPhone
from tend.scheduling import reminders, sms, tasks
from tend.scheduling.choices import Modality, ReminderStatus
from tend.scheduling.models import Reminder, SchedulingPolicy
from tend.scheduling.reminders import (
    TemplateProblem,
    claim_due,
    plan_reminders,
    render_template,
    send_due_reminders,
    template_fields,
)
from tend.scheduling.services import cancel_appointment, move_appointment
from tests.factories import AppointmentTypeFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")
START = dt.datetime(2031, 3, 20, 10, 0, tzinfo=CHICAGO)
BEFORE = START - dt.timedelta(days=5)


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice, name="Trauma processing")


def booked(team, kind, *, may_email=True, may_text=False, mobile=None, **client_kwargs):
    client = client_of(
        team.clinician,
        may_email=may_email,
        may_text=may_text,
        legal_first_name="Robin",
        legal_last_name="Castellano",
        **client_kwargs,
    )
    if mobile:
        ClientPhone.objects.create(
            practice=team.practice, client=client, number=mobile, kind="mobile"
        )
    appointment = appointment_for(
        team.clinician, client=client, start=START, appointment_type=kind, **_place()
    )
    plan_reminders(appointment.pk, now=BEFORE)
    return appointment


def _place():
    return {}


def test_planning_makes_one_reminder_per_offset_and_permitted_channel(team, kind):
    appointment = booked(team, kind, may_text=True, mobile="+1 312 555 0100")
    rows = sorted(appointment.reminders.values_list("channel", "hours_before", "due_at"))
    assert rows == [
        ("email", 2, START - dt.timedelta(hours=2)),
        ("email", 48, START - dt.timedelta(hours=48)),
        ("sms", 2, START - dt.timedelta(hours=2)),
        ("sms", 48, START - dt.timedelta(hours=48)),
    ]


def test_the_sweep_sends_a_due_email_once_however_often_it_runs(team, kind, mailoutbox):
    appointment = booked(team, kind)
    due = START - dt.timedelta(hours=48)
    assert send_due_reminders(now=due - dt.timedelta(minutes=1)) == 0
    assert send_due_reminders(now=due) == 1
    assert send_due_reminders(now=due) == 0
    assert send_due_reminders(now=due + dt.timedelta(minutes=5)) == 0
    assert len(mailoutbox) == 1
    reminder = appointment.reminders.get(hours_before=48)
    assert reminder.status == ReminderStatus.SENT
    assert reminder.sent_at == due
    assert reminder.outcome == "Sent."


def test_the_email_says_when_and_where_with_links_but_never_why(team, kind, mailoutbox):
    booked(team, kind)
    send_due_reminders(now=START - dt.timedelta(hours=48))
    mail = mailoutbox[0]
    assert mail.to == [mail.to[0]] and mail.to[0].endswith("@example.net")
    assert mail.subject == "Reminder: your appointment on Thursday 20 March 2031"
    body = mail.body
    assert "Hello Robin," in body
    assert "on Thursday 20 March 2031 at 10:00 AM (CDT)" in body
    assert "/r/" in body and "/cancel/" in body
    assert "Trauma processing" not in body + mail.subject
    assert "Castellano" not in body + mail.subject


def test_times_are_in_the_clients_own_zone(team, kind, mailoutbox):
    booked(team, kind, time_zone="America/Los_Angeles")
    send_due_reminders(now=START - dt.timedelta(hours=2))
    assert "at 8:00 AM (PDT)" in mailoutbox[0].body


def test_a_text_goes_through_the_sms_backend_with_minimal_content(team, kind, mailoutbox):
    policy = SchedulingPolicy.for_practice(team.practice)
    policy.late_cancel_fee = "75.00"
    policy.reminder_sms_body = (
        "{practice}: {date} {time} {time_zone}. {where_short} "
        "Cancel {cancel_url} {cancellation_policy}"
    )
    policy.save()
    booked(team, kind, may_email=False, may_text=True, mobile="+1 312 555 0100")
    assert send_due_reminders(now=START - dt.timedelta(hours=2)) == 1
    assert mailoutbox == []
    [text] = sms.outbox
    assert text.to == "+1 312 555 0100"
    assert "10:00 AM CDT" in text.body
    assert "A late cancellation fee of $75.00 may apply." in text.body
    assert "Trauma processing" not in text.body
    assert "Robin" not in text.body


def test_a_video_session_gives_its_link_as_where(team, kind, mailoutbox):
    client = client_of(team.clinician, may_email=True)
    appointment = appointment_for(
        team.clinician, client=client, start=START, appointment_type=kind, modality=Modality.VIDEO
    )
    plan_reminders(appointment.pk, now=BEFORE)
    send_due_reminders(now=START - dt.timedelta(hours=2))
    assert f"By video: https://meet.jit.si/tend-{appointment.video_room}" in mailoutbox[0].body


def test_a_client_who_allows_no_channel_gets_no_reminder(team, kind, mailoutbox):
    appointment = booked(team, kind, may_email=False, may_text=False)
    assert not appointment.reminders.exists()
    send_due_reminders(now=START - dt.timedelta(hours=2))
    assert mailoutbox == [] and sms.outbox == []


def test_a_client_who_withdraws_permission_after_planning_is_skipped(team, kind, mailoutbox):
    appointment = booked(team, kind)
    appointment.clients.update(may_email=False)
    send_due_reminders(now=START - dt.timedelta(hours=48))
    assert mailoutbox == []
    reminder = appointment.reminders.get(hours_before=48)
    assert reminder.status == ReminderStatus.SKIPPED
    assert reminder.outcome == "The client does not accept email."


def test_a_moved_appointment_is_reminded_at_its_new_time_only(team, kind, mailoutbox):
    appointment = booked(team, kind)
    later = START + dt.timedelta(days=1)
    move_appointment(
        appointment,
        membership=team.front_desk,
        starts_at=later,
        ends_at=later + dt.timedelta(minutes=50),
    )
    plan_reminders(appointment.pk, now=BEFORE)
    withdrawn = appointment.reminders.filter(status=ReminderStatus.CANCELLED)
    assert {r.due_at for r in withdrawn} == {
        START - dt.timedelta(hours=48),
        START - dt.timedelta(hours=2),
    }
    pending = appointment.reminders.filter(status=ReminderStatus.PENDING)
    assert {r.due_at for r in pending} == {
        later - dt.timedelta(hours=48),
        later - dt.timedelta(hours=2),
    }
    assert send_due_reminders(now=START - dt.timedelta(hours=2)) == 1  # the new 48-hour one
    assert "Friday 21 March 2031" in mailoutbox[0].body


def test_a_reminder_left_from_before_a_move_is_not_sent(team, kind, mailoutbox):
    """The move's re-planning has not run yet (it runs on commit): the sweep re-checks."""
    appointment = booked(team, kind)
    later = START + dt.timedelta(days=3)
    move_appointment(
        appointment,
        membership=team.front_desk,
        starts_at=later,
        ends_at=later + dt.timedelta(minutes=50),
    )
    send_due_reminders(now=START - dt.timedelta(hours=48))
    assert mailoutbox == []
    reminder = appointment.reminders.get(hours_before=48, due_at=START - dt.timedelta(hours=48))
    assert (reminder.status, reminder.outcome) == (ReminderStatus.SKIPPED, "The appointment moved.")


def test_a_cancelled_appointment_drops_its_reminders(team, kind, mailoutbox):
    appointment = booked(team, kind)
    cancel_appointment(appointment, membership=team.front_desk, cancelled_by="practice", now=BEFORE)
    # Before the on-commit re-planning, the sweep itself refuses to remind of it.
    send_due_reminders(now=START - dt.timedelta(hours=48))
    assert mailoutbox == []
    plan_reminders(appointment.pk, now=BEFORE)
    assert not appointment.reminders.filter(status=ReminderStatus.PENDING).exists()
    send_due_reminders(now=START - dt.timedelta(hours=2))
    assert mailoutbox == []


def test_a_reminder_claimed_by_a_worker_that_died_is_never_sent_again(team, kind, mailoutbox):
    appointment = booked(team, kind)
    due = START - dt.timedelta(hours=48)
    claimed = claim_due(due)  # the worker claimed it, then died before sending
    assert len(claimed) == 1
    assert send_due_reminders(now=due + dt.timedelta(minutes=1)) == 0
    assert mailoutbox == []
    reminder = Reminder.objects.get(pk=claimed[0])
    assert reminder.status == ReminderStatus.SENDING
    # Hours later it is written off as failed, still not sent.
    send_due_reminders(now=due + dt.timedelta(hours=7))
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED
    assert mailoutbox == []
    assert appointment.reminders.get(hours_before=2).status == ReminderStatus.PENDING


def test_a_retried_job_does_not_send_twice(team, kind, mailoutbox):
    appointment = booked(team, kind)
    reminder = appointment.reminders.get(hours_before=48)
    tasks.send_reminder.enqueue(reminder.pk)
    tasks.send_reminder.enqueue(reminder.pk)
    assert len(mailoutbox) == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_a_failed_send_is_recorded_without_details(team, kind, monkeypatch):
    appointment = booked(team, kind)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"robin@example.net": (550, b"no")})

    monkeypatch.setattr(reminders, "send_mail", refuse)
    send_due_reminders(now=START - dt.timedelta(hours=48))
    reminder = appointment.reminders.get(hours_before=48)
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.outcome == "Not sent: SMTPRecipientsRefused."


def test_the_remind_command_sends_what_is_due(team, kind, mailoutbox):
    booked(team, kind)
    out = StringIO()
    with time_machine.travel(START - dt.timedelta(hours=47), tick=False):
        call_command("remind", stdout=out)
    assert out.getvalue().strip() == "Reminders sent: 1"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("Hello {name}", "{name} is not a placeholder"),
        ("Hello {first_name.__class__}", "is not a placeholder"),
        ("Hello {first_name!r}", "is not a placeholder"),
        ("Hello {", "A brace is not closed"),
        ("Hello {}", "{} is not a placeholder"),
    ],
)
def test_templates_may_use_only_known_placeholders(template, problem):
    with pytest.raises(TemplateProblem, match=problem.replace("{", r"\{").replace("}", r"\}")):
        template_fields(template)


def test_rendering_fills_in_placeholders_and_keeps_escaped_braces():
    assert template_fields("{{literal}} {date}") == ["date"]
    assert render_template("{{x}} on {date}", {"date": "Monday"}) == "{x} on Monday"


def test_the_loop_sweeps_and_extends_series_until_stopped(db, monkeypatch):
    from tend.scheduling.management.commands import remind

    calls = []
    monkeypatch.setattr(remind, "send_due_reminders", lambda: calls.append("sweep") or 0)
    monkeypatch.setattr(remind, "run_extend_open_series", lambda: calls.append("extend") or 0)

    def stop_after_two(self, seconds):
        if calls.count("sweep") >= 2:
            self.stopping = True

    monkeypatch.setattr(remind.Command, "_sleep", stop_after_two)
    call_command("remind", loop=True, every=0, stdout=StringIO())
    assert calls == ["sweep", "extend", "sweep"]  # series are extended once a day


def test_new_offsets_replan_every_upcoming_appointment(
    team, kind, django_capture_on_commit_callbacks
):
    from tend.scheduling.policy import update_scheduling_policy

    with time_machine.travel(BEFORE, tick=False):
        appointment = booked(team, kind)
        assert sorted(appointment.reminders.values_list("hours_before", flat=True)) == [2, 48]
        with django_capture_on_commit_callbacks(execute=True):
            update_scheduling_policy(membership=team.owner, reminder_offsets=[24])
    pending = appointment.reminders.filter(status=ReminderStatus.PENDING)
    assert list(pending.values_list("hours_before", flat=True)) == [24]
    withdrawn = appointment.reminders.filter(status=ReminderStatus.CANCELLED)
    assert sorted(withdrawn.values_list("hours_before", flat=True)) == [2, 48]
