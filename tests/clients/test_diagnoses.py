"""Diagnoses: the tab, adding and editing with a billable ICD-10-CM code, ranking, the picker."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from tend.clients.models import Diagnosis
from tend.clients.services import diagnoses as services
from tend.core.models import AuditEvent
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import DiagnosisFactory, EpisodeFactory, client_of, icd

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def chart(team):
    """A client of the clinician with an active episode."""
    client = client_of(team.clinician)
    return client, EpisodeFactory(client=client)


def dx_data(episode=None, **overrides):
    data = {
        "code": "F41.1",
        "episode": str(episode.uuid) if episode else "",
        "status": "active",
        "onset_on": "2025-11-01",
        "resolved_on": "",
    }
    data.update(overrides)
    return data


def add(client, member, data):
    return signed_in(member).post(reverse("clients:diagnosis_add", args=[client.uuid]), data)


# The tab ------------------------------------------------------------------------------------


def test_the_tab_ranks_current_diagnoses_primary_first_and_past_ones_below(team, chart):
    client, episode = chart
    second = DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=2, added_by=team.clinician)
    first = DiagnosisFactory(episode=episode, code=icd("F33.1"), rank=1)
    DiagnosisFactory(episode=episode, code=icd("F43.10"), rank=3, status="ruled_out")
    response = signed_in(team.clinician).get(reverse("clients:diagnoses", args=[client.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("F33.1") < body.index("Z63.0") < body.index("Resolved and ruled out")
    assert body.index("Resolved and ruled out") < body.index("F43.10")
    assert "Major depressive disorder, recurrent, moderate" in body
    assert team.clinician.user.full_name in body
    assert "April 2026" in body
    assert "National Center for Health Statistics" in body
    assert [d.pk for d in response.context["groups"][0][1]] == [first.pk, second.pk]


def test_a_biller_sees_diagnoses_but_no_way_to_change_them(team, chart):
    client, episode = chart
    dx = DiagnosisFactory(episode=episode)
    member = signed_in(team.biller)
    page = member.get(reverse("clients:diagnoses", args=[client.uuid]))
    assert page.status_code == 200
    assert "F33.1" in page.content.decode()
    assert "Add a diagnosis" not in page.content.decode()
    assert "Move up" not in page.content.decode()
    assert member.get(reverse("clients:diagnosis_add", args=[client.uuid])).status_code == 403
    assert add(client, team.biller, dx_data(episode)).status_code == 403
    edit = reverse("clients:diagnosis_edit", args=[dx.uuid])
    assert member.get(edit).status_code == 403
    assert member.post(edit, dx_data(status="resolved")).status_code == 403
    move = reverse("clients:diagnosis_move", args=[dx.uuid])
    assert member.post(move, {"direction": "down"}).status_code == 403
    assert Diagnosis.objects.get(pk=dx.pk).status == "active"


@pytest.mark.parametrize("role", ["front_desk", "admin"])
def test_roles_without_clinical_content_do_not_see_diagnoses(team, chart, role):
    client, episode = chart
    dx = DiagnosisFactory(episode=episode)
    member = signed_in(team.by_role(role))
    assert member.get(reverse("clients:diagnoses", args=[client.uuid])).status_code == 403
    assert member.get(reverse("clients:diagnosis_edit", args=[dx.uuid])).status_code == 403
    assert member.get(reverse("clients:icd_search"), {"q": "F33"}).status_code == 403


def test_the_outsider_gets_404_for_every_diagnosis_page(team, chart):
    client, episode = chart
    dx = DiagnosisFactory(episode=episode)
    outsider = signed_in(team.outsider)
    assert outsider.get(reverse("clients:diagnoses", args=[client.uuid])).status_code == 404
    assert outsider.get(reverse("clients:diagnosis_add", args=[client.uuid])).status_code == 404
    assert outsider.get(reverse("clients:diagnosis_edit", args=[dx.uuid])).status_code == 404
    move = reverse("clients:diagnosis_move", args=[dx.uuid])
    assert outsider.post(move, {"direction": "down"}).status_code == 404


# Adding -------------------------------------------------------------------------------------


def test_a_clinician_adds_a_diagnosis_to_the_open_episode(team, chart):
    client, episode = chart
    icd("F41.1")
    response = add(client, team.clinician, dx_data(episode, code="f411"))
    assert response.status_code == 302
    dx = Diagnosis.objects.get(client=client)
    assert dx.code.code == "F41.1"
    assert dx.episode == episode
    assert dx.rank == 1
    assert dx.added_by == team.clinician
    assert dx.onset_on == datetime.date(2025, 11, 1)
    event = AuditEvent.objects.get(action="diagnosis.added")
    assert event.detail == {"client": str(client.uuid), "code": "F41.1"}


def test_the_form_offers_only_the_clients_open_episodes(team, chart):
    client, episode = chart
    closed = EpisodeFactory(client=client, status="discharged")
    someone_else = EpisodeFactory(client=client_of(team.clinician))
    page = signed_in(team.clinician).get(reverse("clients:diagnosis_add", args=[client.uuid]))
    choices = list(page.context["form"].fields["episode"].queryset)
    assert choices == [episode]
    assert closed not in choices and someone_else not in choices
    assert add(client, team.clinician, dx_data(someone_else)).status_code == 200


def test_a_new_diagnosis_ranks_after_the_current_ones(team, chart):
    client, episode = chart
    DiagnosisFactory(episode=episode, rank=1)
    DiagnosisFactory(episode=episode, code=icd("F43.10"), rank=2, status="resolved")
    dx = services.add_diagnosis(
        client, membership=team.clinician, episode=episode, code=icd("Z63.0")
    )
    assert dx.rank == 2


def test_an_unknown_code_is_refused_next_to_the_field_and_kept(team, chart):
    client, episode = chart
    icd("F33.1")
    response = add(client, team.clinician, dx_data(episode, code="F99.99"))
    assert response.status_code == 200
    errors = str(response.context["form"].errors["code"])
    assert "No ICD-10-CM code F99.99 in the April 2026 code set" in errors
    body = response.content.decode()
    assert 'value="F99.99"' in body
    assert 'value="2025-11-01"' in body
    assert not Diagnosis.objects.exists()


def test_a_category_code_is_refused_with_a_billable_suggestion(team, chart):
    client, episode = chart
    icd("F33.1")
    response = add(client, team.clinician, dx_data(episode, code="F33"))
    assert response.status_code == 200
    errors = str(response.context["form"].errors["code"])
    assert "F33 is a category; choose a billable code such as F33.0" in errors
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_service_refuses_a_category_code(team, chart):
    client, episode = chart
    with pytest.raises(services.CodeNotBillable):
        services.add_diagnosis(client, membership=team.clinician, code=icd("F33"))


def test_an_onset_in_the_future_is_refused(team, chart):
    client, episode = chart
    icd("F41.1")
    response = add(client, team.clinician, dx_data(episode, onset_on="2026-03-11"))
    assert "in the future" in str(response.context["form"].errors["onset_on"])


def test_a_resolution_before_the_onset_is_refused(team, chart):
    client, episode = chart
    icd("F41.1")
    data = dx_data(episode, status="resolved", resolved_on="2025-10-01")
    response = add(client, team.clinician, data)
    assert "before the onset" in str(response.context["form"].errors["resolved_on"])
    with pytest.raises(services.DiagnosisDateRefused):
        services.add_diagnosis(
            client,
            membership=team.clinician,
            code=icd("F41.1"),
            onset_on=datetime.date(2025, 11, 1),
            resolved_on=datetime.date(2025, 10, 1),
        )


def test_an_impossible_date_is_refused(team, chart):
    client, episode = chart
    icd("F41.1")
    response = add(client, team.clinician, dx_data(episode, onset_on="2025-02-30"))
    assert response.context["form"].errors["onset_on"]


def test_no_diagnosis_can_be_added_to_a_discharged_episode(team, chart):
    client, _ = chart
    closed = EpisodeFactory(client=client, status="discharged")
    with pytest.raises(services.EpisodeNotOpen):
        services.add_diagnosis(client, membership=team.clinician, episode=closed, code=icd("F41.1"))


# Editing and ranking ------------------------------------------------------------------------


def test_a_clinician_resolves_a_diagnosis_and_the_ranks_close_up(team, chart):
    client, episode = chart
    first = DiagnosisFactory(episode=episode, rank=1)
    second = DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=2)
    url = reverse("clients:diagnosis_edit", args=[first.uuid])
    page = signed_in(team.clinician).get(url)
    assert 'value="F33.1"' in page.content.decode()
    data = {"code": "F33.1", "status": "resolved", "onset_on": "", "resolved_on": "2026-03-01"}
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "resolved"
    assert first.resolved_on == datetime.date(2026, 3, 1)
    assert second.rank == 1
    event = AuditEvent.objects.get(action="diagnosis.updated")
    assert sorted(event.detail["fields"]) == ["resolved_on", "status"]


def test_editing_keeps_what_was_typed_when_the_code_is_unknown(team, chart):
    client, episode = chart
    dx = DiagnosisFactory(episode=episode)
    url = reverse("clients:diagnosis_edit", args=[dx.uuid])
    data = {"code": "Q99.99x", "status": "provisional", "onset_on": "2025-12-01"}
    response = signed_in(team.clinician).post(url, data)
    assert response.status_code == 200
    assert "No ICD-10-CM code" in str(response.context["form"].errors["code"])
    assert 'value="2025-12-01"' in response.content.decode()
    dx.refresh_from_db()
    assert dx.status == "active"


def test_moving_a_diagnosis_up_makes_it_primary(team, chart):
    client, episode = chart
    first = DiagnosisFactory(episode=episode, rank=1)
    second = DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=2)
    url = reverse("clients:diagnosis_move", args=[second.uuid])
    response = signed_in(team.clinician).post(url, {"direction": "up"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.rank, first.rank) == (1, 2)
    assert "diagnosis.reordered" in audit_actions(team.practice)


def test_htmx_gets_the_reordered_list_back(team, chart):
    client, episode = chart
    DiagnosisFactory(episode=episode, rank=1)
    second = DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=2)
    url = reverse("clients:diagnosis_move", args=[second.uuid])
    response = signed_in(team.clinician).post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="diagnosis-list">') or 'id="diagnosis-list"' in body
    assert "<html" not in body
    assert body.index("Z63.0") < body.index("F33.1")
    assert "Z63.0 is now number 1, the primary diagnosis." in body
    assert 'data-moved="up"' in body


def test_moving_the_first_up_or_the_last_down_changes_nothing(team, chart):
    client, episode = chart
    first = DiagnosisFactory(episode=episode, rank=1)
    last = DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=2)
    services.move_diagnosis(first, "up", membership=team.clinician)
    services.move_diagnosis(last, "down", membership=team.clinician)
    assert list(Diagnosis.objects.order_by("rank").values_list("pk", flat=True)) == [
        first.pk,
        last.pk,
    ]


def test_a_past_diagnosis_is_not_ranked(team, chart):
    client, episode = chart
    past = DiagnosisFactory(episode=episode, status="resolved")
    with pytest.raises(services.DiagnosisError):
        services.move_diagnosis(past, "up", membership=team.clinician)


def test_ranks_are_kept_per_episode(team, chart):
    client, episode = chart
    DiagnosisFactory(episode=episode, rank=1)
    old = EpisodeFactory(client=client, status="discharged", opened_on=datetime.date(2024, 1, 1))
    DiagnosisFactory(episode=old, code=icd("Z63.0"), rank=1)
    dx = services.add_diagnosis(
        client, membership=team.clinician, episode=episode, code=icd("F41.1")
    )
    assert dx.rank == 2


def test_reopening_a_resolved_diagnosis_puts_it_last(team, chart):
    client, episode = chart
    resolved = DiagnosisFactory(episode=episode, rank=1, status="resolved")
    DiagnosisFactory(episode=episode, code=icd("Z63.0"), rank=1)
    services.update_diagnosis(resolved, membership=team.clinician, status="active")
    resolved.refresh_from_db()
    assert resolved.rank == 2


# The code picker ----------------------------------------------------------------------------


def test_the_picker_suggests_codes_with_their_titles(team):
    icd("F33.1")
    response = signed_in(team.clinician).get(reverse("clients:icd_search"), {"q": "F33"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="option"' in body
    assert 'data-code="F33.1"' in body
    assert "Major depressive disorder, recurrent, moderate" in body
    assert "not billable — choose a more specific code" in body  # F33 itself
    assert "<html" not in body


def test_the_picker_takes_the_typed_field_value_as_well(team):
    icd("F33.1")
    response = signed_in(team.biller).get(reverse("clients:icd_search"), {"code": "f331"})
    assert 'data-code="F33.1"' in response.content.decode()


def test_the_picker_answers_nothing_for_an_empty_query(team):
    response = signed_in(team.clinician).get(reverse("clients:icd_search"), {"q": " "})
    assert response.status_code == 200
    assert 'role="option"' not in response.content.decode()


def test_the_form_is_an_accessible_combobox_with_the_code_set_version(team, chart):
    client, _ = chart
    page = signed_in(team.clinician).get(reverse("clients:diagnosis_add", args=[client.uuid]))
    body = page.content.decode()
    assert 'role="combobox"' in body
    assert 'aria-expanded="false"' in body
    assert 'aria-controls="id_code_listbox"' in body
    assert 'id="id_code_listbox" role="listbox"' in body
    assert reverse("clients:icd_search") in body
    assert "April 2026 code set" in body
    assert "National Center for Health Statistics" in body
    assert "DSM" not in body
