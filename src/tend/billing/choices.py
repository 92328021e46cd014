from django.db import models


class ChargeKind(models.TextChoices):
    SESSION = "session", "Session"
    LATE_CANCELLATION = "late_cancel", "Late cancellation fee"
    NO_SHOW = "no_show", "No-show fee"


class ChargeStatus(models.TextChoices):
    OPEN = "open", "Open"
    WAIVED = "waived", "Waived"
    BILLED = "billed", "Billed"
