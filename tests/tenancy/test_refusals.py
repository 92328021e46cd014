"""The shared write-path helpers: applying changes and showing refusals."""

from django import forms

from tend.core.refusals import add_refusal, apply_changes
from tests.factories import LocationFactory, RoomFactory


def test_only_allowed_values_that_differ_are_applied_and_relations_compare_by_id(db):
    room = RoomFactory()
    same_location = type(room.location).objects.get(pk=room.location_id)  # another instance
    changed = apply_changes(
        room,
        {"name": "Quiet room", "location": same_location, "capacity": room.capacity, "x": 1},
        ("name", "location", "capacity"),
    )
    assert changed == ["name"]
    assert room.name == "Quiet room"
    other = LocationFactory(practice=room.practice)
    assert apply_changes(room, {"location": other}, ("location",)) == ["location"]
    assert room.location_id == other.pk


class _Refusal(Exception):
    field = "email"


class _Form(forms.Form):
    email = forms.CharField()


def test_a_refusal_goes_next_to_its_field_or_at_the_top():
    form = _Form({"email": "a@example.org"})
    form.is_valid()
    add_refusal(form, _Refusal("Already a member."))
    assert form.errors["email"] == ["Already a member."]
    add_refusal(form, _Refusal("Something else."), field="missing")
    assert form.non_field_errors() == ["Something else."]
    assert form.data["email"] == "a@example.org"
