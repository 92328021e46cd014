"""Small factories for building test data by hand."""

from __future__ import annotations

import factory

from tend.accounts.models import User
from tend.practices.choices import Role
from tend.practices.models import ClinicianProfile, Invitation, Location, Membership, Practice, Room

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n} Example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n} Counseling")
    time_zone = "America/Chicago"
    require_mfa = False


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    practice = factory.SubFactory(PracticeFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CLINICIAN


class ClinicianProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicianProfile

    membership = factory.SubFactory(MembershipFactory)
    practice = factory.SelfAttribute("membership.practice")
    credentials = "LPC"
    npi = "1234567893"
    taxonomy = "101YP2500X"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    city = "Austin"
    state = "TX"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    practice = factory.SelfAttribute("location.practice")
    name = factory.Sequence(lambda n: f"Room {n}")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.CLINICIAN
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    expires_at = factory.LazyFunction(
        lambda: (
            __import__("django.utils.timezone").utils.timezone.now()
            + __import__("datetime").timedelta(days=7)
        )
    )


# Clients -------------------------------------------------------------------------------------

import datetime  # noqa: E402

from tend.clients.models import (  # noqa: E402
    CareTeamMember,
    Client,
    Consent,
    ConsentTemplate,
    Diagnosis,
    Document,
    Episode,
    IcdCode,
    InsurancePolicy,
    Payer,
    PriorAuthorization,
    RelatedPerson,
)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    legal_first_name = factory.Sequence(lambda n: f"Robin{n}")
    legal_last_name = factory.Sequence(lambda n: f"Client{n}")
    date_of_birth = datetime.date(1988, 4, 12)
    email = factory.Sequence(lambda n: f"client{n}@example.net")
    status = "active"


def client_of(membership, **kwargs) -> Client:
    """A client in the member's caseload (on their care team as primary clinician)."""
    client = ClientFactory(practice=membership.practice, **kwargs)
    CareTeamMember.objects.create(
        practice=membership.practice, client=client, membership=membership
    )
    return client


class CareTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    membership = factory.SubFactory(
        MembershipFactory, practice=factory.SelfAttribute("..client.practice")
    )


class RelatedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedPerson

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    kind = "emergency"
    name = "Sam Contact"
    relationship = "Sibling"
    phone = "(512) 555-0199"


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    status = "active"
    opened_on = datetime.date(2026, 1, 5)
    presenting_concerns = "Low mood and poor sleep since a job loss."


def icd(code: str) -> IcdCode:
    """An ICD-10-CM code from the reference table (loaded by migration, or reloaded here)."""
    found = IcdCode.objects.filter(code=code).first()
    if found is None:
        from tend.clients.icd import load_codes

        load_codes(chapters=(code[0],))
        found = IcdCode.objects.get(code=code)
    return found


class DiagnosisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnosis

    episode = factory.SubFactory(EpisodeFactory)
    client = factory.SelfAttribute("episode.client")
    practice = factory.SelfAttribute("episode.practice")
    code = factory.LazyFunction(lambda: icd("F33.1"))
    rank = 1


class PayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payer

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Example Health Plan {n}")
    payer_id = factory.Sequence(lambda n: f"EHP{n:04d}")


class InsurancePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePolicy

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    payer = factory.SubFactory(PayerFactory, practice=factory.SelfAttribute("..practice"))
    member_id = factory.Sequence(lambda n: f"MEM{n:06d}")
    effective_on = datetime.date(2026, 1, 1)


class PriorAuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorAuthorization

    policy = factory.SubFactory(InsurancePolicyFactory)
    practice = factory.SelfAttribute("policy.practice")
    number = factory.Sequence(lambda n: f"AUTH{n:05d}")
    visits_authorized = 12
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)


class ConsentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentTemplate

    practice = factory.SubFactory(PracticeFactory)
    kind = "treatment"
    title = factory.Sequence(lambda n: f"Consent to treatment {n}")
    body = "You agree to take part in counseling with this practice."


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    kind = "treatment"
    signed_on = datetime.date(2026, 1, 5)
    signed_by = "Client"


class DocumentFactory(factory.django.DjangoModelFactory):
    """Metadata only; use the documents service to store real (encrypted) bytes."""

    class Meta:
        model = Document

    client = factory.SubFactory(ClientFactory)
    practice = factory.SelfAttribute("client.practice")
    title = "Referral letter"
    original_filename = "referral.pdf"
    content_type = "application/pdf"
    size = 10
    sha256 = "0" * 64
    storage_name = factory.Sequence(lambda n: f"sweep-{n:08d}")


# Scheduling ----------------------------------------------------------------------------------

from tend.scheduling.models import Appointment, AppointmentType  # noqa: E402


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Individual session {n}")
    kind = "individual"
    default_minutes = 50
    service_code = "90834"


def appointment_for(
    clinician, *, client=None, start=None, minutes=50, appointment_type=None, **kwargs
) -> Appointment:
    """An appointment booked through the service (claims, reminders and audit included).

    `start` defaults to tomorrow 10:00 in the practice's zone; the client defaults to a new
    client in the clinician's caseload."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tend.scheduling.services import book_appointment

    practice = clinician.practice
    if start is None:
        zone = ZoneInfo(practice.time_zone)
        tomorrow = dt.datetime.now(zone).date() + dt.timedelta(days=1)
        start = dt.datetime.combine(tomorrow, dt.time(10, 0), tzinfo=zone)
    appointment_type = appointment_type or AppointmentTypeFactory(practice=practice)
    clients = kwargs.pop("clients", None)
    if clients is None:
        clients = [client or client_of(clinician)]
    return book_appointment(
        membership=kwargs.pop("membership", clinician),
        clinician=clinician,
        appointment_type=appointment_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        clients=clients,
        **kwargs,
    )
