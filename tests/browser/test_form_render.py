"""The project form renderer: `{{ form }}` puts label, error and help next to each field.

Plain request-free tests (no browser): they render forms the way every Tend page does.
"""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template


class AppointmentNoteForm(forms.Form):
    email = forms.EmailField(label="Email address", help_text="We send reminders here.")
    minutes = forms.IntegerField(label="Session length", min_value=10)
    remarks = forms.CharField(label="Remarks", required=False, widget=forms.Textarea)
    consent = forms.BooleanField(label="The client consented", required=True)
    visit = forms.ChoiceField(
        label="Visit type",
        choices=[("office", "In the office"), ("video", "Video")],
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        if data.get("remarks") == "conflict":
            raise forms.ValidationError("These answers contradict each other.")
        return data


def render(form: forms.Form) -> str:
    return Template("{{ form }}").render(Context({"form": form}))


def tag_with_id(html: str, element_id: str) -> str:
    match = re.search(rf'<(input|textarea|select)[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no control with id {element_id} in {html}"
    return match.group(0)


def test_a_field_with_an_error_is_marked_invalid_and_described_by_its_error_and_help():
    form = AppointmentNoteForm(data={"email": "not-an-email", "minutes": "45", "visit": "video"})
    html = render(form)
    email = tag_with_id(html, "id_email")
    assert 'aria-invalid="true"' in email
    described = re.search(r'aria-describedby="([^"]+)"', email).group(1).split()
    assert set(described) == {"id_email_helptext", "id_email_error"}
    assert 'id="id_email_error"' in html
    assert 'id="id_email_helptext"' in html


def test_the_error_text_sits_right_below_its_own_field():
    form = AppointmentNoteForm(data={"email": "not-an-email", "minutes": "45", "visit": "video"})
    html = render(form)
    control = html.index('id="id_email"')
    error = html.index('id="id_email_error"')
    next_field = html.index('id="id_minutes"')
    assert control < error < next_field
    error_block = html[error : html.index("</ul>", error)]
    assert "Enter a valid email address." in error_block
    assert "Error:" in error_block  # read out by screen readers, hidden visually


def test_what_was_typed_is_kept_when_the_form_comes_back_with_errors():
    form = AppointmentNoteForm(
        data={"email": "not-an-email", "minutes": "5", "remarks": 'Said & "more"', "visit": "x"}
    )
    html = render(form)
    assert 'value="not-an-email"' in tag_with_id(html, "id_email")
    assert 'value="5"' in tag_with_id(html, "id_minutes")
    assert "Said &amp; &quot;more&quot;</textarea>" in html


def test_a_valid_field_next_to_an_invalid_one_is_not_marked_invalid():
    form = AppointmentNoteForm(data={"email": "a@example.org", "minutes": "5", "visit": "video"})
    html = render(form)
    assert "aria-invalid" not in tag_with_id(html, "id_email")
    assert 'aria-invalid="true"' in tag_with_id(html, "id_minutes")
    assert 'aria-describedby="id_email_helptext"' in tag_with_id(html, "id_email")


def test_labels_name_their_control_and_mark_required_fields():
    html = render(AppointmentNoteForm())
    assert re.search(
        r'<label for="id_email">Email address</label><span class="required-marker"', html
    )
    assert re.search(r'<label for="id_remarks">Remarks</label>', html)
    assert "aria-invalid" not in html
    assert "form-errors" not in html


def test_errors_that_belong_to_no_field_are_shown_at_the_top_in_an_alert():
    form = AppointmentNoteForm(
        data={
            "email": "a@example.org",
            "minutes": "30",
            "remarks": "conflict",
            "consent": "on",
            "visit": "video",
        }
    )
    html = render(form)
    alert = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    assert alert, html
    assert "These answers contradict each other." in alert.group(1)
    assert alert.start() < html.index('id="id_email"')


def test_field_errors_are_announced_at_the_top_too():
    form = AppointmentNoteForm(data={"email": "", "minutes": "30", "visit": "video"})
    html = render(form)
    alert = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    assert alert
    assert "Please check the answers marked below." in alert.group(1)


def test_a_radio_group_is_a_fieldset_with_a_legend_and_its_error_inside():
    form = AppointmentNoteForm(data={"email": "a@example.org", "minutes": "30", "visit": "x"})
    html = render(form)
    fieldset = re.search(r"<fieldset[^>]*>(.*?)</fieldset>", html, re.S)
    assert fieldset
    assert 'aria-describedby="id_visit_error"' in fieldset.group(0)
    assert "<legend>Visit type" in fieldset.group(1)
    assert "Select a valid choice." in fieldset.group(1)


def test_a_checkbox_has_its_label_beside_it():
    html = render(AppointmentNoteForm())
    row = re.search(r'<div class="checkbox-row">(.*?)</div>', html, re.S).group(1)
    assert row.index('id="id_consent"') < row.index('<label for="id_consent">')
