"""Forms for chart documents: upload and archive."""

from __future__ import annotations

from typing import Any

from django import forms

from tend.clients.choices import DocumentKind
from tend.clients.services import documents as service


def max_upload_help(max_mb: int | None = None) -> str:
    from django.conf import settings

    return f"PDF, PNG, JPEG or plain text, up to {max_mb or settings.TEND_MAX_UPLOAD_MB} MB."


class DocumentUploadForm(forms.Form):
    """A file for the chart; its type is checked by content when the form is cleaned."""

    file = forms.FileField(label="File")
    title = forms.CharField(max_length=200, required=False, help_text="Defaults to the file name.")
    kind = forms.ChoiceField(choices=DocumentKind.choices, initial=DocumentKind.ADMINISTRATIVE)

    def __init__(self, *args: Any, clinical: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = max_upload_help()
        if not clinical:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                c for c in DocumentKind.choices if c[0] != DocumentKind.CLINICAL
            ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload is not None:
            try:
                data["checked"] = service.check_file(service.read_upload(upload), upload.name)
            except service.DocumentError as exc:
                self.add_error("file", str(exc))
        return data


class DocumentArchiveForm(forms.Form):
    reason = forms.CharField(label="Reason for archiving", max_length=300)
