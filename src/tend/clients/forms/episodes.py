"""Forms for opening and editing an episode of care and for moving it along its statuses."""

from __future__ import annotations

from typing import Any

from django import forms

from tend.clients.choices import DischargeReason, EpisodeStatus
from tend.clients.models import Episode
from tend.practices.models import Membership, Practice

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name or obj.user.email


def clinicians(practice: Practice) -> Any:
    """Active members of the practice who see clients."""
    return (
        Membership.objects.for_practice(practice)
        .active()
        .clinicians()
        .select_related("user")
        .order_by("user__full_name", "id")
    )


class EpisodeForm(forms.Form):
    """An episode's intake details. The service checks the dates against each other."""

    opened_on = forms.DateField(label="Intake date", widget=DATE_INPUT)
    clinician = ClinicianChoiceField(
        queryset=Membership.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="Not assigned yet",
    )
    presenting_concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="In the client's words where you can. Stored encrypted.",
    )
    referred_by = forms.CharField(
        max_length=200,
        required=False,
        help_text="A person or service, e.g. their primary care doctor.",
    )
    referral_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Reason for referral"
    )

    def __init__(
        self, *args: Any, practice: Practice, current: Membership | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = clinicians(practice)
        if current is not None:
            # A clinician who has since left stays on the episode until someone changes it.
            choices = choices | Membership.objects.filter(pk=current.pk, practice=practice)
        self.fields["clinician"].queryset = choices.distinct()  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, episode: Episode) -> dict[str, Any]:
        return {
            "opened_on": episode.opened_on,
            "clinician": episode.clinician.uuid if episode.clinician else None,
            "presenting_concerns": episode.presenting_concerns,
            "referred_by": episode.referred_by,
            "referral_reason": episode.referral_reason,
        }


class ActivateForm(forms.Form):
    """Intake is over: the episode becomes active from this date."""

    to_status = forms.CharField(widget=forms.HiddenInput, initial=EpisodeStatus.ACTIVE)
    on_date = forms.DateField(label="Active from", widget=DATE_INPUT)


class DischargeForm(forms.Form):
    """Discharge: a reason and date are needed; a summary is strongly encouraged."""

    to_status = forms.CharField(widget=forms.HiddenInput, initial=EpisodeStatus.DISCHARGED)
    on_date = forms.DateField(label="Discharge date", widget=DATE_INPUT)
    reason = forms.ChoiceField(
        label="Discharge reason",
        choices=[("", "Choose a reason")] + list(DischargeReason.choices),
        error_messages={"required": "Choose why the episode ends."},
    )
    summary = forms.CharField(
        label="Discharge summary",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Strongly encouraged: the work done, progress, and recommendations. "
        "Stored encrypted.",
    )
    discharge_client = forms.BooleanField(
        label="Also mark the client as discharged (this is their last open episode)",
        required=False,
    )

    def __init__(self, *args: Any, offer_client_discharge: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offer_client_discharge:
            del self.fields["discharge_client"]


def status_form(data: Any, *, offer_client_discharge: bool) -> forms.Form | None:
    """The bound form for the status a POST asks for, or None for an unknown status."""
    to_status = (data or {}).get("to_status")
    if to_status == EpisodeStatus.ACTIVE:
        return ActivateForm(data)
    if to_status == EpisodeStatus.DISCHARGED:
        return DischargeForm(data, offer_client_discharge=offer_client_discharge)
    return None
