"""Tenancy rules: scoped lookups, same-practice assertions, the current practice per session."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404
from django.test import RequestFactory

from tend.core.access import CrossPracticeReference, assert_same_practice, get_scoped_or_404
from tend.practices.middleware import SESSION_KEY, CurrentPracticeMiddleware
from tend.practices.models import Location
from tests.conftest import signed_in
from tests.factories import LocationFactory, MembershipFactory, PracticeFactory


def test_a_scoped_lookup_finds_an_object_of_the_members_practice(team):
    location = LocationFactory(practice=team.practice)
    assert get_scoped_or_404(Location, team.front_desk, uuid=location.uuid) == location


def test_a_scoped_lookup_of_another_practices_object_is_not_found(team):
    foreign = LocationFactory(practice=team.outsider.practice)
    with pytest.raises(Http404):
        get_scoped_or_404(Location, team.owner, uuid=foreign.uuid)


def test_a_scoped_lookup_with_a_malformed_id_is_not_found(team):
    with pytest.raises(Http404):
        get_scoped_or_404(Location, team.owner, uuid="not-a-uuid")
    with pytest.raises(Http404):
        get_scoped_or_404(Location, team.owner, uuid=uuid.uuid4())


def test_a_scoped_lookup_accepts_a_narrowed_queryset(team):
    archived = LocationFactory(practice=team.practice, is_archived=True)
    with pytest.raises(Http404):
        get_scoped_or_404(
            Location.objects.filter(is_archived=False), team.owner, uuid=archived.uuid
        )


def test_linking_objects_of_two_practices_is_refused(team):
    mine = LocationFactory(practice=team.practice)
    theirs = LocationFactory(practice=team.outsider.practice)
    assert_same_practice(team.practice, mine, None)
    with pytest.raises(CrossPracticeReference):
        assert_same_practice(team.practice, mine, theirs)


def _request_for(membership, chosen=None):
    request = RequestFactory().get("/")
    request.user = membership.user
    request.session = {} if chosen is None else {SESSION_KEY: chosen}
    CurrentPracticeMiddleware(lambda r: None)(request)
    return request


def test_a_person_with_one_practice_works_in_it_without_choosing(team):
    request = _request_for(team.clinician)
    assert request.membership == team.clinician
    assert request.practice == team.practice


def test_a_person_in_two_practices_works_in_the_one_chosen_for_the_session(team):
    second = MembershipFactory(user=team.clinician.user, practice=PracticeFactory())
    assert _request_for(team.clinician).membership is None
    request = _request_for(team.clinician, chosen=str(second.practice.uuid))
    assert request.membership == second


def test_a_practice_that_is_not_theirs_cannot_be_chosen(team):
    MembershipFactory(user=team.clinician.user, practice=PracticeFactory())
    request = _request_for(team.clinician, chosen=str(team.outsider.practice.uuid))
    assert request.membership is None


def test_a_deactivated_member_has_no_practice(team):
    team.biller.is_active = False
    team.biller.save()
    assert _request_for(team.biller).membership is None
    response = signed_in(team.biller).get("/")
    assert response.status_code == 302


def test_every_scoped_model_defaults_to_its_practice(team):
    LocationFactory(practice=team.practice)
    LocationFactory(practice=team.outsider.practice)
    visible = Location.objects.visible_to(team.clinician)
    assert {loc.practice_id for loc in visible} == {team.practice.pk}
