from django.db import models


class ClientStatus(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    WAITLIST = "waitlist", "Waitlist"
    INTAKE = "intake", "Intake"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DISCHARGED = "discharged", "Discharged"


# Statuses a client moves between; any other move is refused by set_client_status().
CLIENT_TRANSITIONS: dict[str, set[str]] = {
    ClientStatus.INQUIRY: {
        ClientStatus.WAITLIST,
        ClientStatus.INTAKE,
        ClientStatus.ACTIVE,
        ClientStatus.INACTIVE,
    },
    ClientStatus.WAITLIST: {ClientStatus.INTAKE, ClientStatus.ACTIVE, ClientStatus.INACTIVE},
    ClientStatus.INTAKE: {
        ClientStatus.ACTIVE,
        ClientStatus.WAITLIST,
        ClientStatus.INACTIVE,
        ClientStatus.DISCHARGED,
    },
    ClientStatus.ACTIVE: {ClientStatus.INACTIVE, ClientStatus.DISCHARGED},
    ClientStatus.INACTIVE: {ClientStatus.ACTIVE, ClientStatus.INTAKE, ClientStatus.DISCHARGED},
    ClientStatus.DISCHARGED: {ClientStatus.INTAKE, ClientStatus.ACTIVE, ClientStatus.WAITLIST},
}
OPEN_STATUSES = frozenset({ClientStatus.INTAKE, ClientStatus.ACTIVE})


class ClientType(models.TextChoices):
    ADULT = "adult", "Individual adult"
    MINOR = "minor", "Minor"
    COUPLE = "couple", "Couple"
    FAMILY = "family", "Family"
    GROUP_MEMBER = "group_member", "Group member"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    INTERSEX = "X", "Intersex"
    UNKNOWN = "U", "Unknown"
    NOT_SAID = "", "Prefer not to say"


class GenderIdentity(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    TRANSGENDER_WOMAN = "trans_woman", "Transgender woman"
    TRANSGENDER_MAN = "trans_man", "Transgender man"
    GENDERQUEER = "genderqueer", "Genderqueer or gender-fluid"
    TWO_SPIRIT = "two_spirit", "Two-spirit"
    OTHER = "other", "Another identity (described)"
    NOT_SAID = "", "Prefer not to say"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class ContactKind(models.TextChoices):
    EMERGENCY = "emergency", "Emergency contact"
    GUARDIAN = "guardian", "Guardian"
    PARTNER = "partner", "Partner or spouse"
    FAMILY = "family", "Family member"
    OTHER = "other", "Other"


class CareRole(models.TextChoices):
    PRIMARY = "primary", "Primary clinician"
    SECONDARY = "secondary", "Co-therapist"
    CONSULTING = "consulting", "Consulting"


class EpisodeStatus(models.TextChoices):
    INTAKE = "intake", "Intake"
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"


EPISODE_TRANSITIONS: dict[str, set[str]] = {
    EpisodeStatus.INTAKE: {EpisodeStatus.ACTIVE, EpisodeStatus.DISCHARGED},
    EpisodeStatus.ACTIVE: {EpisodeStatus.DISCHARGED},
    EpisodeStatus.DISCHARGED: set(),
}


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", "Treatment goals met"
    MUTUAL = "mutual", "Mutual decision"
    CLIENT_CHOICE = "client_choice", "Client chose to end"
    NO_CONTACT = "no_contact", "Lost contact"
    REFERRED = "referred", "Referred elsewhere"
    FINANCIAL = "financial", "Financial or insurance reasons"
    MOVED = "moved", "Client moved"
    OTHER = "other", "Other"


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PROVISIONAL = "provisional", "Provisional"
    RESOLVED = "resolved", "Resolved"
    RULED_OUT = "ruled_out", "Ruled out"


class PayerType(models.TextChoices):
    COMMERCIAL = "commercial", "Commercial"
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    TRICARE = "tricare", "TRICARE"
    OTHER = "other", "Other"


class PolicyPriority(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    TERTIARY = "tertiary", "Tertiary"


class SubscriberRelationship(models.TextChoices):
    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse"
    CHILD = "child", "Child"
    OTHER = "other", "Other"


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Informed consent to treatment"
    TELEHEALTH = "telehealth", "Telehealth consent"
    RELEASE = "release", "Release of information"
    FINANCIAL = "financial", "Financial policy"
    OTHER = "other", "Other"


class DocumentKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", "Administrative"
    INSURANCE_CARD = "insurance_card", "Insurance card"
    CONSENT = "consent", "Signed consent"
    CLINICAL = "clinical", "Clinical (records from others, assessments)"
    CORRESPONDENCE = "correspondence", "Correspondence"
