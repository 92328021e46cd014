"""/healthz: anyone may ask; it says whether the database and task queue are reachable."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.factories import ClinicianProfileFactory, UserFactory

RQ = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
DB = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
@override_settings(TASKS=DB)
def test_healthz_answers_ok_without_signing_in():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "tasks": {"backend": "database", "status": "ok"},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(TASKS=RQ, RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:6379/0"}})
def test_healthz_reports_a_reachable_redis_queue():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["tasks"] == {"backend": "redis", "status": "ok"}


@pytest.mark.django_db
@override_settings(TASKS=RQ, RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:1/0"}})
def test_healthz_is_503_when_the_queue_is_unreachable():
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["tasks"] == {"backend": "redis", "status": "unreachable"}


@pytest.mark.django_db
def test_healthz_shows_no_people_or_practice_data():
    user = UserFactory(email="someone.private@example.org", full_name="Private Person")
    profile = ClinicianProfileFactory(membership__user=user)
    text = Client().get("/healthz").content.decode()
    for secret in [user.email, user.full_name, profile.practice.name, profile.npi, "Person"]:
        assert secret not in text
    assert set(Client().get("/healthz").json()) == {"status", "database", "tasks"}


@pytest.mark.django_db
def test_healthz_is_the_same_for_a_signed_in_person():
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/healthz").status_code == 200
