"""The project's select template writes options inline; it must keep Django's behaviour."""

from django import forms


class Pick(forms.Form):
    colour = forms.ChoiceField(
        choices=[
            ("", "Choose"),
            ("Warm", [("red", "Red & rose"), ("amber", "Amber")]),
            ("teal", "Teal"),
        ],
    )


def test_a_select_keeps_groups_the_selected_option_and_escapes_labels():
    html = str(Pick({"colour": "amber"})["colour"])
    assert '<optgroup label="Warm">' in html
    assert '<option value="amber" selected>Amber</option>' in html
    assert '<option value="red">Red &amp; rose</option>' in html
    assert '<option value="teal">Teal</option>' in html
    assert html.count("selected") == 1
