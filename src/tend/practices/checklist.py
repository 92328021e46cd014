"""The owner's "Set up your practice" checklist, computed from the practice's real data."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from tend.practices.models import ClinicianProfile, Invitation, Location, Membership


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    url: str
    detail: str = ""


def setup_checklist(membership: Membership) -> list[ChecklistItem]:
    """What an owner still has to do before the practice is ready to see clients."""
    practice = membership.practice
    offices = Location.objects.for_practice(practice).filter(is_archived=False, is_telehealth=False)
    others_invited = (
        Invitation.objects.for_practice(practice).exists()
        or Membership.objects.for_practice(practice).exclude(pk=membership.pk).exists()
    )
    items = [
        ChecklistItem(
            "Add an office location",
            offices.exists(),
            reverse("practices:location_add"),
            "Skip this if you only see clients by video or phone.",
        ),
        ChecklistItem("Invite your staff", others_invited, reverse("practices:invite")),
        ChecklistItem(
            "Require two-step sign-in for everyone",
            practice.require_mfa,
            reverse("practices:settings"),
        ),
    ]
    clinical = [m for m in Membership.objects.for_practice(practice).active() if m.is_clinical]
    if clinical:
        profiles = ClinicianProfile.objects.for_practice(practice).filter(membership__in=clinical)
        complete = sum(1 for p in profiles if p.is_complete)
        url = (
            reverse("practices:clinician_profile")
            if membership.is_clinical
            else reverse("practices:staff")
        )
        items.append(
            ChecklistItem(
                "Complete clinician profiles (credentials, licence, NPI, taxonomy)",
                complete == len(clinical),
                url,
                f"{complete} of {len(clinical)} complete.",
            )
        )
    return items
