"""Demo clients for the demo practice: fictional people with realistic charts.

`build_demo_clients()` is called by `tend.practices.demo.build_demo_practice` inside its
transaction. It is seeded, so the same size and seed give the same clients (names, dates,
statuses, diagnoses, insurance, consents) on every run; only UUIDs and timestamps differ.
Dates are relative to today so the caseload's open items (expired consents, authorisations
running low) are real. Rows are written with bulk_create for speed (no history rows: the demo's
charts start with no edits).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tend.clients.choices import (
    CareRole,
    ClientStatus,
    ClientType,
    ConsentKind,
    ContactKind,
    DiagnosisStatus,
    DischargeReason,
    EpisodeStatus,
    GenderIdentity,
    PayerType,
    PhoneKind,
    PolicyPriority,
    Sex,
    SubscriberRelationship,
)
from tend.clients.models import (
    CareTeamMember,
    Client,
    ClientPhone,
    ClientStatusChange,
    Consent,
    ConsentTemplate,
    Diagnosis,
    Episode,
    IcdCode,
    InsurancePolicy,
    Payer,
    PriorAuthorization,
    RelatedPerson,
)
from tend.practices.choices import Role
from tend.practices.models import Location, Membership, Practice

# Clients per demo size: each clinician and supervisor carries a share.
CHILD = SubscriberRelationship.CHILD
CLIENTS = {"small": 40, "medium": 600, "large": 20_400}
BATCH = 1000

FIRST = [
    "Ada",
    "Ahmed",
    "Alina",
    "Amir",
    "Anya",
    "Arlo",
    "Aurelia",
    "Basil",
    "Bea",
    "Bodhi",
    "Calla",
    "Cassius",
    "Cora",
    "Cyrus",
    "Dahlia",
    "Dario",
    "Delphine",
    "Eamon",
    "Edie",
    "Elio",
    "Elowen",
    "Emrys",
    "Enzo",
    "Fern",
    "Fiona",
    "Gideon",
    "Greer",
    "Hollis",
    "Ines",
    "Ira",
    "Isla",
    "Jasper",
    "Joaquin",
    "Jude",
    "Kaia",
    "Kasimir",
    "Kit",
    "Laurel",
    "Leif",
    "Linnea",
    "Lior",
    "Lucia",
    "Mabel",
    "Marlow",
    "Milo",
    "Mira",
    "Nell",
    "Nico",
    "Odette",
    "Oren",
    "Orla",
    "Otto",
    "Pia",
    "Quill",
    "Rafferty",
    "Reza",
    "Rhea",
    "Rory",
    "Sabine",
    "Silas",
    "Sloane",
    "Tamsin",
    "Teo",
    "Thea",
    "Umber",
    "Vera",
    "Wren",
    "Xavi",
    "Yara",
    "Zeke",
    "Zinnia",
    "Alma",
    "Bram",
    "Cleo",
    "Dashiell",
    "Effie",
    "Flint",
    "Gemma",
    "Hart",
    "Ivo",
]
LAST = [
    "Abernathy",
    "Ashdown",
    "Balfour",
    "Birchwood",
    "Blackwell",
    "Calloway",
    "Carrow",
    "Cheswick",
    "Crane",
    "Darrow",
    "Dovecote",
    "Eastwick",
    "Ellsworth",
    "Fairweather",
    "Farrow",
    "Finchley",
    "Gladwell",
    "Goodfellow",
    "Hartwell",
    "Heathcote",
    "Holloway",
    "Ingleby",
    "Ivesdale",
    "Jessup",
    "Kettering",
    "Kingsley",
    "Lachance",
    "Lockwood",
    "Maplethorpe",
    "Merriweather",
    "Mossgrove",
    "Nettleton",
    "Norwood",
    "Oakhurst",
    "Ollerton",
    "Pennington",
    "Pickering",
    "Quarrington",
    "Ravenscroft",
    "Rookwood",
    "Saltmarsh",
    "Sedgewick",
    "Stillwater",
    "Tamworth",
    "Thistlewood",
    "Upton",
    "Vanderhoof",
    "Wainwright",
    "Westbrook",
    "Whitlock",
    "Winterbourne",
    "Yarrow",
    "Youngblood",
    "Zeller",
    "Brightmore",
    "Coldwell",
    "Duskin",
    "Emberton",
]
PRONOUNS = {Sex.FEMALE: "she/her", Sex.MALE: "he/him"}
LANGUAGES = ["English"] * 17 + ["Spanish", "Spanish", "Vietnamese", "Mandarin", "ASL"]
REFERRALS = [
    "Primary care physician",
    "Psychology Today",
    "Insurance directory",
    "Friend or family",
    "School counselor",
    "Employee assistance program",
    "Former client",
    "Hospital discharge",
    "",
]
STREETS = ["Birch Lane", "Oak Street", "River Road", "Hillcrest Drive", "Maple Court", "Park Row"]
RELATIONSHIPS = ["Spouse", "Partner", "Mother", "Father", "Sister", "Brother", "Friend"]
STATUS_WEIGHTS = [
    (ClientStatus.ACTIVE, 60),
    (ClientStatus.INTAKE, 8),
    (ClientStatus.WAITLIST, 5),
    (ClientStatus.INQUIRY, 4),
    (ClientStatus.INACTIVE, 10),
    (ClientStatus.DISCHARGED, 13),
]
# Common outpatient diagnoses; the first in each list is the usual primary.
DIAGNOSIS_SETS = [
    ["F32.1", "F41.1"],
    ["F33.1", "F41.1", "Z63.0"],
    ["F41.1", "F32.1"],
    ["F43.10", "F32.1"],
    ["F43.23", "Z63.0"],
    ["F90.0", "F41.1"],
    ["F43.22"],
    ["F41.0", "F33.1"],
    ["F42.2"],
    ["F33.0", "F43.10", "F10.10"],
    ["F34.1", "F41.1"],
    ["F43.21", "Z63.0"],
]
CODES = sorted({code for group in DIAGNOSIS_SETS for code in group})
CONCERNS = [
    "Low mood, poor sleep and withdrawal from friends over the last three months.",
    "Persistent worry about work and health; difficulty relaxing; tension headaches.",
    "Intrusive memories and avoidance since a car accident last year.",
    "Adjusting to a divorce; tearful, irritable, trouble concentrating at work.",
    "Panic attacks on public transport; now avoiding the commute.",
    "Conflict with partner about parenting; wants communication skills.",
    "Attention and organisation difficulties affecting school performance.",
    "Grief after the death of a parent; not sleeping, loss of appetite.",
    "Recurrent depression returning after stopping medication; seeks therapy alongside.",
    "Checking and reassurance-seeking taking hours each day.",
]
PAYERS = [
    ("Bluebonnet Health Plan", "BBH01", PayerType.COMMERCIAL),
    ("Cascade Mutual Insurance", "CSM22", PayerType.COMMERCIAL),
    ("Northstar Health Partners", "NSP40", PayerType.COMMERCIAL),
    ("Evergreen Benefit Plans", "EVB17", PayerType.COMMERCIAL),
    ("Harborlight Health", "HBL63", PayerType.COMMERCIAL),
    ("Medicare Part B (demo jurisdiction)", "MCR05", PayerType.MEDICARE),
    ("State Medicaid Managed Care (demo)", "MCD77", PayerType.MEDICAID),
]
TREATMENT_CONSENT = (
    "Informed consent to treatment",
    "This is a fictional demo consent form. It explains what therapy involves, its benefits and "
    "risks, confidentiality and its limits, how to reach your clinician, fees and cancellations, "
    "and your right to ask questions or stop at any time.",
)
TELEHEALTH_CONSENT = (
    "Telehealth consent",
    "This is a fictional demo consent form for sessions by secure video: privacy, technology "
    "problems, emergencies and where you are during a session.",
)


@dataclass(frozen=True)
class DemoClients:
    clients: int
    episodes: int
    diagnoses: int
    policies: int
    consents: int


def _weighted(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]


def _phone(rng: random.Random, area: str) -> str:
    # 555-0100..0199 are reserved for fiction.
    return f"({area}) 555-{rng.randrange(100, 200):04d}"


def _codes() -> dict[str, IcdCode]:
    found = IcdCode.objects.in_bulk(CODES, field_name="code")
    if len(found) < len(CODES):  # a flushed test database: reload the chapters we use
        from tend.clients.icd import load_codes

        load_codes(chapters=tuple(sorted({c[0] for c in CODES})))
        found = IcdCode.objects.in_bulk(CODES, field_name="code")
    return found


def _payers(practice: Practice, rng: random.Random) -> list[Payer]:
    payers = [
        Payer(
            practice=practice,
            name=name,
            payer_id=payer_id,
            payer_type=kind,
            address_line1=f"PO Box {rng.randrange(1000, 99999)}",
            city="Springfield",
            state="IL",
            postal_code=f"627{rng.randrange(10, 99)}",
            phone=_phone(rng, "800"),
        )
        for name, payer_id, kind in PAYERS
    ]
    Payer.objects.bulk_create(payers)
    return list(Payer.objects.for_practice(practice).order_by("payer_id"))


def build_demo_clients(
    practice: Practice, memberships: list[Membership], *, size: str, seed: int
) -> DemoClients:
    """Create the demo practice's clients and their charts; deterministic for (size, seed)."""
    rng = random.Random(f"{seed}:{size}:clients")
    today = timezone.localdate()
    owner = next(m for m in memberships if m.role == Role.OWNER)
    carers = [m for m in memberships if m.role in (Role.CLINICIAN, Role.SUPERVISOR)]
    offices = list(Location.objects.filter(practice=practice, is_telehealth=False).order_by("id"))
    codes = _codes()
    payers = _payers(practice, rng)
    treatment = ConsentTemplate.objects.create(
        practice=practice,
        kind=ConsentKind.TREATMENT,
        title=TREATMENT_CONSENT[0],
        body=TREATMENT_CONSENT[1],
        version="2",
        valid_for_days=365,
    )
    telehealth = ConsentTemplate.objects.create(
        practice=practice,
        kind=ConsentKind.TELEHEALTH,
        title=TELEHEALTH_CONSENT[0],
        body=TELEHEALTH_CONSENT[1],
        version="1",
    )

    total = CLIENTS[size]
    plan = []  # (client, primary clinician) in creation order
    used: set[tuple[str, str, datetime.date]] = set()
    for index in range(total):
        carer = carers[index % len(carers)]
        office = offices[rng.randrange(len(offices))]
        minor = rng.random() < 0.07
        age = rng.randrange(6, 18) if minor else rng.randrange(18, 82)
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            born = today - datetime.timedelta(days=age * 365 + rng.randrange(0, 365))
            if (first, last, born) not in used:
                used.add((first, last, born))
                break
        sex = rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.INTERSEX, Sex.NOT_SAID])
        gender = {
            Sex.FEMALE: GenderIdentity.WOMAN,
            Sex.MALE: GenderIdentity.MAN,
        }.get(sex, GenderIdentity.NON_BINARY)
        if rng.random() < 0.06:
            gender = rng.choice([GenderIdentity.TRANSGENDER_MAN, GenderIdentity.TRANSGENDER_WOMAN])
        status = _weighted(rng, STATUS_WEIGHTS)
        changed = today - datetime.timedelta(days=rng.randrange(3, 700))
        client = Client(
            practice=practice,
            legal_first_name=first,
            legal_last_name=last,
            legal_middle_name=rng.choice(FIRST) if rng.random() < 0.3 else "",
            preferred_name=rng.choice(FIRST) if rng.random() < 0.1 else "",
            pronouns=PRONOUNS.get(sex, "they/them"),
            date_of_birth=born,
            sex=sex,
            gender_identity=gender,
            email="" if minor else f"{first}.{last}{index}@mail.example".lower(),
            address_line1=f"{rng.randrange(10, 9999)} {rng.choice(STREETS)}",
            city=office.city,
            state=office.state,
            postal_code=f"{rng.randrange(10000, 99999)}",
            time_zone=office.time_zone,
            preferred_language=rng.choice(LANGUAGES),
            may_email=rng.random() < 0.8,
            may_text=rng.random() < 0.6,
            may_leave_voicemail=rng.random() < 0.7,
            referral_source=rng.choice(REFERRALS),
            client_type=ClientType.MINOR if minor else ClientType.ADULT,
            status=status,
            status_changed_on=changed,
            # A couple of staff-member or public-figure charts, restricted.
            is_restricted=index in (7, total // 2 + 3),
        )
        client.needs_interpreter = client.preferred_language not in ("English", "ASL")
        plan.append((client, carer, minor, changed))
    Client.objects.bulk_create([p[0] for p in plan], batch_size=BATCH)  # sets each pk

    team, phones, people, changes = [], [], [], []
    episodes: list[tuple[Episode, Client, Membership]] = []
    for client, carer, minor, changed in plan:
        area = f"{rng.randrange(2, 10)}{rng.randrange(10, 99)}"
        started = changed - datetime.timedelta(days=rng.randrange(0, 400))
        team.append(
            CareTeamMember(
                practice=practice,
                client=client,
                membership=carer,
                role=CareRole.PRIMARY,
                started_on=started,
            )
        )
        if rng.random() < 0.04:
            other = carers[(carers.index(carer) + 1) % len(carers)]
            if other != carer:
                team.append(
                    CareTeamMember(
                        practice=practice,
                        client=client,
                        membership=other,
                        role=CareRole.SECONDARY,
                        started_on=started,
                    )
                )
        phones.append(
            ClientPhone(
                practice=practice,
                client=client,
                number=_phone(rng, area),
                kind=PhoneKind.MOBILE,
                is_primary=True,
            )
        )
        if rng.random() < 0.25:
            phones.append(
                ClientPhone(
                    practice=practice, client=client, number=_phone(rng, area), kind=PhoneKind.HOME
                )
            )
        if minor:
            people.append(
                RelatedPerson(
                    practice=practice,
                    client=client,
                    kind=ContactKind.GUARDIAN,
                    name=f"{rng.choice(FIRST)} {client.legal_last_name}",
                    relationship=rng.choice(["Mother", "Father", "Grandmother", "Aunt"]),
                    phone=_phone(rng, area),
                    is_legal_guardian=True,
                )
            )
        if rng.random() < 0.75:
            people.append(
                RelatedPerson(
                    practice=practice,
                    client=client,
                    kind=ContactKind.EMERGENCY,
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    relationship=rng.choice(RELATIONSHIPS),
                    phone=_phone(rng, area),
                )
            )
        changes.append(
            ClientStatusChange(
                practice=practice,
                client=client,
                to_status=client.status,
                changed_on=changed,
                reason="Demo data",
                changed_by=owner,
            )
        )
        episode = _episode(practice, client, carer, changed, rng)
        if episode is not None:
            episodes.append((episode, client, carer))
    CareTeamMember.objects.bulk_create(team, batch_size=BATCH)
    ClientPhone.objects.bulk_create(phones, batch_size=BATCH)
    RelatedPerson.objects.bulk_create(people, batch_size=BATCH)
    ClientStatusChange.objects.bulk_create(changes, batch_size=BATCH)
    Episode.objects.bulk_create([e[0] for e in episodes], batch_size=BATCH)

    diagnoses = []
    for episode, client, carer in episodes:
        group = DIAGNOSIS_SETS[rng.randrange(len(DIAGNOSIS_SETS))]
        for rank, code in enumerate(group[: rng.randint(1, 3)], start=1):
            diagnoses.append(
                Diagnosis(
                    practice=practice,
                    client=client,
                    episode=episode,
                    code=codes[code],
                    rank=rank,
                    status=DiagnosisStatus.ACTIVE
                    if episode.status != EpisodeStatus.DISCHARGED
                    else DiagnosisStatus.RESOLVED,
                    onset_on=episode.opened_on,
                    resolved_on=episode.discharged_on,
                    added_by=carer,
                )
            )
    Diagnosis.objects.bulk_create(diagnoses, batch_size=BATCH)

    policies, consents = _insurance_and_consents(
        practice, plan, payers, treatment, telehealth, owner, today, rng
    )
    return DemoClients(
        clients=len(plan),
        episodes=len(episodes),
        diagnoses=len(diagnoses),
        policies=policies,
        consents=consents,
    )


def _episode(
    practice: Practice,
    client: Client,
    carer: Membership,
    changed: datetime.date,
    rng: random.Random,
) -> Episode | None:
    status = client.status
    if status in (ClientStatus.INQUIRY, ClientStatus.WAITLIST, ClientStatus.INACTIVE):
        return None
    opened = changed - datetime.timedelta(days=rng.randrange(0, 60))
    episode = Episode(
        practice=practice,
        client=client,
        clinician=carer,
        opened_on=opened,
        presenting_concerns=rng.choice(CONCERNS),
        referred_by=client.referral_source,
    )
    if status == ClientStatus.INTAKE:
        episode.status = EpisodeStatus.INTAKE
    elif status == ClientStatus.ACTIVE:
        episode.status = EpisodeStatus.ACTIVE
        episode.activated_on = opened + datetime.timedelta(days=rng.randrange(1, 21))
    else:
        episode.status = EpisodeStatus.DISCHARGED
        episode.activated_on = opened
        episode.discharged_on = changed
        episode.discharge_reason = rng.choice(list(DischargeReason.values))
        episode.discharge_summary = "Demo discharge summary: goals reviewed with the client."
        episode.opened_on = changed - datetime.timedelta(days=rng.randrange(60, 400))
        episode.activated_on = episode.opened_on + datetime.timedelta(days=7)
    return episode


def _insurance_and_consents(
    practice: Practice,
    plan: list,
    payers: list[Payer],
    treatment: ConsentTemplate,
    telehealth: ConsentTemplate,
    owner: Membership,
    today: datetime.date,
    rng: random.Random,
) -> tuple[int, int]:
    commercial = [p for p in payers if p.payer_type == PayerType.COMMERCIAL]
    medicare = next(p for p in payers if p.payer_type == PayerType.MEDICARE)
    medicaid = next(p for p in payers if p.payer_type == PayerType.MEDICAID)
    policies: list[InsurancePolicy] = []
    consents: list[Consent] = []
    for client, _carer, minor, _changed in plan:
        age = client.age_on(today) or 0
        if rng.random() < 0.7:
            if age >= 65:
                payer = medicare
            elif rng.random() < 0.18:
                payer = medicaid
            else:
                payer = commercial[rng.randrange(len(commercial))]
            parent = minor or (age < 26 and rng.random() < 0.3)
            policy = InsurancePolicy(
                practice=practice,
                client=client,
                payer=payer,
                member_id=f"{payer.payer_id[:2]}{rng.randrange(10**8, 10**9)}",
                group_number="" if payer != commercial[0] else f"G{rng.randrange(1000, 9999)}",
                plan_name=f"{payer.name.split()[0]} Choice PPO"
                if payer.payer_type == PayerType.COMMERCIAL
                else "",
                relationship=SubscriberRelationship.CHILD
                if parent
                else SubscriberRelationship.SELF,
                subscriber_first_name=rng.choice(FIRST) if parent else client.legal_first_name,
                subscriber_last_name=client.legal_last_name,
                subscriber_date_of_birth=(
                    client.date_of_birth - datetime.timedelta(days=rng.randrange(20, 40) * 365)
                    if parent
                    else client.date_of_birth
                ),
                copay=Decimal(rng.choice([0, 20, 25, 30, 40]))
                if payer.payer_type == PayerType.COMMERCIAL
                else None,
                effective_on=today.replace(month=1, day=1)
                - datetime.timedelta(days=365 * rng.randrange(0, 3)),
            )
            policies.append(policy)
            if rng.random() < 0.06 and payer.payer_type == PayerType.COMMERCIAL:
                policies.append(
                    InsurancePolicy(
                        practice=practice,
                        client=client,
                        payer=medicaid,
                        priority=PolicyPriority.SECONDARY,
                        member_id=f"MD{rng.randrange(10**8, 10**9)}",
                        effective_on=policy.effective_on,
                    )
                )
        if client.status == ClientStatus.INQUIRY or rng.random() < 0.12:
            continue  # no consent yet: the caseload shows it missing
        signed = today - datetime.timedelta(days=rng.randrange(5, 450))
        signer = f"{client.legal_first_name} {client.legal_last_name}"
        if minor:
            signer = f"{rng.choice(FIRST)} {client.legal_last_name} (guardian)"
        consents.append(
            Consent(
                practice=practice,
                client=client,
                template=treatment,
                kind=ConsentKind.TREATMENT,
                version=treatment.version,
                signed_on=signed,
                signed_by=signer,
                expires_on=signed + datetime.timedelta(days=treatment.valid_for_days or 365),
                recorded_by=owner,
            )
        )
        if rng.random() < 0.4:
            consents.append(
                Consent(
                    practice=practice,
                    client=client,
                    template=telehealth,
                    kind=ConsentKind.TELEHEALTH,
                    version=telehealth.version,
                    signed_on=signed,
                    signed_by=signer,
                    recorded_by=owner,
                )
            )
    InsurancePolicy.objects.bulk_create(policies, batch_size=BATCH)
    authorizations = []
    for policy in policies:
        if policy.priority != PolicyPriority.PRIMARY or rng.random() > 0.15:
            continue
        starts = today - datetime.timedelta(days=rng.randrange(10, 150))
        authorized = rng.choice([6, 10, 12, 20])
        authorizations.append(
            PriorAuthorization(
                practice=practice,
                policy=policy,
                number=f"PA{rng.randrange(10**7, 10**8)}",
                service_codes="90834, 90837",
                visits_authorized=authorized,
                visits_used=rng.randrange(0, authorized + 1),
                starts_on=starts,
                ends_on=starts + datetime.timedelta(days=rng.choice([90, 180, 365])),
            )
        )
    PriorAuthorization.objects.bulk_create(authorizations, batch_size=BATCH)
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    return len(policies), len(consents)
