"""The client's cancel form on the public link page."""

from __future__ import annotations

from django import forms


class ClientCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The practice sees this. You do not have to give a reason.",
    )
