"""Forms for signing in, two-step codes, passwords, email and the account page.

Every input has a label and the autocomplete hint password managers and phones expect.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import password_validation

from tend.accounts.services import AccountRefused


def _time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [
        ("", "Use the practice's time zone"),
        *((z, z.replace("_", " ")) for z in zones),
        ("UTC", "UTC"),
    ]


def email_field(label: str = "Email address", **kwargs: Any) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        **kwargs,
    )


def password_field(label: str, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


def code_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class RefusalMixin:
    """Put a service's refusal next to the field it is about (or above the form)."""

    def add_refusal(self, refusal: AccountRefused) -> None:
        field = refusal.field if refusal.field in self.fields else None  # type: ignore[attr-defined]
        for message in getattr(refusal, "messages", [refusal.message]):
            self.add_error(field, message)  # type: ignore[attr-defined]


class SignInForm(RefusalMixin, forms.Form):
    email = email_field()
    password = password_field("Password", "current-password")


class CodeForm(RefusalMixin, forms.Form):
    code = code_field(
        "Code",
        "Enter the 6-digit code from your authenticator app, or one of your backup codes.",
    )


class EnrolForm(RefusalMixin, forms.Form):
    code = code_field("6-digit code from the app", "The code changes every 30 seconds.")


class AcknowledgeForm(forms.Form):
    saved = forms.BooleanField(
        label="I have saved these backup codes somewhere safe",
        error_messages={"required": "Tick the box once you have saved the codes."},
    )


class DisableMFAForm(RefusalMixin, forms.Form):
    password = password_field("Your password", "current-password")


class PasswordResetRequestForm(forms.Form):
    email = email_field(help_text="The address you sign in with.")


class NewPasswordMixin(RefusalMixin):
    """Two new-password fields checked against AUTH_PASSWORD_VALIDATORS."""

    user: Any = None

    def clean_new_password2(self) -> str:
        data = self.cleaned_data  # type: ignore[attr-defined]
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError("The two passwords are not the same.")
        return second

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        password = self.cleaned_data.get("new_password1")  # type: ignore[attr-defined]
        if password:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)  # type: ignore[attr-defined]


class SetPasswordForm(NewPasswordMixin, forms.Form):
    new_password1 = password_field(
        "New password",
        "new-password",
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = password_field("New password again", "new-password")

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class PasswordChangeForm(NewPasswordMixin, forms.Form):
    old_password = password_field("Current password", "current-password")
    new_password1 = password_field(
        "New password",
        "new-password",
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = password_field("New password again", "new-password")

    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class EmailChangeForm(RefusalMixin, forms.Form):
    new_email = email_field(
        "New email address",
        help_text="We send a link to this address; the change happens when you open it.",
    )
    password = password_field("Current password", "current-password")


class AccountForm(RefusalMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    preferred_name = forms.CharField(
        label="Preferred name",
        max_length=80,
        required=False,
        help_text="What Tend calls you in greetings.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=_time_zone_choices,
        help_text="Times are shown in this zone. Leave it on the practice's zone if unsure.",
    )
