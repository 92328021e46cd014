"""The diagnosis form and its ICD-10-CM code picker (an accessible combobox)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from tend.clients.choices import DiagnosisStatus
from tend.clients.icd import (
    ATTRIBUTION,
    billable_example,
    code_set_version,
    find_code,
    looks_like_code,
    normal_code,
)
from tend.clients.models import Client, Diagnosis, Episode, IcdCode

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IcdCombobox(forms.TextInput):
    """A text box that suggests codes as you type (HTMX) and lists them in a listbox.

    Without JavaScript it is a plain text box: the typed code is submitted and checked.
    """

    template_name = "clients/icd_combobox.html"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["search_url"] = reverse("clients:icd_search")
        context["listbox_id"] = f"{context['widget']['attrs'].get('id', name)}_listbox"
        if value and isinstance(value, str) and looks_like_code(value):
            context["chosen"] = find_code(IcdCode.objects.all(), value)
        return context


class IcdCodeField(forms.CharField):
    """A code typed or picked ("F33.1", "f331"), cleaned to the IcdCode it names."""

    widget = IcdCombobox

    def clean(self, value: Any) -> IcdCode | None:
        text = super().clean(value)
        if not text:
            return None
        codes = IcdCode.objects.all()
        found = find_code(codes, text)
        if found is None:
            raise forms.ValidationError(
                f"No ICD-10-CM code {normal_code(text)} in the {code_set_version()} code set. "
                "Search by code or by words and choose from the list."
            )
        if not found.is_billable:
            example = billable_example(codes, found.code)
            hint = f" such as {example}" if example else ""
            raise forms.ValidationError(
                f"{found.code} is a category; choose a billable code{hint}."
            )
        return found


class EpisodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Episode) -> str:
        return f"{obj.get_status_display()} episode from {obj.opened_on:%Y-%m-%d}"


class DiagnosisForm(forms.Form):
    """A diagnosis: its billable code, status and dates, in one of the client's open episodes."""

    code = IcdCodeField(
        label="ICD-10-CM code",
        max_length=60,
    )
    episode = EpisodeChoiceField(
        queryset=Episode.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="Not in an episode",
    )
    status = forms.ChoiceField(choices=DiagnosisStatus.choices, initial=DiagnosisStatus.ACTIVE)
    onset_on = forms.DateField(label="Onset date", widget=DATE_INPUT, required=False)
    resolved_on = forms.DateField(label="Resolution date", widget=DATE_INPUT, required=False)

    def __init__(
        self, *args: Any, client: Client, diagnosis: Diagnosis | None = None, **kwargs: Any
    ) -> None:
        if diagnosis is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": diagnosis.code.code,
                "status": diagnosis.status,
                "onset_on": diagnosis.onset_on,
                "resolved_on": diagnosis.resolved_on,
            }
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            "Type a code (F33.1) or words (recurrent depression) and choose from the list. "
            f"ICD-10-CM, {code_set_version()} code set. {ATTRIBUTION}"
        )
        if diagnosis is not None:
            del self.fields["episode"]  # a diagnosis stays in the episode it was made in
            return
        episodes = client.episodes.open().order_by("-opened_on")
        self.fields["episode"].queryset = episodes  # type: ignore[attr-defined]
        first = episodes.first()
        if first is not None:
            self.fields["episode"].initial = first.uuid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        onset, resolved = data.get("onset_on"), data.get("resolved_on")
        if onset and resolved and resolved < onset:
            self.add_error("resolved_on", "The resolution date is before the onset date.")
        return data
