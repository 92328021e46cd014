"""How Tend addresses a person in greetings and the account menu."""

import pytest

from tend.accounts.models import User


@pytest.mark.parametrize(
    ("full_name", "preferred", "expected"),
    [
        ("Jordan Alvarez-Whitcombe", "", "Jordan"),
        ("Dr. Jordan Alvarez-Whitcombe", "", "Jordan"),
        ("dr Jordan Lee", "", "Jordan"),
        ("Mx Sam Lee", "", "Sam"),
        ("Dr. Jordan Lee", "Jo", "Jo"),
        ("", "", "someone@example.org"),
    ],
)
def test_the_display_name_is_the_first_name_without_a_title(full_name, preferred, expected):
    user = User(email="someone@example.org", full_name=full_name, preferred_name=preferred)
    assert user.display_name == expected
