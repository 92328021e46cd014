"""Helpers for the clients tests: a registration form's data, and audit rows."""

from __future__ import annotations

from typing import Any

import pytest

from tend.core.models import AuditEvent


def register_data(**overrides: Any) -> dict[str, Any]:
    """What the front desk types for a typical adult client."""
    data = {
        "legal_first_name": "Maria",
        "legal_middle_name": "",
        "legal_last_name": "Lopez",
        "preferred_name": "Mari",
        "pronouns": "she/her",
        "date_of_birth": "1990-03-14",
        "sex": "F",
        "gender_identity": "woman",
        "gender_identity_other": "",
        "phone_1": "512 555 0100",
        "phone_1_kind": "mobile",
        "phone_2": "",
        "phone_2_kind": "home",
        "email": "maria@example.net",
        "address_line1": "12 Oak Street",
        "address_line2": "",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "preferred_language": "Spanish",
        "needs_interpreter": "on",
        "cultural_considerations": "",
        "accessibility_needs": "",
        "may_email": "on",
        "may_text": "on",
        "emergency_name": "Ana Lopez",
        "emergency_relationship": "Sister",
        "emergency_phone": "5125550111",
        "guardian_name": "",
        "guardian_relationship": "",
        "guardian_phone": "",
        "client_type": "adult",
        "referral_source": "Primary care",
        "clinician": "",
        "status": "intake",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def audit_actions(practice) -> list[str]:
    return list(
        AuditEvent.objects.filter(practice=practice)
        .order_by("sequence")
        .values_list("action", flat=True)
    )


@pytest.fixture
def actions():
    return audit_actions
