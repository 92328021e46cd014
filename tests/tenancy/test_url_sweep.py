"""The generated sweep: every URL pattern, as every role, and as a member of another practice.

Each view declares who may open it (`member_required(roles=...)`, `login_only` or
`public_view`, see tend.core.access). This test reads those declarations from the URL map, so a
new URL is covered the moment it is added, and fails for a view that declares nothing or for an
object id it does not know how to make.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tend.clients.models import CareTeamMember, Client, ClientPhone
from tend.practices.choices import CLINICAL, Role
from tend.practices.models import Membership, Practice
from tend.scheduling.models import (
    AvailabilityException,
    CalendarFeed,
    WaitlistEntry,
    WorkingHours,
)
from tests.conftest import signed_in
from tests.factories import (
    AppointmentTypeFactory,
    ClientFactory,
    ConsentFactory,
    ConsentTemplateFactory,
    DiagnosisFactory,
    DocumentFactory,
    EpisodeFactory,
    InsurancePolicyFactory,
    InvitationFactory,
    LocationFactory,
    MembershipFactory,
    PayerFactory,
    PriorAuthorizationFactory,
    RelatedPersonFactory,
    RoomFactory,
    appointment_for,
)


def _client(practice: Practice) -> Client:
    """A client on the care team of every clinician and supervisor of the practice, so each
    role's access is decided by its role, not by whose caseload the client is in."""
    client = ClientFactory(practice=practice)
    for membership in Membership.objects.filter(practice=practice, role__in=CLINICAL):
        CareTeamMember.objects.create(practice=practice, client=client, membership=membership)
    return client


def _clinician(practice: Practice) -> Membership:
    return Membership.objects.filter(practice=practice, role=Role.CLINICIAN).first() or (
        MembershipFactory(practice=practice)
    )


_booked = iter(range(1, 10_000))


