"""Forms for consent templates and consent records."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from tend.clients.choices import ConsentKind
from tend.clients.models import ConsentTemplate
from tend.clients.services import documents
from tend.practices.models import Practice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConsentTemplateForm(forms.ModelForm):
    class Meta:
        model = ConsentTemplate
        fields = ["kind", "title", "version", "body", "valid_for_days", "is_active"]
        labels = {"valid_for_days": "Valid for (days)", "body": "Text", "is_active": "In use"}
        help_texts = {
            "body": "Once someone has signed this text, changing it makes a new version; the "
            "signed version is kept.",
            "is_active": "Only templates in use are offered when recording a consent.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_valid_for_days(self) -> int | None:
        value = self.cleaned_data.get("valid_for_days")
        if value is not None and value < 1:
            raise forms.ValidationError("Leave empty for no expiry, or give at least 1 day.")
        return value

    def _post_clean(self) -> None:
        pass  # the services write, version and check uniqueness


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ConsentTemplate) -> str:
        return f"{obj.title} (version {obj.version})"


class ConsentForm(forms.Form):
    template = TemplateChoiceField(
        label="Practice form",
        queryset=ConsentTemplate.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label="— none (describe by kind) —",
    )
    kind = forms.ChoiceField(
        choices=[("", "—"), *ConsentKind.choices],
        required=False,
        help_text="Only needed when no practice form is chosen.",
    )
    signed_on = forms.DateField(label="Signed on", widget=DATE)
    signed_by = forms.CharField(
        max_length=200, help_text="The client's name, or the guardian's name for a minor."
    )
    expires_on = forms.DateField(
        label="Expires on",
        widget=DATE,
        required=False,
        help_text="Leave empty to use the form's validity period (or no expiry).",
    )
    scan = forms.FileField(
        label="Signed copy",
        required=False,
        help_text="Optional: a scan or photo of the signed form (PDF, PNG or JPEG).",
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (  # type: ignore[attr-defined]
            ConsentTemplate.objects.for_practice(practice)
            .filter(is_active=True)
            .order_by("kind", "title")
        )

    def clean_signed_on(self) -> datetime.date:
        signed = self.cleaned_data["signed_on"]
        if signed > timezone.localdate():
            raise forms.ValidationError("The signing date cannot be in the future.")
        return signed

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("template") and not data.get("kind"):
            self.add_error("template", "Choose the practice's form, or the kind of consent.")
        signed, expires = data.get("signed_on"), data.get("expires_on")
        if signed and expires and expires < signed:
            self.add_error("expires_on", "A consent cannot expire before it was signed.")
        upload = data.get("scan")
        data["checked_scan"] = None
        if upload:
            try:
                data["checked_scan"] = documents.check_file(
                    documents.read_upload(upload), upload.name, allowed=documents.CARD_TYPES
                )
            except documents.DocumentError as exc:
                self.add_error("scan", str(exc))
        return data


class RevokeConsentForm(forms.Form):
    revoked_on = forms.DateField(label="Revoked on", widget=DATE)
    reason = forms.CharField(label="Reason", max_length=300)

    def clean_revoked_on(self) -> datetime.date:
        day = self.cleaned_data["revoked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The revocation date cannot be in the future.")
        return day


class ConsentExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="Expires on", widget=DATE, required=False, help_text="Leave empty for no expiry."
    )
