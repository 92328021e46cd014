"""Forms for payers, insurance policies and prior authorisations.

Choice lists are narrowed to the practice; dates, subscriber details and card images are checked
here so the services receive clean values.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from tend.clients.choices import PayerType, Sex, SubscriberRelationship
from tend.clients.models import InsurancePolicy, Payer, PriorAuthorization
from tend.clients.services import documents
from tend.practices.forms import STATE_CHOICES, normalise_phone, normalise_zip
from tend.practices.models import Practice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = [
            "name",
            "payer_id",
            "payer_type",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
        ]

    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_payer_id(self) -> str:
        value = self.cleaned_data["payer_id"].strip().upper()
        if value and not re.fullmatch(r"[A-Z0-9]{2,20}", value):
            raise forms.ValidationError("A payer ID is letters and digits only, e.g. 60054.")
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        return normalise_phone(value) if value.strip() else ""

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"]
        return normalise_zip(value) if value.strip() else ""

    def _post_clean(self) -> None:
        pass  # the payer services write and check names, not the ModelForm


class PayerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Payer) -> str:
        return f"{obj.name} ({obj.payer_id})" if obj.payer_id else obj.name


class PolicyForm(forms.ModelForm):
    """A client's policy. A payer not yet listed can be typed in as a new payer."""

    payer = PayerChoiceField(
        queryset=Payer.objects.none(), required=False, to_field_name="uuid", empty_label="—"
    )
    new_payer_name = forms.CharField(
        label="Or a new payer",
        max_length=200,
        required=False,
        help_text="Type the name of a payer that is not in the list yet.",
    )
    new_payer_type = forms.ChoiceField(
        label="New payer's type", choices=PayerType.choices, required=False
    )
    subscriber_state = forms.ChoiceField(label="State", choices=STATE_CHOICES, required=False)
    card_front = forms.FileField(
        label="Card image, front", required=False, help_text="JPEG, PNG or PDF, up to 10 MB."
    )
    card_back = forms.FileField(
        label="Card image, back", required=False, help_text="JPEG, PNG or PDF, up to 10 MB."
    )

    class Meta:
        model = InsurancePolicy
        fields = [
            "payer",
            "priority",
            "member_id",
            "group_number",
            "plan_name",
            "effective_on",
            "ends_on",
            "copay",
            "coinsurance_percent",
            "cost_share_notes",
            "relationship",
            "subscriber_first_name",
            "subscriber_last_name",
            "subscriber_date_of_birth",
            "subscriber_sex",
            "subscriber_address_line1",
            "subscriber_city",
            "subscriber_state",
            "subscriber_postal_code",
        ]
        labels = {
            "relationship": "Subscriber",
            "subscriber_first_name": "Subscriber's first name",
            "subscriber_last_name": "Subscriber's last name",
            "subscriber_date_of_birth": "Subscriber's date of birth",
            "subscriber_sex": "Subscriber's sex",
            "subscriber_address_line1": "Subscriber's address",
            "subscriber_city": "City",
            "subscriber_postal_code": "ZIP code",
            "effective_on": "Effective date",
            "ends_on": "End date",
            "copay": "Copay ($)",
            "coinsurance_percent": "Coinsurance (%)",
            "cost_share_notes": "Copay and coinsurance notes",
        }
        help_texts = {
            "relationship": "Self when the client holds the policy; otherwise the client's "
            "relationship to the person who does.",
        }
        widgets = {
            "effective_on": DATE,
            "ends_on": DATE,
            "subscriber_date_of_birth": DATE,
        }

    field_order = ["payer", "new_payer_name", "new_payer_type"]

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payers = Payer.objects.for_practice(practice).filter(is_archived=False)
        if self.instance.pk and self.instance.payer_id:
            payers = Payer.objects.for_practice(practice).filter(pk=self.instance.payer_id) | payers
        self.fields["payer"].queryset = payers.order_by("name")  # type: ignore[attr-defined]
        if self.instance.pk and not self.is_bound:
            self.initial["payer"] = self.instance.payer.uuid
        self.fields["subscriber_sex"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[c for c in Sex.choices if c[0]],
        ]
        self.fields["copay"].min_value = Decimal(0)  # type: ignore[attr-defined]

    def clean_subscriber_date_of_birth(self) -> datetime.date | None:
        born = self.cleaned_data.get("subscriber_date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("A date of birth cannot be in the future.")
        return born

    def clean_copay(self) -> Decimal | None:
        value = self.cleaned_data.get("copay")
        if value is not None and value < 0:
            raise forms.ValidationError("A copay cannot be negative.")
        return value

    def clean_coinsurance_percent(self) -> Decimal | None:
        value = self.cleaned_data.get("coinsurance_percent")
        if value is not None and not (0 <= value <= 100):
            raise forms.ValidationError("Coinsurance is a percentage from 0 to 100.")
        return value

    def clean_subscriber_postal_code(self) -> str:
        value = self.cleaned_data.get("subscriber_postal_code", "")
        return normalise_zip(value) if value.strip() else ""

    def _clean_card(self, name: str) -> documents.CheckedFile | None:
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        try:
            return documents.check_file(
                documents.read_upload(upload),
                upload.name,
                allowed=documents.CARD_TYPES,
                max_mb=documents.CARD_MAX_MB,
            )
        except documents.DocumentError as exc:
            self.add_error(name, str(exc))
            return None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("payer") and not data.get("new_payer_name", "").strip():
            self.add_error("payer", "Choose the payer, or type the name of a new one.")
        start, end = data.get("effective_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date cannot be before the effective date.")
        if data.get("relationship") and data["relationship"] != SubscriberRelationship.SELF:
            for name in (
                "subscriber_first_name",
                "subscriber_last_name",
                "subscriber_date_of_birth",
                "subscriber_sex",
                "subscriber_address_line1",
                "subscriber_city",
                "subscriber_state",
                "subscriber_postal_code",
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Required when the subscriber is another person.")
        data["cards"] = {side: self._clean_card(side) for side in ("card_front", "card_back")}
        return data

    def policy_values(self) -> dict[str, Any]:
        """The cleaned values the policy services take (not the payer-or-new-payer fields)."""
        skip = {"new_payer_name", "new_payer_type", "card_front", "card_back", "cards"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}

    # ModelForm would write the instance while validating; the service does that instead.
    def _post_clean(self) -> None:
        pass


class EndPolicyForm(forms.Form):
    ends_on = forms.DateField(label="Last day of coverage", widget=DATE)


class AuthorizationForm(forms.ModelForm):
    class Meta:
        model = PriorAuthorization
        fields = [
            "number",
            "service_codes",
            "visits_authorized",
            "visits_used",
            "starts_on",
            "ends_on",
        ]
        labels = {
            "number": "Authorisation number",
            "visits_authorized": "Visits authorised",
            "starts_on": "Start date",
            "ends_on": "End date",
        }
        help_texts = {
            "service_codes": "Five-character codes separated by commas, e.g. 90837, 90834."
        }
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def clean_service_codes(self) -> str:
        raw = self.cleaned_data.get("service_codes", "")
        codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
        bad = [c for c in codes if not re.fullmatch(r"[A-Z0-9]{5}", c)]
        if bad:
            raise forms.ValidationError(
                f"Each code has five letters or digits: check {', '.join(bad)}."
            )
        return ", ".join(dict.fromkeys(codes))

    def clean_visits_authorized(self) -> int:
        value = self.cleaned_data["visits_authorized"]
        if value < 1:
            raise forms.ValidationError("At least one visit is authorised.")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date cannot be before the start date.")
        used, authorised = data.get("visits_used"), data.get("visits_authorized")
        if used is not None and authorised is not None and used > authorised:
            self.add_error("visits_used", "Visits used cannot be more than the visits authorised.")
        return data

    def _post_clean(self) -> None:
        pass
