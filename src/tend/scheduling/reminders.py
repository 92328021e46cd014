"""Appointment reminders: which ones are due, per client, channel and practice offset, and
sending them.

`plan_reminders` runs after every booking, move, cancellation or change of clients (on commit):
it withdraws the pending reminders that no longer fit and makes the missing ones, so a moved
appointment's reminders follow it and a cancelled one's are dropped.

`send_due_reminders` is the sweep the worker runs every minute (`tend remind`). Each reminder is
claimed (pending → sending) in its own short transaction before anything goes out, so a second
sweep, a retried job or a restarted worker never sends it twice; one that was claimed and then
lost (the worker died mid-send) stays unsent rather than risk a duplicate.

What a reminder says is the practice's template with a fixed set of placeholders: when, where,
how to confirm or cancel. Nothing in it says why: no appointment type, reason or specialty.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from tend.clients.choices import PhoneKind
from tend.clients.models import Client
from tend.scheduling.choices import (
    AppointmentStatus,
    Modality,
    ReminderChannel,
    ReminderStatus,
)
from tend.scheduling.models import Appointment, Reminder, SchedulingPolicy

log = logging.getLogger(__name__)

# The placeholders a practice's reminder templates may use, with what each becomes.
PLACEHOLDERS = {
    "first_name": "the client's first name",
    "practice": "the practice's name",
    "date": "the date, e.g. Tuesday 3 March 2031",
    "time": "the start time, e.g. 10:00 AM",
    "time_zone": "the client's time zone, e.g. CST",
    "where": "the address, or the video link, or 'by phone'",
    "where_short": "where, in a few words (for text messages)",
    "confirm_url": "the link that confirms the appointment",
    "cancel_url": "the link that cancels it",
    "cancellation_policy": "the late-cancellation window and fee",
}
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€"}
# How many due reminders one sweep claims at most; the next sweep takes the rest.
SWEEP_BATCH = 500
# A reminder still "sending" this long after it fell due was lost by a worker that stopped.
LOST_AFTER = dt.timedelta(hours=6)


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


# ---------------------------------------------------------------------------------------------
# Templates


class TemplateProblem(ValueError):
    """A reminder template that cannot be used: an unknown placeholder or a stray brace."""


def template_fields(template: str) -> list[str]:
    """The placeholders a template uses; TemplateProblem when one is unknown or malformed."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise TemplateProblem(
            "A brace is not closed. Write placeholders like {date}; write {{ for a brace."
        ) from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + "}" if name else "{}"
            raise TemplateProblem(
                f"{shown} is not a placeholder Tend knows. Use: "
                + ", ".join("{" + key + "}" for key in PLACEHOLDERS)
                + "."
            )
        names.append(name)
    return names


def render_template(template: str, values: dict[str, str]) -> str:
    """Fill in a template's placeholders; only names in PLACEHOLDERS are replaced."""
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def format_fee(amount: Decimal, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def cancellation_policy_text(policy: SchedulingPolicy, currency: str) -> str:
    hours = policy.late_cancel_hours
    if not hours:
        return "You can cancel at any time before the appointment."
    text = f"Please cancel at least {hours} hours ahead."
    if policy.late_cancel_fee:
        text += (
            f" A late cancellation fee of {format_fee(policy.late_cancel_fee, currency)} may apply."
        )
    return text


def client_zone(client: Client, appointment: Appointment) -> ZoneInfo:
    """The client's own zone when known and valid, otherwise the appointment's."""
    try:
        return ZoneInfo(client.time_zone) if client.time_zone else appointment.zone
    except (ValueError, KeyError):
        return appointment.zone


def first_name(client: Client) -> str:
    return client.preferred_name or client.legal_first_name


def where_lines(appointment: Appointment, policy: SchedulingPolicy) -> tuple[str, str]:
    """(where, where_short): an address, a video link or 'by phone'. Never a room name or
    anything about the kind of session."""
    if appointment.modality == Modality.VIDEO:
        url = appointment.telehealth_url(policy)
        return f"By video: {url}", f"Video: {url}"
    if appointment.modality == Modality.AUDIO:
        return "By phone: your clinician will call you.", "By phone."
    location = appointment.location
    if location is None:
        return f"At {appointment.practice.name}.", ""
    address = ", ".join(
        p
        for p in [
            location.address_line1,
            location.address_line2,
            location.city,
            " ".join(x for x in [location.state, location.postal_code] if x),
        ]
        if p
    )
    full = f"Where: {location.name}" + (f", {address}" if address else "") + "."
    return full, f"At {address or location.name}."


def _clock(local: dt.datetime) -> str:
    return f"{local:%I:%M %p}".lstrip("0")


def _zone_name(local: dt.datetime) -> str:
    abbreviation = local.tzname() or ""
    return abbreviation if abbreviation[:1].isalpha() else str(local.tzinfo)


def when_text(local_start: dt.datetime, ends_at: dt.datetime) -> str:
    """'Thursday 20 March 2031, 10:00 AM–10:50 AM (CDT)' in the zone of `local_start`."""
    local_end = ends_at.astimezone(local_start.tzinfo)
    return (
        f"{local_start:%A} {local_start.day} {local_start:%B %Y}, "
        f"{_clock(local_start)}–{_clock(local_end)} ({_zone_name(local_start)})"
    )


def reminder_values(
    appointment: Appointment, client: Client, policy: SchedulingPolicy
) -> dict[str, str]:
    """The placeholders' values for one client, in that client's time zone."""
    from tend.scheduling.links import link_urls

    local = appointment.starts_at.astimezone(client_zone(client, appointment))
    where, where_short = where_lines(appointment, policy)
    return {
        "first_name": first_name(client),
        "practice": appointment.practice.name,
        "date": f"{local:%A} {local.day} {local:%B %Y}",
        "time": _clock(local),
        "time_zone": _zone_name(local),
        "where": where,
        "where_short": where_short,
        "cancellation_policy": cancellation_policy_text(policy, appointment.practice.currency),
        **link_urls(appointment, client),
    }


# ---------------------------------------------------------------------------------------------
# Sending


def _mobile_number(client: Client) -> str:
    phone = client.phones.filter(kind=PhoneKind.MOBILE).order_by("-is_primary", "id").first()
    return phone.number if phone else ""


def _finish(reminder: Reminder, status: str, outcome: str, now: dt.datetime) -> None:
    """Record how a claimed reminder ended. The outcome never holds PHI."""
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING).update(
        status=status,
        outcome=outcome[:200],
        sent_at=now if status == ReminderStatus.SENT else None,
    )


