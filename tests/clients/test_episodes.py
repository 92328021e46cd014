"""Episodes of care: the tab, opening one, editing it, and intake → active → discharged."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from tend.clients.choices import EpisodeStatus
from tend.clients.models import Episode
from tend.clients.services import episodes as services
from tend.core.models import AuditEvent
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import EpisodeFactory, client_of

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


def episode_data(team, **overrides):
    data = {
        "opened_on": "2026-03-02",
        "clinician": str(team.clinician.uuid),
        "presenting_concerns": "Panic attacks on the commute.",
        "referred_by": "Dr Okafor, primary care",
        "referral_reason": "Anxiety not settling with medication.",
    }
    data.update(overrides)
    return data


# The tab ------------------------------------------------------------------------------------


def test_the_tab_lists_the_open_episode_first_with_its_details(team):
    client = client_of(team.clinician)
    old = EpisodeFactory(
        client=client,
        status="discharged",
        opened_on=datetime.date(2024, 1, 8),
        discharged_on=datetime.date(2024, 6, 1),
        discharge_reason="goals_met",
        discharge_summary="Met goals; sleeping well.",
    )
    current = EpisodeFactory(
        client=client, opened_on=datetime.date(2026, 1, 5), clinician=team.clinician
    )
    response = signed_in(team.clinician).get(reverse("clients:episodes", args=[client.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(str(current.uuid)) < body.index(str(old.uuid))
    assert "Low mood and poor sleep since a job loss." in body
    assert "Treatment goals met" in body
    assert "Met goals; sleeping well." in body
    assert team.clinician.user.full_name in body


def test_opening_the_tab_is_an_audited_read(team):
    client = client_of(team.clinician)
    signed_in(team.clinician).get(reverse("clients:episodes", args=[client.uuid]))
    event = AuditEvent.objects.filter(action="phi.read").last()
    assert event.object_id == str(client.uuid)
    assert event.detail == {"what": "episodes"}


@pytest.mark.parametrize("role", ["front_desk", "biller", "admin"])
def test_office_roles_do_not_see_episodes(team, role):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    member = signed_in(team.by_role(role))
    assert member.get(reverse("clients:episodes", args=[client.uuid])).status_code == 403
    assert member.get(reverse("clients:episode_add", args=[client.uuid])).status_code == 403
    assert member.get(reverse("clients:episode_edit", args=[episode.uuid])).status_code == 403
    status_url = reverse("clients:episode_status", args=[episode.uuid])
    assert member.post(status_url, {"to_status": "discharged"}).status_code == 403


def test_the_outsider_gets_404_for_every_episode_page(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    outsider = signed_in(team.outsider)
    for url in (
        reverse("clients:episodes", args=[client.uuid]),
        reverse("clients:episode_add", args=[client.uuid]),
        reverse("clients:episode_edit", args=[episode.uuid]),
    ):
        assert outsider.get(url).status_code == 404
    status_url = reverse("clients:episode_status", args=[episode.uuid])
    assert outsider.post(status_url, {"to_status": "active"}).status_code == 404


def test_a_clinician_outside_the_care_team_gets_404(team):
    client = client_of(team.supervisor)
    other = EpisodeFactory(client=client)
    member = signed_in(team.clinician)
    assert member.get(reverse("clients:episodes", args=[client.uuid])).status_code == 404
    assert member.get(reverse("clients:episode_edit", args=[other.uuid])).status_code == 404


# Opening an episode --------------------------------------------------------------------------


def test_a_clinician_opens_an_episode_at_intake(team):
    client = client_of(team.clinician)
    url = reverse("clients:episode_add", args=[client.uuid])
    response = signed_in(team.clinician).post(url, episode_data(team))
    episode = Episode.objects.get(client=client)
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:episode_edit", args=[episode.uuid])
    assert episode.status == EpisodeStatus.INTAKE
    assert episode.opened_on == datetime.date(2026, 3, 2)
    assert episode.clinician == team.clinician
    assert episode.presenting_concerns == "Panic attacks on the commute."
    assert episode.referral_reason == "Anxiety not settling with medication."
    assert "episode.opened" in audit_actions(team.practice)


def test_the_new_episode_form_starts_on_today(team):
    client = client_of(team.clinician)
    response = signed_in(team.clinician).get(reverse("clients:episode_add", args=[client.uuid]))
    assert 'value="2026-03-10"' in response.content.decode()


def test_the_clinician_list_holds_only_active_clinical_members_of_the_practice(team):
    client = client_of(team.clinician)
    team.supervisor.is_active = False
    team.supervisor.save()
    response = signed_in(team.clinician).get(reverse("clients:episode_add", args=[client.uuid]))
    choices = list(response.context["form"].fields["clinician"].queryset)
    assert team.clinician in choices
    assert team.supervisor not in choices
    assert team.front_desk not in choices
    assert team.outsider not in choices


def test_a_future_intake_date_is_refused_next_to_the_field_and_the_rest_is_kept(team):
    client = client_of(team.clinician)
    url = reverse("clients:episode_add", args=[client.uuid])
    response = signed_in(team.clinician).post(url, episode_data(team, opened_on="2026-04-01"))
    assert response.status_code == 200
    assert "in the future" in str(response.context["form"].errors["opened_on"])
    assert "Panic attacks on the commute." in response.content.decode()
    assert not Episode.objects.filter(client=client).exists()


def test_an_impossible_intake_date_is_refused_and_what_was_typed_is_kept(team):
    client = client_of(team.clinician)
    url = reverse("clients:episode_add", args=[client.uuid])
    response = signed_in(team.clinician).post(url, episode_data(team, opened_on="2026-02-30"))
    assert response.status_code == 200
    assert response.context["form"].errors["opened_on"]
    assert "Dr Okafor, primary care" in response.content.decode()


def test_a_clinician_of_another_practice_cannot_be_chosen(team):
    client = client_of(team.clinician)
    url = reverse("clients:episode_add", args=[client.uuid])
    data = episode_data(team, clinician=str(team.outsider.uuid))
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["clinician"]


def test_a_second_episode_is_refused_while_one_is_open_with_a_link_to_it(team):
    client = client_of(team.clinician)
    still_open = EpisodeFactory(client=client, status="intake")
    url = reverse("clients:episode_add", args=[client.uuid])
    member = signed_in(team.clinician)
    response = member.post(url, episode_data(team))
    assert response.status_code == 200
    body = response.content.decode()
    assert "already has an open episode" in body
    assert reverse("clients:episode_edit", args=[still_open.uuid]) in body
    assert Episode.objects.filter(client=client).count() == 1
    assert "already has an open episode" in member.get(url).content.decode()


def test_the_service_refuses_a_second_open_episode(team):
    client = client_of(team.clinician)
    first = EpisodeFactory(client=client, status="active")
    with pytest.raises(services.EpisodeStillOpen) as refused:
        services.open_episode(client, membership=team.clinician, opened_on=TODAY.date())
    assert refused.value.episode == first


def test_a_new_episode_may_open_after_the_last_is_discharged(team):
    client = client_of(team.clinician)
    EpisodeFactory(client=client, status="discharged", discharged_on=datetime.date(2026, 2, 1))
    episode = services.open_episode(
        client, membership=team.clinician, opened_on=datetime.date(2026, 3, 9)
    )
    assert episode.status == EpisodeStatus.INTAKE
    assert client.episodes.count() == 2


# Editing -------------------------------------------------------------------------------------


def test_a_clinician_edits_an_open_episode(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, status="intake")
    url = reverse("clients:episode_edit", args=[episode.uuid])
    data = episode_data(team, presenting_concerns="Panic and low mood.")
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.presenting_concerns == "Panic and low mood."
    event = AuditEvent.objects.get(action="episode.updated")
    assert "presenting_concerns" in event.detail["fields"]
    assert "Panic" not in str(event.detail)  # no PHI in the audit log


def test_an_episode_keeps_a_clinician_who_has_since_left(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, clinician=team.supervisor)
    team.supervisor.is_active = False
    team.supervisor.save()
    url = reverse("clients:episode_edit", args=[episode.uuid])
    data = episode_data(team, clinician=str(team.supervisor.uuid), referred_by="School")
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.clinician, episode.referred_by) == (team.supervisor, "School")


def test_the_edit_page_shows_what_is_stored(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, referred_by="School counselor")
    response = signed_in(team.clinician).get(reverse("clients:episode_edit", args=[episode.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "School counselor" in body
    assert "Low mood and poor sleep since a job loss." in body


def test_an_intake_date_after_activation_is_refused(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, activated_on=datetime.date(2026, 1, 20))
    url = reverse("clients:episode_edit", args=[episode.uuid])
    response = signed_in(team.clinician).post(url, episode_data(team, opened_on="2026-02-01"))
    assert response.status_code == 200
    assert "cannot be later" in str(response.context["form"].errors["opened_on"])
    assert 'value="2026-02-01"' in response.content.decode()


def test_a_discharged_episode_is_read_only(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(
        client=client,
        status="discharged",
        discharged_on=datetime.date(2026, 2, 1),
        discharge_reason="moved",
    )
    member = signed_in(team.clinician)
    url = reverse("clients:episode_edit", args=[episode.uuid])
    page = member.get(url).content.decode()
    assert "can no longer be changed" in page
    assert "Save episode" not in page
    member.post(url, episode_data(team, presenting_concerns="Changed"))
    episode.refresh_from_db()
    assert episode.presenting_concerns == "Low mood and poor sleep since a job loss."
    with pytest.raises(services.EpisodeClosed):
        services.update_episode(episode, membership=team.clinician, referred_by="Someone")


# Statuses ------------------------------------------------------------------------------------


def test_an_episode_becomes_active_from_a_date(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, status="intake", opened_on=datetime.date(2026, 3, 2))
    url = reverse("clients:episode_status", args=[episode.uuid])
    response = signed_in(team.clinician).post(url, {"to_status": "active", "on_date": "2026-03-09"})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert episode.activated_on == datetime.date(2026, 3, 9)
    event = AuditEvent.objects.get(action="episode.status_changed")
    assert event.detail["from_status"] == "intake"
    assert event.detail["to_status"] == "active"


def test_a_discharge_needs_a_reason_and_keeps_the_summary_typed(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    url = reverse("clients:episode_status", args=[episode.uuid])
    data = {"to_status": "discharged", "on_date": "2026-03-09", "summary": "Good progress."}
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 200
    assert response.context["discharge_form"].errors["reason"]
    assert "Good progress." in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE


@pytest.mark.parametrize(
    ("on_date", "message"),
    [("2026-03-11", "in the future"), ("2025-12-31", "choose that day or later")],
)
def test_a_discharge_date_in_the_future_or_before_intake_is_refused(team, on_date, message):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, opened_on=datetime.date(2026, 1, 5))
    url = reverse("clients:episode_status", args=[episode.uuid])
    data = {"to_status": "discharged", "on_date": on_date, "reason": "goals_met"}
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 200
    assert message in str(response.context["discharge_form"].errors["on_date"])
    assert f'value="{on_date}"' in response.content.decode()


def test_a_clinician_discharges_an_episode_with_its_summary(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    url = reverse("clients:episode_status", args=[episode.uuid])
    data = {
        "to_status": "discharged",
        "on_date": "2026-03-09",
        "reason": "goals_met",
        "summary": "Panic attacks stopped; relapse plan agreed.",
    }
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED
    assert episode.discharged_on == datetime.date(2026, 3, 9)
    assert episode.discharge_reason == "goals_met"
    assert episode.discharge_summary == "Panic attacks stopped; relapse plan agreed."


def test_the_transitions_table_is_enforced(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, status="active")
    with pytest.raises(services.TransitionRefused):
        services.set_episode_status(episode, "intake", membership=team.clinician)
    services.set_episode_status(
        episode, "discharged", membership=team.clinician, reason="mutual", summary=""
    )
    with pytest.raises(services.EpisodeClosed):
        services.set_episode_status(episode, "active", membership=team.clinician)


def test_an_intake_episode_may_be_discharged_directly(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client, status="intake")
    services.set_episode_status(
        episode, "discharged", membership=team.clinician, reason="no_contact"
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED
    assert episode.activated_on is None


def test_an_unknown_status_post_changes_nothing(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    url = reverse("clients:episode_status", args=[episode.uuid])
    response = signed_in(team.clinician).post(url, {"to_status": "deleted"})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE


def test_status_changes_only_by_post(team):
    client = client_of(team.clinician)
    episode = EpisodeFactory(client=client)
    url = reverse("clients:episode_status", args=[episode.uuid])
    assert signed_in(team.clinician).get(url).status_code == 405


def test_discharging_the_last_open_episode_offers_to_discharge_the_client(team):
    client = client_of(team.clinician, status="active")
    episode = EpisodeFactory(client=client)
    member = signed_in(team.clinician)
    page = member.get(reverse("clients:episode_edit", args=[episode.uuid])).content.decode()
    assert "Also mark the client as discharged" in page
    data = {
        "to_status": "discharged",
        "on_date": "2026-03-09",
        "reason": "goals_met",
        "discharge_client": "on",
    }
    member.post(reverse("clients:episode_status", args=[episode.uuid]), data)
    client.refresh_from_db()
    assert client.status == "discharged"
    assert client.status_changes.filter(to_status="discharged").exists()


def test_the_client_keeps_their_status_unless_asked(team):
    client = client_of(team.clinician, status="active")
    episode = EpisodeFactory(client=client)
    services.set_episode_status(
        episode, "discharged", membership=team.clinician, reason="goals_met"
    )
    client.refresh_from_db()
    assert client.status == "active"


def test_a_discharged_client_is_not_offered_a_second_discharge(team):
    client = client_of(team.clinician, status="discharged")
    episode = EpisodeFactory(client=client)
    assert not services.can_discharge_client(episode)
