"""LongSelect writes the same options as Django's select, faster."""

from django import forms

from tend.core.widgets import LongSelect

CHOICES = [("", "Choose"), ("Warm", [("red", "Red & rose"), ("amber", "Amber")]), ("teal", "Teal")]


class Pick(forms.Form):
    colour = forms.ChoiceField(choices=CHOICES, widget=LongSelect)
    plain = forms.ChoiceField(choices=CHOICES)


def test_a_long_select_renders_like_djangos_select():
    form = Pick({"colour": "amber", "plain": "amber"})
    long_html = str(form["colour"].as_widget(attrs={"aria-describedby": "help"}))
    assert long_html.startswith(
        '<select name="colour" aria-describedby="help" id="id_colour" required>'
    )
    assert '<optgroup label="Warm">' in long_html
    assert '<option value="amber" selected>Amber</option>' in long_html
    assert '<option value="red">Red &amp; rose</option>' in long_html
    assert '<option value="">Choose</option>' in long_html
    assert long_html.count("selected") == 1
    options = lambda html: "".join(html.split(">", 1)[1].split())  # noqa: E731
    assert options(long_html) == options(str(form["plain"]))
