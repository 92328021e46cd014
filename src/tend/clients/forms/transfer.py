"""Forms for importing clients from CSV: the upload, the column mapping and the confirmation."""

from __future__ import annotations

from typing import Any

from django import forms

from tend.clients.services import transfer as service


class ImportUploadForm(forms.Form):
    """Step 1: a CSV file, read and checked when the form is cleaned (`self.parsed`)."""

    file = forms.FileField(
        label="CSV file",
        help_text="A .csv file up to 5 MB and 20,000 clients, with the column names in the first "
        "row. A SimplePractice client export works as it is.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise forms.ValidationError(
                "Choose a .csv file. From Excel or Numbers, use Save as / Export → CSV."
            )
        if upload.size > service.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 5 MB. Split it into smaller files."
            )
        self.data_bytes = upload.read()
        try:
            self.parsed = service.parse_csv(self.data_bytes)
        except service.ImportRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class ImportMappingForm(forms.Form):
    """Step 2: a Tend field for each column of the file, guessed from the headers."""

    def __init__(
        self, *args: Any, headers: list[str], rows: list[list[str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = list(service.FIELDS.items())
        for position, header in enumerate(headers):
            samples = [r[position].strip() for r in rows[:50] if position < len(r)]
            samples = [s for s in samples if s][:3]
            self.fields[f"column_{position}"] = forms.ChoiceField(
                label=header or f"Column {position + 1} (no name)",
                choices=choices,
                required=True,
                help_text=("For example: " + ", ".join(samples)) if samples else "Empty column.",
            )

    def mapping(self) -> list[str]:
        return [self.cleaned_data[f"column_{i}"] for i in range(len(self.headers))]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors:
            try:
                service.check_mapping(self.mapping())
            except service.ImportRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned


class ImportConfirmForm(forms.Form):
    """Step 4: import, choosing what to do with clients already in Tend."""

    skip_existing = forms.BooleanField(
        label="Skip rows for clients already in Tend (same legal name and date of birth)",
        required=False,
        initial=True,
    )
