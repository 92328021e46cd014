"""The practice's audit log page and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tend.core import audit
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import LocationFactory

LOG = reverse("core:audit_log")
EXPORT = reverse("core:audit_export")
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def at(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def event(action, practice, *, when=None, actor=None, obj=None, ip=None, object_id=""):
    request = RequestFactory().get("/", REMOTE_ADDR=ip or "192.0.2.10")
    request.user = actor
    request.practice = practice
    with time_machine.travel(when or at(2026, 3, 2), tick=False):
        return audit.record(action, request=request, actor=actor, obj=obj, object_id=object_id)


def csv_rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
class TestAuditLogPage:
    def test_an_owner_sees_the_practice_events_newest_first_in_plain_words(self, team):
        event("auth.signin", team.practice, when=at(2026, 3, 1, 9), actor=team.clinician.user)
        event("phi.export", team.practice, when=at(2026, 3, 2, 9), actor=team.biller.user)
        response = signed_in(team.owner).get(LOG)
        assert response.status_code == 200
        assert [e.action for e in response.context["page"]] == ["phi.export", "auth.signin"]
        html = response.content.decode().split("<tbody>")[1]
        assert html.index("Exported records") < html.index("Signed in")
        assert team.clinician.user.full_name in html
        assert "Mar 1, 2026, 09:00:00" in html  # the practice's time, not UTC (15:00)
        assert "192.0.2.10" in html

    def test_an_action_without_plain_words_is_shown_as_its_code(self, team):
        event("billing.claim_frobbed", team.practice, object_id="abc")
        html = signed_in(team.owner).get(LOG).content.decode().split("<tbody>")[1]
        assert "billing.claim_frobbed" in html

    def test_a_practice_with_nothing_matching_says_so(self, team):
        response = signed_in(team.owner).get(LOG, {"object_id": "nothing-here"})
        assert "No events match these filters." in response.content.decode()

    def test_an_admin_may_read_it_too(self, team):
        assert signed_in(team.admin).get(LOG).status_code == 200

    @pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
    def test_other_roles_are_refused_and_the_refusal_is_recorded(self, team, role):
        assert signed_in(team.by_role(role)).get(LOG).status_code == 403
        assert signed_in(team.by_role(role)).get(EXPORT).status_code == 403
        refused = AuditEvent.objects.filter(action="permission.denied", practice=team.practice)
        assert refused.count() == 2

    def test_the_owner_of_another_practice_sees_none_of_these_events(self, team):
        event("auth.signin", team.practice, actor=team.clinician.user, object_id="secret-id")
        team.outsider.role = "owner"
        team.outsider.save()
        html = signed_in(team.outsider).get(LOG).content.decode()
        assert "secret-id" not in html
        assert team.clinician.user.full_name not in html

    def test_it_refuses_to_be_posted_to(self, team):
        assert signed_in(team.owner).post(LOG).status_code == 405

    def test_it_shows_50_events_a_page_and_keeps_the_filters_in_page_links(self, team):
        for n in range(60):
            event("auth.signin", team.practice, when=at(2026, 3, 2) + dt.timedelta(minutes=n))
        client = signed_in(team.owner)
        first = client.get(LOG, {"action": "auth.signin"})
        assert len(first.context["page"].object_list) == 50
        assert "?action=auth.signin&amp;page=2" in first.content.decode()
        second = client.get(LOG, {"action": "auth.signin", "page": 2})
        assert len(second.context["page"].object_list) == 10

    def test_its_query_count_does_not_grow_with_the_page(self, team):
        client = signed_in(team.owner)
        event("auth.signin", team.practice, actor=team.clinician.user)
        client.get(LOG)  # warm the session
        with CaptureQueriesContext(connection) as one:
            client.get(LOG)
        users = [team.by_role(r).user for r in ("admin", "clinician", "biller", "front_desk")]
        for n in range(60):
            event("auth.signin", team.practice, actor=users[n % 4], object_id=f"obj-{n}")
        with CaptureQueriesContext(connection) as full_page:
            response = client.get(LOG)
        assert len(response.context["page"].object_list) == 50
        assert len(full_page.captured_queries) == len(one.captured_queries)


@pytest.mark.django_db
class TestAuditLogFilters:
    @pytest.fixture
    def events(self, team):
        location = LocationFactory(practice=team.practice)
        return {
            "clinician_in": event(
                "auth.signin", team.practice, when=at(2026, 3, 1, 23, 30), actor=team.clinician.user
            ),
            "biller_read": event(
                "phi.read",
                team.practice,
                when=at(2026, 3, 2, 0, 30),
                actor=team.biller.user,
                obj=location,
            ),
            "biller_in": event(
                "auth.signin", team.practice, when=at(2026, 3, 3, 8), actor=team.biller.user
            ),
        }

    def shown(self, team, **filters):
        response = signed_in(team.owner).get(LOG, filters)
        assert response.status_code == 200
        return {e.pk for e in response.context["page"].object_list}

    def test_by_person(self, team, events):
        shown = self.shown(team, person=team.biller.uuid)
        assert shown == {events["biller_read"].pk, events["biller_in"].pk}

    def test_by_action_offers_only_actions_that_happened_here(self, team, events):
        assert self.shown(team, action="phi.read") == {events["biller_read"].pk}
        form = signed_in(team.owner).get(LOG).context["form"]
        codes = [code for code, _ in form.fields["action"].choices]
        assert codes == ["", "auth.signin", "phi.read"]

    def test_by_dates_in_the_practice_time_zone(self, team, events):
        # 23:30 Chicago on March 1 is already March 2 in UTC; it still counts as March 1.
        assert self.shown(team, date_from="2026-03-01", date_to="2026-03-01") == {
            events["clinician_in"].pk
        }
        assert self.shown(team, date_from="2026-03-02") == {
            events["biller_read"].pk,
            events["biller_in"].pk,
        }

    def test_by_record_id(self, team, events):
        object_id = events["biller_read"].object_id
        assert self.shown(team, object_id=object_id) == {events["biller_read"].pk}
        html = signed_in(team.owner).get(LOG, {"object_id": object_id}).content.decode()
        assert f'Location <span class="mono">{object_id}</span>' in html

    def test_a_date_range_backwards_is_explained_next_to_the_field(self, team, events):
        response = signed_in(team.owner).get(
            LOG, {"date_from": "2026-03-03", "date_to": "2026-03-01"}
        )
        assert response.status_code == 200
        assert "on or after the From date" in response.content.decode()
        assert response.context["form"]["date_from"].value() == "2026-03-03"
        assert list(response.context["page"].object_list) == []

    def test_a_person_from_another_practice_is_not_a_choice(self, team, events):
        response = signed_in(team.owner).get(LOG, {"person": team.outsider.uuid})
        assert "person" in response.context["form"].errors
        choices = [str(value) for value, _ in response.context["form"].fields["person"].choices]
        assert str(team.outsider.uuid) not in choices


@pytest.mark.django_db
class TestAuditExport:
    def test_it_streams_the_filtered_events_as_csv_and_records_the_export(self, team):
        event("auth.signin", team.practice, when=at(2026, 3, 1, 9), actor=team.clinician.user)
        event("phi.read", team.practice, when=at(2026, 3, 2, 9), actor=team.biller.user)
        response = signed_in(team.owner).get(EXPORT, {"action": "auth.signin"})
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment;" in response["Content-Disposition"]
        header, *rows = csv_rows(response)
        assert header[:5] == ["time", "time zone", "person", "email", "action"]
        assert len(rows) == 1
        assert rows[0][:5] == [
            "2026-03-01T09:00:00-06:00",
            "America/Chicago",
            team.clinician.user.full_name,
            team.clinician.user.email,
            "Signed in",
        ]
        export = AuditEvent.objects.get(action="phi.export")
        assert (export.practice_id, export.actor_id) == (team.practice.pk, team.owner.user_id)
        assert export.detail == {"what": "audit_log", "count": 1}

    def test_the_export_does_not_contain_itself(self, team):
        event("auth.signin", team.practice)
        rows = csv_rows(signed_in(team.owner).get(EXPORT))[1:]
        assert [row[5] for row in rows] == ["auth.signin"]

    def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(self, team):
        request = RequestFactory().get("/", HTTP_USER_AGENT="=HYPERLINK(1)")
        request.user, request.practice = team.clinician.user, team.practice
        audit.record("auth.signin", request=request)
        [row] = csv_rows(signed_in(team.owner).get(EXPORT))[1:]
        assert row[9] == "'=HYPERLINK(1)"

    def test_bad_filters_send_the_owner_back_to_the_log(self, team):
        response = signed_in(team.owner).get(EXPORT, {"date_from": "not a date"})
        assert response.status_code == 302
        assert response["Location"].startswith(LOG)
        assert not AuditEvent.objects.filter(action="phi.export").exists()


@pytest.mark.django_db
def test_reads_of_phi_are_recorded_with_the_record_and_what_was_shown(team):
    location = LocationFactory(practice=team.practice)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user, request.practice = team.clinician.user, team.practice
    read = audit.audit_read(request, location, what="address")
    assert (read.action, read.object_type, read.object_id) == (
        "phi.read",
        "practices.location",
        str(location.uuid),
    )
    assert (read.actor_id, read.practice_id, read.ip_address) == (
        team.clinician.user_id,
        team.practice.pk,
        "198.51.100.7",
    )
    assert read.detail == {"what": "address"}
    export = audit.audit_export(request, what="clients", count=12)
    assert (export.action, export.detail) == ("phi.export", {"what": "clients", "count": 12})
