"""A demo practice with fictional people, built deterministically from a seed.

`build_demo_practice(size)` makes the same practice every time for the same size and seed:
the same names, emails, roles, NPIs, locations and rooms (only UUIDs and timestamps differ).
Every person is invented; NPIs pass the check digit but are not real registrations.
Later issues extend the demo with their own data by adding steps after `build_demo_practice`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tend.accounts.models import User
from tend.core import audit
from tend.lib.npi import npi_check_digit
from tend.practices.choices import Role
from tend.practices.models import ClinicianProfile, Location, Membership, Practice, Room

DEMO_PASSWORD = "tend-demo-garden-path"
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DemoSize:
    practice_name: str
    domain: str
    clinicians: int
    supervisors: int
    admins: int
    billers: int
    front_desk: int
    locations: int
    rooms_per_location: int


SIZES = {
    "small": DemoSize("Willow Creek Counseling", "willowcreek.example", 3, 1, 0, 1, 1, 2, 3),
    "medium": DemoSize("Riverbend Behavioral Health", "riverbend.example", 20, 3, 1, 2, 3, 3, 5),
    "large": DemoSize("Summit Collaborative Care", "summitcare.example", 200, 20, 3, 8, 15, 8, 8),
}

FIRST_NAMES = [
    "Avery",
    "Jordan",
    "Priya",
    "Mateo",
    "Hannah",
    "Malik",
    "Sofia",
    "Elliot",
    "Noor",
    "Grace",
    "Theo",
    "Imani",
    "Lucas",
    "Mei",
    "Tobias",
    "Rosa",
    "Dev",
    "Clara",
    "Yusuf",
    "Nadia",
    "Felix",
    "Amara",
    "Rowan",
    "Lena",
    "Omar",
    "Ingrid",
    "Santiago",
    "Keiko",
    "Declan",
    "Zara",
    "Julian",
    "Freya",
    "Kofi",
    "Beatriz",
    "Ezra",
    "Anika",
    "Micah",
    "Leila",
    "Soren",
    "Talia",
    "Ravi",
    "Camille",
    "Hugo",
    "Esme",
    "Dante",
    "Maren",
    "Idris",
    "Paloma",
    "Niko",
    "Juniper",
]
LAST_NAMES = [
    "Alder",
    "Brightwater",
    "Castellan",
    "Dunmore",
    "Everhart",
    "Fairbanks",
    "Greenleaf",
    "Hollis",
    "Ibarra",
    "Jansen",
    "Kowalczyk",
    "Lindqvist",
    "Marchetti",
    "Nakamura",
    "Okafor",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Sandoval",
    "Thornbury",
    "Underhill",
    "Valdivia",
    "Whitcombe",
    "Xiong",
    "Yardley",
    "Zielinski",
    "Ashgrove",
    "Bellweather",
    "Corrigan",
    "Delacroix",
    "Emberly",
    "Fenwick",
    "Galloway",
    "Hawthorne",
    "Iverson",
    "Kittredge",
    "Larkspur",
    "Mistral",
    "Northcott",
    "Oyelaran",
]
# (credentials, NUCC taxonomy from DOMAIN.md 1.8)
CLINICAL_CREDENTIALS = [
    ("LPC", "101YP2500X"),
    ("LMHC", "101YM0800X"),
    ("LCSW", "1041C0700X"),
    ("LMFT", "106H00000X"),
    ("PsyD", "103TC0700X"),
    ("PhD", "103TC2200X"),
    ("LCADC", "101YA0400X"),
    ("PMHNP-BC", "363LP0808X"),
]
STATES = ["TX", "CO", "OR", "NC", "MN", "IL", "NY", "VA"]
TIME_ZONES = {
    "TX": "America/Chicago",
    "CO": "America/Denver",
    "OR": "America/Los_Angeles",
    "NC": "America/New_York",
    "MN": "America/Chicago",
    "IL": "America/Chicago",
    "NY": "America/New_York",
    "VA": "America/New_York",
}
CITIES = {
    "TX": "Austin",
    "CO": "Boulder",
    "OR": "Eugene",
    "NC": "Asheville",
    "MN": "Duluth",
    "IL": "Evanston",
    "NY": "Ithaca",
    "VA": "Charlottesville",
}
STREETS = ["Juniper Lane", "Mill Street", "Cedar Avenue", "Harbor Road", "Orchard Way", "Elm Row"]
ROOM_NAMES = [
    "Aspen",
    "Birch",
    "Cedar",
    "Dogwood",
    "Elm",
    "Fir",
    "Ginkgo",
    "Hazel",
    "Ivy",
    "Juniper",
    "Kapok",
    "Linden",
]


@dataclass
class DemoResult:
    practice: Practice
    owner: Membership
    password: str
    members: list[Membership] = field(default_factory=list)


def demo_npi(rng: random.Random) -> str:
    """A fictional type 1 NPI that passes the check digit."""
    first_nine = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
    return first_nine + str(npi_check_digit(first_nine))


class _People:
    """Unique fictional names and emails at the practice's (reserved .example) domain."""

    def __init__(self, rng: random.Random, domain: str) -> None:
        self.rng = rng
        self.domain = domain
        self.used: set[str] = set()

    def next(self, role_hint: str | None = None) -> tuple[str, str]:
        while True:
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            if f"{first} {last}" not in self.used:
                break
        self.used.add(f"{first} {last}")
        local = role_hint or f"{first}.{last}".lower()
        return f"{first} {last}", f"{local}@{self.domain}"


