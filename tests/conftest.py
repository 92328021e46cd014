"""Shared fixtures: a practice with one member per role, and an outsider from another practice.

Every endpoint test checks the outsider (STYLE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tend.practices.choices import Role
from tend.practices.models import Membership, Practice
from tests.factories import MembershipFactory, PracticeFactory


@dataclass
class Team:
    practice: Practice
    owner: Membership
    admin: Membership
    clinician: Membership
    supervisor: Membership
    biller: Membership
    front_desk: Membership
    outsider: Membership

    def by_role(self, role: str) -> Membership:
        return getattr(self, role)


@pytest.fixture
def team(db) -> Team:
    practice = PracticeFactory()
    other = PracticeFactory(name="Elsewhere Therapy")
    members = {
        role: MembershipFactory(practice=practice, role=role) for role in Role.values
    }
    members["clinician"].supervisor = members["supervisor"]
    members["clinician"].save()
    return Team(practice=practice, outsider=MembershipFactory(practice=other), **members)


def signed_in(membership: Membership) -> Client:
    """A test client signed in as this member, working in the member's practice."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session["tend_practice"] = str(membership.practice.uuid)
    session.save()
    return client


@pytest.fixture
def as_member():
    return signed_in
