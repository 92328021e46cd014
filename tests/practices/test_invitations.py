"""Inviting staff by email, withdrawing invitations and accepting them from the link."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tend.accounts.models import User
from tend.core.models import AuditEvent
from tend.practices import services
from tend.practices.choices import Role
from tend.practices.middleware import SESSION_KEY
from tend.practices.models import Invitation, Membership
from tests.conftest import signed_in
from tests.factories import InvitationFactory, UserFactory

INVITE = reverse("practices:invite")
STRONG = "a quiet harbour at dusk 42"


def _accept_url(token):
    return reverse("practices:accept_invitation", args=[token])


def _invite(team, email="new.person@example.org", role=Role.CLINICIAN, by=None):
    return services.invite_member(email=email, role=role, membership=by or team.owner)


# Sending ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_a_manager_invites_by_email_and_the_link_is_emailed_on_commit(
    team, role, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(team.by_role(role)).post(
            INVITE, {"email": "New.Person@Example.org", "role": Role.BILLER}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(practice=team.practice)
    assert invitation.email == "new.person@example.org"
    assert invitation.role == Role.BILLER
    assert invitation.invited_by == team.by_role(role)
    assert invitation.status == "pending"
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.org"]
    token = re.search(r"/invitations/([\w-]+)/accept/", message.body).group(1)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    event = AuditEvent.objects.get(action="invitation.sent")
    assert event.detail == {"role": Role.BILLER, "replaced": 0}
    assert "example.org" not in str(event.detail)


def test_no_email_is_sent_when_the_transaction_rolls_back(team, mailoutbox):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _invite(team)
        raise RuntimeError("rolled back")
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_re_inviting_a_pending_address_replaces_the_old_invitation(team):
    first = _invite(team)
    second = _invite(team, email="NEW.person@example.org", role=Role.FRONT_DESK)
    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"
    assert list(Invitation.objects.pending()) == [second]
    assert AuditEvent.objects.filter(action="invitation.sent").first().detail["replaced"] == 1


def test_inviting_an_existing_member_is_refused_next_to_the_email(team):
    response = signed_in(team.owner).post(
        INVITE, {"email": team.biller.user.email.upper(), "role": Role.CLINICIAN}
    )
    assert response.status_code == 200
    assert "already a member" in " ".join(response.context["form"].errors["email"])
    assert not Invitation.objects.exists()


def test_a_bad_email_is_refused_and_the_role_kept(team):
    response = signed_in(team.owner).post(INVITE, {"email": "not-an-email", "role": Role.BILLER})
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors
    assert form["role"].value() == Role.BILLER
    assert 'value="not-an-email"' in response.content.decode()


def test_an_admin_cannot_invite_an_owner(team):
    response = signed_in(team.admin).post(INVITE, {"email": "x@example.org", "role": Role.OWNER})
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    with pytest.raises(services.OwnerRoleNeedsOwner):
        services.invite_member(email="x@example.org", role=Role.OWNER, membership=team.admin)


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_other_roles_cannot_invite_or_withdraw(team, role):
    invitation = _invite(team)
    client = signed_in(team.by_role(role))
    assert client.get(INVITE).status_code == 403
    assert client.post(INVITE, {"email": "y@example.org", "role": "clinician"}).status_code == 403
    revoke = reverse("practices:invitation_revoke", args=[invitation.uuid])
    assert client.post(revoke).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_pending_invitations_are_listed_on_the_staff_page(team):
    _invite(team, email="listed@example.org")
    InvitationFactory(practice=team.outsider.practice, email="foreign@example.org")
    html = signed_in(team.owner).get(reverse("practices:staff")).content.decode()
    assert "listed@example.org" in html
    assert "foreign@example.org" not in html


def test_a_manager_withdraws_an_invitation_and_its_link_stops_working(team):
    invitation = _invite(team)
    response = signed_in(team.admin).post(
        reverse("practices:invitation_revoke", args=[invitation.uuid])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()
    response = Client().get(_accept_url(invitation.token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_an_outsider_cannot_withdraw_another_practices_invitation(team):
    invitation = _invite(team)
    team.outsider.role = Role.OWNER
    team.outsider.save()
    response = signed_in(team.outsider).post(
        reverse("practices:invitation_revoke", args=[invitation.uuid])
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


# Accepting -------------------------------------------------------------------------------------


def test_a_new_person_sets_name_and_password_and_joins(team):
    invitation = _invite(team, role=Role.FRONT_DESK)
    client = Client()
    assert client.get(_accept_url(invitation.token)).status_code == 200
    response = client.post(
        _accept_url(invitation.token),
        {"full_name": "Nia Newcomer", "password": STRONG, "password_confirm": STRONG},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.full_name == "Nia Newcomer" and user.check_password(STRONG)
    membership = Membership.objects.get(user=user)
    assert (membership.practice, membership.role) == (team.practice, Role.FRONT_DESK)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[SESSION_KEY] == str(team.practice.uuid)
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user
    event = AuditEvent.objects.get(action="invitation.accepted")
    assert event.actor == user and event.practice == team.practice


def test_a_new_person_in_a_practice_requiring_mfa_is_sent_to_enrol(team):
    team.practice.require_mfa = True
    team.practice.save()
    invitation = _invite(team)
    response = Client().post(
        _accept_url(invitation.token),
        {"full_name": "Nia Newcomer", "password": STRONG, "password_confirm": STRONG},
    )
    assert response["Location"].startswith("/accounts/")


def test_a_weak_password_keeps_the_name_and_creates_nothing(team):
    invitation = _invite(team)
    response = Client().post(
        _accept_url(invitation.token),
        {"full_name": "Nia Newcomer", "password": "password", "password_confirm": "password"},
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert 'value="Nia Newcomer"' in response.content.decode()
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_person_with_an_account_is_asked_to_sign_in_first(team):
    existing = UserFactory(email="has.account@example.org")
    invitation = _invite(team, email="has.account@example.org")
    response = Client().get(_accept_url(invitation.token))
    assert response.status_code == 200
    assert "sign in first" in response.content.decode().lower()
    assert response.context["sign_in_url"] == (
        f"{reverse('accounts:login')}?{urlencode({'next': _accept_url(invitation.token)})}"
    )
    # Posting without signing in does not accept.
    Client().post(_accept_url(invitation.token))
    assert not Membership.objects.filter(user=existing).exists()


def test_a_signed_in_person_with_an_account_confirms_and_joins(team):
    existing = UserFactory(email="has.account@example.org")
    invitation = _invite(team, email="has.account@example.org", role=Role.SUPERVISOR)
    client = Client()
    client.force_login(existing)
    assert client.get(_accept_url(invitation.token)).status_code == 200
    response = client.post(_accept_url(invitation.token))
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:today")
    membership = Membership.objects.get(user=existing, practice=team.practice)
    assert membership.role == Role.SUPERVISOR
    assert client.session[SESSION_KEY] == str(team.practice.uuid)


def test_someone_signed_in_as_another_person_cannot_accept(team):
    invitation = _invite(team)
    client = signed_in(team.biller)
    assert client.get(_accept_url(invitation.token)).status_code == 403
    assert client.post(_accept_url(invitation.token)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_an_expired_link_says_so(team):
    invitation = _invite(team)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = Client().get(_accept_url(invitation.token))
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        with pytest.raises(services.InvitationNotUsable):
            services.accept_invitation(invitation=invitation, full_name="X", password=STRONG)


def test_a_used_link_says_so(team):
    invitation = _invite(team)
    services.accept_invitation(invitation=invitation, full_name="Nia", password=STRONG)
    response = Client().get(_accept_url(invitation.token))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_link_is_not_found():
    response = Client().get(_accept_url("made-up-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_the_accept_service_refuses_the_wrong_person_and_existing_members(team):
    invitation = _invite(team)
    with pytest.raises(services.InvitationForAnotherPerson):
        services.accept_invitation(invitation=invitation, user=team.outsider.user)
    member_invite = InvitationFactory(practice=team.practice, email=team.biller.user.email)
    with pytest.raises(services.AlreadyMember):
        services.accept_invitation(invitation=member_invite, user=team.biller.user)


def test_invitations_visible_to_a_member_are_their_practices_only(team):
    mine = _invite(team)
    InvitationFactory(practice=team.outsider.practice)
    assert list(Invitation.objects.visible_to(team.clinician)) == [mine]
