"""Forms for the scheduling settings: appointment types and the practice's scheduling policy.

Reminder offsets are typed as a comma list of hours; reminder templates may use only the
placeholders Tend fills in (tend.scheduling.reminders.PLACEHOLDERS).
"""

from __future__ import annotations

from typing import Any

from django import forms

from tend.scheduling.models import AppointmentType, SchedulingPolicy
from tend.scheduling.reminders import PLACEHOLDERS, TemplateProblem, template_fields

COLOUR = forms.TextInput(attrs={"type": "color"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MAX_REMINDER_HOURS = 24 * 14
PLACEHOLDER_HELP = "Placeholders: " + ", ".join("{" + name + "}" for name in PLACEHOLDERS) + "."


def _with_currency(field: forms.Field, currency: str) -> None:
    field.label = f"{field.label} ({currency})"
    field.widget.attrs.update({"inputmode": "decimal", "step": "0.01", "min": "0"})


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "kind",
            "default_minutes",
            "colour",
            "service_code",
            "fee",
            "telehealth_allowed",
        ]
        widgets = {"colour": COLOUR}
        labels = {"telehealth_allowed": "May be held by video or phone"}

    def __init__(self, *args: Any, currency: str = "USD", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_currency(self.fields["fee"], currency)
        self.fields[
            "service_code"
        ].help_text = "The practice's own code for billing this session, e.g. 90837."

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_service_code(self) -> str:
        value = self.cleaned_data["service_code"].strip().upper()
        if value and not value.isalnum():
            raise forms.ValidationError("A service code is letters and digits only.")
        return value

    def clean_colour(self) -> str:
        return self.cleaned_data["colour"].lower()

    def validate_unique(self) -> None:
        """Uniqueness of the name is the service's refusal (it knows the practice)."""


class ReminderOffsetsField(forms.CharField):
    """'48, 2' → [48, 2]: whole hours before the session, largest first, no repeats."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        if not text.strip():
            return []
        hours = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(
                    f"“{part}” is not a number of hours. Write whole hours, e.g. 48, 2."
                )
            number = int(part)
            if not 1 <= number <= MAX_REMINDER_HOURS:
                raise forms.ValidationError(
                    f"Reminders go between 1 and {MAX_REMINDER_HOURS} hours before a session."
                )
            hours.append(number)
        if len(set(hours)) != len(hours):
            raise forms.ValidationError("Each number of hours once, please.")
        if len(hours) > 5:
            raise forms.ValidationError("At most five reminders per session.")
        return sorted(hours, reverse=True)


class SchedulingPolicyForm(forms.ModelForm):
    reminder_offsets = ReminderOffsetsField(
        label="Reminders (hours before)",
        required=False,
        help_text="Hours before each session, separated by commas, e.g. 48, 2. Leave empty "
        "for no reminders.",
    )

    class Meta:
        model = SchedulingPolicy
        fields = [
            "late_cancel_hours",
            "late_cancel_fee",
            "no_show_fee",
            "reminder_offsets",
            "reminder_email_subject",
            "reminder_email_body",
            "reminder_sms_body",
            "telehealth_url_template",
            "day_starts",
            "day_ends",
            "slot_minutes",
            "series_horizon_weeks",
        ]
        labels = {
            "reminder_email_subject": "Reminder email subject",
            "reminder_email_body": "Reminder email",
            "reminder_sms_body": "Reminder text message",
        }
        widgets = {
            "day_starts": TIME,
            "day_ends": TIME,
            "reminder_email_body": forms.Textarea(attrs={"rows": 10}),
            "reminder_sms_body": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, currency: str = "USD", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_currency(self.fields["late_cancel_fee"], currency)
        _with_currency(self.fields["no_show_fee"], currency)
        for name in ("reminder_email_subject", "reminder_email_body", "reminder_sms_body"):
            self.fields[name].help_text = PLACEHOLDER_HELP
        self.fields[
            "reminder_sms_body"
        ].help_text += " Keep texts short; they never say what the session is for."

    def _template(self, name: str) -> str:
        value = self.cleaned_data[name]
        try:
            template_fields(value)
        except TemplateProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean_reminder_email_subject(self) -> str:
        return " ".join(self._template("reminder_email_subject").split())

    def clean_reminder_email_body(self) -> str:
        return self._template("reminder_email_body")

    def clean_reminder_sms_body(self) -> str:
        return self._template("reminder_sms_body")

    def clean_telehealth_url_template(self) -> str:
        value = self.cleaned_data["telehealth_url_template"].strip()
        if not value.startswith("https://"):
            raise forms.ValidationError("The video link must start with https://.")
        if "{room}" not in value:
            raise forms.ValidationError(
                "Put {room} where each session's own room name goes, e.g. "
                "https://meet.jit.si/tend-{room}."
            )
        if any(ch.isspace() for ch in value):
            raise forms.ValidationError("A link has no spaces.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("day_starts"), data.get("day_ends")
        if starts and ends and ends <= starts:
            self.add_error("day_ends", "The calendar must end after it starts.")
        return data