def build_demo_practice(size: str = "small", seed: int = DEFAULT_SEED) -> DemoResult:
    """Create the demo practice for `size` in one transaction and return it with its owner."""
    spec = SIZES[size]
    rng = random.Random(f"{seed}:{size}")
    people = _People(rng, spec.domain)
    password_hash = make_password(DEMO_PASSWORD)  # Argon2, hashed once for every demo person

    with transaction.atomic():
        practice = Practice.objects.create(
            name=spec.practice_name,
            time_zone=TIME_ZONES[STATES[0]],
            require_mfa=False,
            is_demo=True,
        )
        locations = _build_locations(practice, spec, rng)

        # (role, sees_clients, role-named email) in the order people are created.
        plan: list[tuple[str, bool, str | None]] = [(Role.OWNER, True, "owner")]
        plan += [(Role.ADMIN, False, "admin" if i == 0 else None) for i in range(spec.admins)]
        plan += [
            (Role.SUPERVISOR, False, "supervisor" if i == 0 else None)
            for i in range(spec.supervisors)
        ]
        plan += [
            (Role.CLINICIAN, False, "clinician" if i == 0 else None) for i in range(spec.clinicians)
        ]
        plan += [(Role.BILLER, False, "biller" if i == 0 else None) for i in range(spec.billers)]
        plan += [
            (Role.FRONT_DESK, False, "frontdesk" if i == 0 else None)
            for i in range(spec.front_desk)
        ]

        users = []
        for _role, _sees, hint in plan:
            full_name, email = people.next(hint)
            state = rng.choice(STATES[: max(2, spec.locations)])
            users.append(
                User(
                    email=email,
                    full_name=full_name,
                    preferred_name=full_name.split(" ")[0],
                    time_zone=TIME_ZONES[state],
                    password=password_hash,
                )
            )
        User.objects.bulk_create(users, batch_size=500)
        by_email = User.objects.in_bulk([u.email for u in users], field_name="email")
        memberships = [
            Membership(practice=practice, user=by_email[user.email], role=role, sees_clients=sees)
            for user, (role, sees, _hint) in zip(users, plan, strict=True)
        ]
        Membership.objects.bulk_create(memberships, batch_size=500)
        memberships = list(
            Membership.objects.filter(practice=practice).select_related("user").order_by("id")
        )
        _assign_supervisors(memberships, rng)
        _build_profiles(practice, memberships, locations, rng)
        from tend.clients.demo import build_demo_clients  # the clients app builds on practices

        build_demo_clients(practice, memberships, size=size, seed=seed)
        from tend.scheduling.demo import build_demo_schedule  # sessions for those clients

        build_demo_schedule(practice, memberships, size=size, seed=seed)

        owner = memberships[0]
        audit.record(
            "practice.demo_created",
            actor=owner.user,
            practice=practice,
            obj=practice,
            detail={"size": size, "members": len(memberships), "locations": len(locations)},
        )
    return DemoResult(practice=practice, owner=owner, password=DEMO_PASSWORD, members=memberships)


