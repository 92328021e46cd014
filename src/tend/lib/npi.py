"""National Provider Identifier check digit (Luhn over the number prefixed with 80840)."""

from __future__ import annotations


def npi_check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of an NPI."""
    total = 24  # the Luhn contribution of the 80840 prefix
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    """True for ten digits starting with 1 or 2 whose last digit is the check digit."""
    value = (value or "").strip()
    if len(value) != 10 or not value.isdigit() or value[0] not in "12":
        return False
    return npi_check_digit(value[:9]) == int(value[9])