def _appointment(practice: Practice) -> uuid.UUID:
    """A new appointment each call, each on its own day, so the clinician is never double booked."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    clinician = _clinician(practice)
    zone = ZoneInfo(practice.time_zone)
    day = dt.datetime.now(zone).date() + dt.timedelta(days=next(_booked))
    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=zone)
    return appointment_for(clinician, client=_client(practice), start=start).uuid


def _series(practice: Practice) -> uuid.UUID:
    import datetime as dt

    from tend.scheduling.series import book_series

    clinician = _clinician(practice)
    return book_series(
        membership=clinician,
        clinician=clinician,
        appointment_type=AppointmentTypeFactory(practice=practice),
        local_start=dt.datetime(2031, 3, 3, 10),
        minutes=50,
        rule="FREQ=WEEKLY;COUNT=3",
        clients=[_client(practice)],
    ).uuid


def _phone(practice: Practice) -> uuid.UUID:
    client = _client(practice)
    return ClientPhone.objects.create(practice=practice, client=client, number="5125550100").uuid


# How to make an object of a practice for each id a URL takes. A URL with an id that is not
# listed here fails the sweep until someone adds it.
OBJECT_MAKERS: dict[str, Callable[[Practice], uuid.UUID]] = {
    "location_id": lambda p: LocationFactory(practice=p).uuid,
    "room_id": lambda p: RoomFactory(location=LocationFactory(practice=p)).uuid,
    "membership_id": lambda p: MembershipFactory(practice=p).uuid,
    "invitation_id": lambda p: InvitationFactory(practice=p).uuid,
    "client_id": lambda p: _client(p).uuid,
    "episode_id": lambda p: EpisodeFactory(client=_client(p)).uuid,
    "diagnosis_id": lambda p: DiagnosisFactory(episode=EpisodeFactory(client=_client(p))).uuid,
    "payer_id": lambda p: PayerFactory(practice=p).uuid,
    "policy_id": lambda p: InsurancePolicyFactory(client=_client(p)).uuid,
    "authorization_id": lambda p: (
        PriorAuthorizationFactory(policy=InsurancePolicyFactory(client=_client(p))).uuid
    ),
    "template_id": lambda p: ConsentTemplateFactory(practice=p).uuid,
    "consent_id": lambda p: ConsentFactory(client=_client(p)).uuid,
    "document_id": lambda p: DocumentFactory(client=_client(p)).uuid,
    "contact_id": lambda p: RelatedPersonFactory(client=_client(p)).uuid,
    "phone_id": _phone,
    "appointment_id": _appointment,
    "type_id": lambda p: AppointmentTypeFactory(practice=p).uuid,
    "series_id": _series,
    "hours_id": lambda p: (
        WorkingHours.objects.create(
            practice=p, clinician=_clinician(p), weekday=0, starts="09:00", ends="17:00"
        ).uuid
    ),
    "exception_id": lambda p: (
        AvailabilityException.objects.create(
            practice=p, clinician=_clinician(p), date="2031-01-06"
        ).uuid
    ),
    "entry_id": lambda p: WaitlistEntry.objects.create(practice=p, client=_client(p)).uuid,
    "feed_id": lambda p: (
        CalendarFeed.objects.create(
            practice=p, clinician=_clinician(p), token_hash=uuid.uuid4().hex
        ).uuid
    ),
    "care_id": lambda p: (
        CareTeamMember.objects.create(
            practice=p, client=_client(p), membership=Membership.objects.filter(practice=p).first()
        ).uuid
    ),
}

# Views outside Django's own apps that are deliberately not part of the sweep.
IGNORED_MODULES = ("django.contrib.staticfiles", "django.views.static")


@dataclass
class Route:
    name: str
    view: Callable[..., Any]
    converters: dict[str, Any]

    @property
    def kind(self) -> str:
        if getattr(self.view, "tend_public", False):
            return "public"
        if getattr(self.view, "tend_login_only", False):
            return "login_only"
        if getattr(self.view, "tend_member_view", False):
            return "member"
        return "undeclared"

    @property
    def roles(self) -> frozenset[str]:
        declared = getattr(self.view, "tend_roles", None)
        return frozenset(Role.values) if declared is None else declared

    def object_kwargs(self) -> list[str]:
        return [
            name for name, conv in self.converters.items() if type(conv).__name__ == "UUIDConverter"
        ]

    def url(self, practice: Practice) -> str:
        kwargs: dict[str, Any] = {}
        for name, conv in self.converters.items():
            kind = type(conv).__name__
            if kind == "UUIDConverter":
                kwargs[name] = OBJECT_MAKERS[name](practice)
            elif kind == "IntConverter":
                kwargs[name] = 1
            else:
                kwargs[name] = "sweep-token"
        return reverse(self.name, kwargs=kwargs)


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            view = entry.callback
            module = getattr(view, "__module__", "")
            if module.startswith(IGNORED_MODULES):
                continue
            converters = getattr(entry.pattern, "converters", {})
            yield Route(f"{namespace}{entry.name}", view, dict(converters))


def _is_unnamed(route: Route) -> bool:
    return route.name.endswith("None") or route.name.endswith(":")


ROUTES = list(_walk(get_resolver().url_patterns))
MEMBER_ROUTES = [r for r in ROUTES if r.kind == "member"]
ids = [r.name for r in MEMBER_ROUTES]


def test_the_sweep_finds_the_practice_pages():
    assert len(MEMBER_ROUTES) >= 1
    assert "practices:today" in ids


def test_every_url_is_named_and_declares_who_may_open_it():
    problems = [
        f"{r.name}: {r.view.__module__}.{r.view.__name__}"
        for r in ROUTES
        if r.kind == "undeclared" or _is_unnamed(r)
    ]
    assert not problems, (
        "These views declare no access (use member_required, login_only or public_view "
        f"from tend.core.access) or have no URL name: {problems}"
    )


def test_every_object_id_in_a_url_can_be_made_for_the_sweep():
    unknown = {
        (r.name, name) for r in ROUTES for name in r.object_kwargs() if name not in OBJECT_MAKERS
    }
    assert not unknown, f"Add a maker to OBJECT_MAKERS for: {sorted(unknown)}"


@pytest.mark.parametrize("route", MEMBER_ROUTES, ids=ids)
def test_signed_out_people_are_sent_to_sign_in(route, team, client):
    for method in (client.get, client.post):
        response = method(route.url(team.practice))
        assert response.status_code == 302, route.name
        assert "/accounts/login/" in response["Location"], route.name


@pytest.mark.parametrize("route", MEMBER_ROUTES, ids=ids)
def test_each_role_gets_exactly_what_the_view_declares(route, team):
    for role in Role.values:
        client = signed_in(team.by_role(role))
        url = route.url(team.practice)
        response = client.get(url)
        if role in route.roles:
            assert response.status_code in (200, 302, 405), (route.name, role, response.status_code)
        else:
            assert response.status_code == 403, (route.name, role, response.status_code)
            assert client.post(url).status_code == 403, (route.name, role, "POST")


OBJECT_ROUTES = [r for r in MEMBER_ROUTES if r.object_kwargs()]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=[r.name for r in OBJECT_ROUTES])
def test_another_practices_objects_are_not_found(route, team):
    outsider_practice = team.outsider.practice
    # Members of the other practice holding every allowed role: no role check can be the reason.
    for role in sorted(route.roles):
        member = MembershipFactory(practice=outsider_practice, role=role)
        client = signed_in(member)
        url = route.url(team.practice)
        assert client.get(url).status_code == 404, (route.name, role, "GET")
        assert client.post(url).status_code == 404, (route.name, role, "POST")