def _build_locations(practice: Practice, spec: DemoSize, rng: random.Random) -> list[Location]:
    locations = []
    for index in range(spec.locations):
        state = STATES[index % len(STATES)]
        city = CITIES[state]
        locations.append(
            Location(
                practice=practice,
                name=f"{city} Office" if index < len(STATES) else f"{city} Office {index}",
                address_line1=f"{rng.randrange(100, 9900)} {rng.choice(STREETS)}",
                city=city,
                state=state,
                postal_code=f"{rng.randrange(10000, 99999)}",
                phone=f"555-01{rng.randrange(10, 99)}",
                time_zone=TIME_ZONES[state],
            )
        )
    # Like every practice (services.create_practice), the demo has a telehealth "location".
    locations.append(
        Location(practice=practice, name="Telehealth", is_telehealth=True, time_zone="")
    )
    Location.objects.bulk_create(locations)
    locations = list(Location.objects.filter(practice=practice).order_by("id"))
    offices = [location for location in locations if not location.is_telehealth]
    rooms = [
        Room(
            practice=practice,
            location=location,
            name=f"{ROOM_NAMES[i % 12]} Room" + (f" {i // 12 + 1}" if i >= 12 else ""),
            capacity=rng.choice([2, 2, 3, 6]),
        )
        for location in offices
        for i in range(spec.rooms_per_location)
    ]
    Room.objects.bulk_create(rooms, batch_size=500)
    return locations


def _assign_supervisors(memberships: list[Membership], rng: random.Random) -> None:
    """Each supervisor oversees a share of the clinicians (the small practice: exactly one)."""
    supervisors = [m for m in memberships if m.role == Role.SUPERVISOR]
    clinicians = [m for m in memberships if m.role == Role.CLINICIAN]
    if not supervisors or not clinicians:
        return
    if len(supervisors) == 1 and len(clinicians) <= 3:
        supervisees = clinicians[:1]
    else:
        supervisees = clinicians[: max(1, len(clinicians) // 3)]
    for index, clinician in enumerate(supervisees):
        clinician.supervisor = supervisors[index % len(supervisors)]
    Membership.objects.bulk_update(supervisees, ["supervisor"], batch_size=500)


def _build_profiles(
    practice: Practice,
    memberships: list[Membership],
    locations: list[Location],
    rng: random.Random,
) -> None:
    profiles = []
    used_npis: set[str] = set()
    for membership in memberships:
        if not membership.is_clinical:
            continue
        credentials, taxonomy = rng.choice(CLINICAL_CREDENTIALS)
        npi = demo_npi(rng)
        while npi in used_npis:
            npi = demo_npi(rng)
        used_npis.add(npi)
        state = rng.choice([loc for loc in locations if not loc.is_telehealth]).state
        profiles.append(
            ClinicianProfile(
                practice=practice,
                membership=membership,
                credentials=credentials,
                license_number=f"{state}-{rng.randrange(10000, 99999)}",
                license_state=state,
                npi=npi,
                taxonomy=taxonomy,
                time_zone=TIME_ZONES[state],
            )
        )
    ClinicianProfile.objects.bulk_create(profiles, batch_size=500)


def demo_practice_exists() -> bool:
    return Practice.objects.filter(is_demo=True).exists()


def demo_summary(practice: Practice) -> list[tuple[str, str]]:
    """(role label, email) of the first member in each role, in a stable order."""
    order = [Role.OWNER, Role.ADMIN, Role.SUPERVISOR, Role.CLINICIAN, Role.BILLER, Role.FRONT_DESK]
    rows = []
    for role in order:
        membership = (
            Membership.objects.filter(practice=practice, role=role)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if membership is not None:
            rows.append((Role(role).label, membership.user.email))
    return rows
