from django.db import models


class AppointmentKind(models.TextChoices):
    INTAKE = "intake", "Intake"
    INDIVIDUAL = "individual", "Individual"
    COUPLE_FAMILY = "couple_family", "Couple or family"
    GROUP = "group", "Group"
    CONSULTATION = "consultation", "Consultation"
    SUPERVISION = "supervision", "Supervision"
    ADMIN = "admin", "Admin (no client)"


# Kinds that take no client: admin time, and supervision between clinicians.
CLIENTLESS_KINDS = frozenset({AppointmentKind.ADMIN, AppointmentKind.SUPERVISION})
# Kinds that may take more than one client.
MULTI_CLIENT_KINDS = frozenset({AppointmentKind.COUPLE_FAMILY, AppointmentKind.GROUP})


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Statuses whose appointment holds its clinician, room and clients: a cancelled, no-show or
# rescheduled appointment frees the time.
ACTIVE_STATUSES = frozenset(
    {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.COMPLETED,
    }
)

# The status workflow (DESIGN.md rule 3): set_status() refuses every other move.
APPOINTMENT_TRANSITIONS: dict[str, set[str]] = {
    AppointmentStatus.SCHEDULED: {
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.COMPLETED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.RESCHEDULED,
    },
    AppointmentStatus.CONFIRMED: {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.COMPLETED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.RESCHEDULED,
    },
    AppointmentStatus.ARRIVED: {
        AppointmentStatus.COMPLETED,
        # Marked arrived by mistake: back to where it was.
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CONFIRMED,
    },
    AppointmentStatus.COMPLETED: {AppointmentStatus.ARRIVED},
    # A cancellation or no-show entered by mistake can be undone; the slot is checked again.
    AppointmentStatus.CANCELLED: {AppointmentStatus.SCHEDULED},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.SCHEDULED, AppointmentStatus.COMPLETED},
    AppointmentStatus.RESCHEDULED: set(),
}


class CancelledBy(models.TextChoices):
    CLIENT = "client", "Client"
    CLINICIAN = "clinician", "Clinician"
    PRACTICE = "practice", "Practice"


class Attendance(models.TextChoices):
    EXPECTED = "expected", "Expected"
    ATTENDED = "attended", "Attended"
    ABSENT = "absent", "Absent"
    LATE = "late", "Arrived late"
    LEFT_EARLY = "left_early", "Left early"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio only (phone)"


TELEHEALTH_MODALITIES = frozenset({Modality.VIDEO, Modality.AUDIO})


class ClientLocation(models.TextChoices):
    """Where the client is during a telehealth session (decides the place of service later)."""

    UNKNOWN = "", "Not recorded"
    HOME = "home", "At home"
    OTHER = "other", "Elsewhere (work, car, another place)"


class Occurrences(models.TextChoices):
    """Which sessions of a series an edit or cancellation applies to."""

    THIS = "this", "This session only"
    FOLLOWING = "following", "This and following sessions"
    ALL = "all", "All future sessions in the series"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ClaimKind(models.TextChoices):
    """What a time claim holds: one row per clinician, room and client of an appointment."""

    CLINICIAN = "m", "Clinician"
    ROOM = "r", "Room"
    CLIENT = "c", "Client"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"
    CANCELLED = "cancelled", "Withdrawn"
    FAILED = "failed", "Failed"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a time"
    BOOKED = "booked", "Booked"
    REMOVED = "removed", "Removed"


class AvailabilityKind(models.TextChoices):
    UNAVAILABLE = "unavailable", "Not available"
    AVAILABLE = "available", "Extra hours"
