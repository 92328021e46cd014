"""Appointment reminders: which ones are due, per client, channel and practice offset.

`plan_reminders` runs after every booking, move, cancellation or change of clients (on commit):
it withdraws the pending reminders that no longer fit and makes the missing ones, so a moved
appointment's reminders follow it and a cancelled one's are dropped.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tend.clients.choices import PhoneKind
from tend.scheduling.choices import ReminderChannel, ReminderStatus
from tend.scheduling.models import Appointment, Reminder, SchedulingPolicy


def wanted_reminders(appointment: Appointment, policy: SchedulingPolicy) -> set[tuple]:
    """(client id, channel, hours before, due at) for every reminder the appointment should
    have: active, in the future, and only on channels each client permits."""
    if not appointment.is_active or appointment.status == "completed":
        return set()
    wanted = set()
    for attendee in appointment.attendees.select_related("client"):
        client = attendee.client
        channels = []
        if client.may_email and client.email:
            channels.append(ReminderChannel.EMAIL)
        if client.may_text and client.phones.filter(kind=PhoneKind.MOBILE).exists():
            channels.append(ReminderChannel.SMS)
        for hours in policy.reminder_offsets or []:
            due = appointment.starts_at - dt.timedelta(hours=int(hours))
            for channel in channels:
                wanted.add((client.pk, channel, int(hours), due))
    return wanted


@transaction.atomic
def plan_reminders(appointment_id: int, *, now: dt.datetime | None = None) -> list[Reminder]:
    """Bring the appointment's pending reminders in line with its time, status and clients.

    Returns the reminders created. Reminders already sent are history and stay as they are.
    """
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        return []
    policy = SchedulingPolicy.for_practice(appointment.practice_id)
    wanted = wanted_reminders(appointment, policy)
    pending = list(appointment.reminders.filter(status=ReminderStatus.PENDING))
    have = set()
    for reminder in pending:
        key = (reminder.client_id, reminder.channel, reminder.hours_before, reminder.due_at)
        if key in wanted:
            have.add(key)
        else:
            reminder.status = ReminderStatus.CANCELLED
            reminder.outcome = "The appointment changed."
            reminder.save(update_fields=["status", "outcome"])
    created = []
    done = set(
        appointment.reminders.exclude(status=ReminderStatus.PENDING).values_list(
            "client_id", "channel", "hours_before", "due_at"
        )
    )
    for client_id, channel, hours, due in sorted(wanted - have - done, key=lambda k: k[3]):
        if due <= now:
            # Booked inside the offset (a 2-hour reminder for a session in an hour): skip it.
            continue
        created.append(
            Reminder.objects.create(
                practice_id=appointment.practice_id,
                appointment=appointment,
                client_id=client_id,
                channel=channel,
                hours_before=hours,
                due_at=due,
            )
        )
    return created
