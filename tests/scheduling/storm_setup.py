"""Prepares a database for the double-booking storm (tests/scheduling/test_concurrency.py).

Run as `python -m tests.scheduling.storm_setup N` with the server's environment: migrates the
database in DATABASE_URL, creates a practice with one clinician, an appointment type and N
clients in the clinician's caseload, signs the clinician in N times (one session each, as N
browsers would) and prints what the storm needs as one line of JSON.
"""

from __future__ import annotations

import json
import os
import secrets
import sys


def main(count: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tend.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client as Browser

    call_command("migrate", interactive=False, verbosity=0)

    from tend.accounts.models import User
    from tend.clients.models import CareTeamMember, Client
    from tend.practices.choices import Role
    from tend.practices.models import Membership, Practice
    from tend.scheduling.models import AppointmentType

    practice = Practice.objects.create(
        name="Storm Counseling", time_zone="America/Chicago", require_mfa=False
    )
    user = User.objects.create(email="storm@example.org", full_name="Sam Storm")
    clinician = Membership.objects.create(practice=practice, user=user, role=Role.CLINICIAN)
    kind = AppointmentType.objects.create(
        practice=practice, name="Individual", kind="individual", default_minutes=50
    )
    clients = []
    for n in range(count):
        client = Client.objects.create(
            practice=practice,
            legal_first_name=f"Robin{n}",
            legal_last_name="Storm",
            date_of_birth="1990-01-01",
            status="active",
        )
        CareTeamMember.objects.create(practice=practice, client=client, membership=clinician)
        clients.append(str(client.uuid))
    sessions = []
    for _ in range(count):
        browser = Browser()
        browser.force_login(user)
        session = browser.session
        session["tend_practice"] = str(practice.uuid)
        session.save()
        sessions.append(browser.cookies[settings.SESSION_COOKIE_NAME].value)
    return {
        "clinician": str(clinician.uuid),
        "appointment_type": str(kind.uuid),
        "clients": clients,
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": secrets.token_hex(16),  # 32 characters: a valid unmasked CSRF secret
        "time_zone": practice.time_zone,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