def _why_not(reminder: Reminder, appointment: Appointment, client: Client, now: dt.datetime):
    if appointment.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED):
        return "The appointment is no longer on."
    if appointment.starts_at - dt.timedelta(hours=reminder.hours_before) != reminder.due_at:
        return "The appointment moved."
    if appointment.starts_at <= now:
        return "The appointment had started."
    overtaken = Reminder.objects.filter(
        appointment_id=appointment.pk,
        client_id=client.pk,
        channel=reminder.channel,
        hours_before__lt=reminder.hours_before,
        due_at__lte=now,
    ).exclude(status=ReminderStatus.CANCELLED)
    if overtaken.exists():
        # Sent late (the worker was stopped): the nearer reminder says the same thing.
        return "A later reminder replaced it."
    if not appointment.attendees.filter(client_id=client.pk).exists():
        return "The client is no longer in the appointment."
    if reminder.channel == ReminderChannel.EMAIL and not (client.may_email and client.email):
        return "The client does not accept email."
    if reminder.channel == ReminderChannel.SMS and not client.may_text:
        return "The client does not accept text messages."
    return ""


def deliver(reminder_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one claimed (sending) reminder and record the result; returns its new status."""
    from tend.scheduling.sms import send_text

    now = now or timezone.now()
    reminder = (
        Reminder.objects.select_related(
            "client",
            "appointment",
            "appointment__practice",
            "appointment__location",
        )
        .filter(pk=reminder_id, status=ReminderStatus.SENDING)
        .first()
    )
    if reminder is None:
        return ""
    appointment, client = reminder.appointment, reminder.client
    reason = _why_not(reminder, appointment, client, now)
    number = ""
    if not reason and reminder.channel == ReminderChannel.SMS:
        number = _mobile_number(client)
        if not number:
            reason = "The client has no mobile number."
    if reason:
        _finish(reminder, ReminderStatus.SKIPPED, reason, now)
        return ReminderStatus.SKIPPED
    policy = SchedulingPolicy.for_practice(appointment.practice_id)
    values = reminder_values(appointment, client, policy)
    try:
        if reminder.channel == ReminderChannel.EMAIL:
            subject = render_template(policy.reminder_email_subject, values)
            send_mail(
                " ".join(subject.split()),
                render_template(policy.reminder_email_body, values),
                settings.DEFAULT_FROM_EMAIL,
                [client.email],
            )
        else:
            send_text(number, render_template(policy.reminder_sms_body, values))
    except Exception as exc:  # noqa: BLE001 - any failure of the mail or SMS backend
        log.warning("Reminder %s not sent: %s", reminder.pk, type(exc).__name__)
        _finish(reminder, ReminderStatus.FAILED, f"Not sent: {type(exc).__name__}.", now)
        return ReminderStatus.FAILED
    _finish(reminder, ReminderStatus.SENT, "Sent.", now)
    return ReminderStatus.SENT


def claim(reminder_id: int) -> bool:
    """Take one pending reminder for sending. Only one caller ever gets True."""
    return bool(
        Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.SENDING
        )
    )


def claim_due(now: dt.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Claim the reminders that are due: pending → sending in one transaction. On PostgreSQL
    rows another sweep holds are skipped; SQLite runs write transactions one at a time."""
    with transaction.atomic():
        due = Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("due_at", "id").values_list("id", flat=True)[:limit])
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.SENDING
        )
    return ids


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """The sweep: claim every due reminder, send each, and return how many went out."""
    now = now or timezone.now()
    Reminder.objects.filter(status=ReminderStatus.SENDING, due_at__lt=now - LOST_AFTER).update(
        status=ReminderStatus.FAILED,
        outcome="Interrupted while sending; not sent again in case it went out.",
    )
    sent = 0
    for reminder_id in claim_due(now):
        if deliver(reminder_id, now=now) == ReminderStatus.SENT:
            sent += 1
    return sent


def send_reminder(reminder_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one reminder if nobody has claimed it yet (a retried job finds it claimed)."""
    if not claim(reminder_id):
        return ""
    return deliver(reminder_id, now=now)


def replan_practice(practice_id: int, *, now: dt.datetime | None = None) -> int:
    """Re-plan the reminders of every upcoming active appointment of a practice, after its
    reminder offsets changed. Returns how many appointments were looked at."""
    now = now or timezone.now()
    ids = list(
        Appointment.objects.for_practice(practice_id)
        .active()
        .filter(starts_at__gt=now)
        .values_list("pk", flat=True)
    )
    for appointment_id in ids:
        plan_reminders(appointment_id, now=now)
    return len(ids)
