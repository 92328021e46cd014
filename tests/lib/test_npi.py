"""The NPI check digit (DOMAIN.md §1.7), table-driven."""

from __future__ import annotations

import pytest

from tend.lib.npi import is_valid_npi, npi_check_digit


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1234567893", True),  # DOMAIN.md's worked example
        ("1245319599", True),  # a second valid type 1 number
        ("2000000002", True),  # a type 2 (organisation) number
        ("1234567890", False),  # wrong check digit
        ("1234567894", False),  # check digit off by one
        ("3234567893", False),  # first digit must be 1 or 2
        ("0234567893", False),
        ("12345678AB", False),  # letters
        ("123456789", False),  # nine digits
        ("12345678931", False),  # eleven digits
        ("", False),
        (None, False),
        (" 1234567893 ", True),  # surrounding spaces are ignored
    ],
)
def test_it_accepts_only_ten_digit_npis_with_a_correct_check_digit(value, valid):
    assert is_valid_npi(value) is valid


def test_the_worked_example_gives_check_digit_3():
    # 123456789: doubled digits 9,7,5,3,1 give 23; the others give 20; plus 24 is 67 → 3.
    assert npi_check_digit("123456789") == 3


@pytest.mark.parametrize("first_nine", ["123456789", "124531959", "200000000", "199999999"])
def test_appending_the_check_digit_makes_a_valid_npi(first_nine):
    assert is_valid_npi(first_nine + str(npi_check_digit(first_nine)))
