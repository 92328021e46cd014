"""Restricted charts: the care team opens them; anyone else breaks the glass with a reason,
for this session, audited and shown to the owner."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tend.clients.models import BreakGlassAccess
from tend.clients.services.clients import ReasonTooShort, break_glass
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import client_of

pytestmark = pytest.mark.django_db
REASON = "Covering for the clinician during a crisis call"


@pytest.fixture
def restricted(team):
    return client_of(team.clinician, is_restricted=True)


def test_the_care_team_opens_a_restricted_chart(team, restricted):
    assert (
        signed_in(team.clinician).get(reverse("clients:chart", args=[restricted.uuid])).status_code
        == 200
    )


@pytest.mark.parametrize("role", ["owner", "admin", "front_desk", "biller", "supervisor"])
def test_anyone_else_is_sent_to_break_the_glass(team, restricted, role):
    response = signed_in(team.by_role(role)).get(reverse("clients:chart", args=[restricted.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:break_glass", args=[restricted.uuid])


def test_breaking_the_glass_opens_the_chart_for_this_session_only(team, restricted):
    member = signed_in(team.front_desk)
    glass = reverse("clients:break_glass", args=[restricted.uuid])
    chart = reverse("clients:chart", args=[restricted.uuid])
    assert "This chart is restricted" in member.get(glass).content.decode()
    response = member.post(glass, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == chart
    opened = member.get(chart)
    assert opened.status_code == 200
    assert "by breaking the glass" in opened.content.decode()
    access = BreakGlassAccess.objects.get()
    assert (access.membership, access.reason) == (team.front_desk, REASON)
    assert access.expires_at <= timezone.now() + datetime.timedelta(hours=8)
    assert "client.break_glass" in audit_actions(team.practice)
    # Another session of the same person must break the glass again.
    assert signed_in(team.front_desk).get(chart).status_code == 302


def test_the_access_expires_after_eight_hours(team, restricted):
    member = signed_in(team.admin)
    chart = reverse("clients:chart", args=[restricted.uuid])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        member.post(reverse("clients:break_glass", args=[restricted.uuid]), {"reason": REASON})
        assert member.get(chart).status_code == 200
        traveller.shift(datetime.timedelta(hours=8, minutes=1))
        assert member.get(chart).status_code == 302
        assert not BreakGlassAccess.objects.filter(expires_at__gt=timezone.now()).exists()


@pytest.mark.parametrize("reason", ["", "because", "         short    "])
def test_a_reason_is_required_and_at_least_ten_characters(team, restricted, reason):
    response = signed_in(team.admin).post(
        reverse("clients:break_glass", args=[restricted.uuid]), {"reason": reason}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not BreakGlassAccess.objects.exists()


def test_the_service_refuses_a_short_reason(team, restricted):
    with pytest.raises(ReasonTooShort):
        break_glass(restricted, membership=team.admin, reason="   nine     ", session_key_hash="x")


def test_a_clinician_outside_the_practice_caseload_still_gets_404(team, restricted):
    other = client_of(team.supervisor, is_restricted=True)
    member = signed_in(team.clinician)
    assert member.get(reverse("clients:break_glass", args=[other.uuid])).status_code == 404


def test_the_outsider_gets_404(team, restricted):
    member = signed_in(team.outsider)
    url = reverse("clients:break_glass", args=[restricted.uuid])
    assert member.get(url).status_code == 404
    assert member.post(url, {"reason": REASON}).status_code == 404


def test_the_owner_reviews_every_access_and_marks_it_reviewed(team, restricted):
    signed_in(team.front_desk).post(
        reverse("clients:break_glass", args=[restricted.uuid]), {"reason": REASON}
    )
    owner = signed_in(team.owner)
    review = reverse("clients:break_glass_review")
    page = owner.get(review).content.decode()
    assert REASON in page and team.front_desk.user.full_name in page
    assert restricted.sort_name in page
    access = BreakGlassAccess.objects.get()
    assert owner.post(review, {"access": str(access.uuid)}).status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == team.owner and access.reviewed_at is not None
    assert "client.break_glass_reviewed" in audit_actions(team.practice)


@pytest.mark.parametrize("role", ["admin", "clinician", "supervisor", "biller", "front_desk"])
def test_only_the_owner_sees_the_review(team, role):
    assert (
        signed_in(team.by_role(role)).get(reverse("clients:break_glass_review")).status_code == 403
    )


def test_the_owner_cannot_review_another_practices_access(team):
    other = client_of(team.outsider, is_restricted=True)
    access = break_glass(other, membership=team.outsider, reason=REASON, session_key_hash="x")
    signed_in(team.owner).post(reverse("clients:break_glass_review"), {"access": str(access.uuid)})
    access.refresh_from_db()
    assert access.reviewed_at is None
    assert (
        other.sort_name
        not in signed_in(team.owner).get(reverse("clients:break_glass_review")).content.decode()
    )
