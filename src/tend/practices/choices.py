from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Administrator"
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Supervisor"
    BILLER = "biller", "Biller"
    FRONT_DESK = "front_desk", "Front desk"


MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
CLINICAL = frozenset({Role.CLINICIAN, Role.SUPERVISOR})
ALL_ROLES = frozenset(Role.values)


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    CAD = "CAD", "Canadian dollar"
    GBP = "GBP", "Pound sterling"
    EUR = "EUR", "Euro"
    AUD = "AUD", "Australian dollar"
    NZD = "NZD", "New Zealand dollar"


US_STATES = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
]


# Time zones most US practices use, offered first; every other IANA zone follows.
COMMON_US_TIME_ZONES = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix, no daylight saving)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
]

# Common NUCC taxonomy codes for mental-health clinicians (DOMAIN.md §1.8), offered as hints.
COMMON_TAXONOMY_CODES = [
    ("101YP2500X", "Counselor – Professional (LPC/LCPC)"),
    ("101YM0800X", "Counselor – Mental Health (LMHC/LCMHC)"),
    ("101YA0400X", "Counselor – Addiction (SUD)"),
    ("101Y00000X", "Counselor (general)"),
    ("1041C0700X", "Social Worker – Clinical (LCSW)"),
    ("104100000X", "Social Worker"),
    ("106H00000X", "Marriage & Family Therapist"),
    ("103T00000X", "Psychologist"),
    ("103TC0700X", "Psychologist – Clinical"),
    ("103TC2200X", "Psychologist – Clinical Child & Adolescent"),
    ("2084P0800X", "Psychiatry (physician)"),
    ("363LP0808X", "Nurse Practitioner – Psych/Mental Health"),
]

US_STATE_CODES = frozenset(code for code, _ in US_STATES)
