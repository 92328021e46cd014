"""What each role may see and do in a client's chart ("minimum necessary", DESIGN.md).

Which clients a member sees at all is `Client.objects.visible_to(membership)`; this module says
which parts of a visible chart they see, and is the one place views and templates ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from tend.clients.models import Client
from tend.practices.choices import Role
from tend.practices.models import Membership


@dataclass(frozen=True)
class ChartAccess:
    demographics: bool = True
    insurance: bool = False
    diagnoses: bool = False
    clinical: bool = False
    consents: bool = False
    documents: bool = False
    clinical_documents: bool = False
    history: bool = False
    register: bool = False
    edit_demographics: bool = False
    manage_care_team: bool = False
    export: bool = False


_BY_ROLE: dict[str, ChartAccess] = {
    # The owner runs the practice and is usually its clinical director: the whole chart.
    Role.OWNER: ChartAccess(
        insurance=True,
        diagnoses=True,
        clinical=True,
        consents=True,
        documents=True,
        clinical_documents=True,
        history=True,
        register=True,
        edit_demographics=True,
        manage_care_team=True,
        export=True,
    ),
    # An administrator manages the office: everything but clinical content.
    Role.ADMIN: ChartAccess(
        insurance=True,
        consents=True,
        documents=True,
        history=True,
        register=True,
        edit_demographics=True,
        manage_care_team=True,
        export=True,
    ),
    Role.CLINICIAN: ChartAccess(
        insurance=True,
        diagnoses=True,
        clinical=True,
        consents=True,
        documents=True,
        clinical_documents=True,
        history=True,
        register=True,
        edit_demographics=True,
    ),
    Role.SUPERVISOR: ChartAccess(
        insurance=True,
        diagnoses=True,
        clinical=True,
        consents=True,
        documents=True,
        clinical_documents=True,
        history=True,
        register=True,
        edit_demographics=True,
    ),
    # Billers see what a claim needs: demographics, insurance, diagnoses. Never note bodies.
    Role.BILLER: ChartAccess(insurance=True, diagnoses=True),
    # The front desk registers clients and keeps demographics, insurance and consents current.
    Role.FRONT_DESK: ChartAccess(
        insurance=True,
        consents=True,
        documents=True,
        register=True,
        edit_demographics=True,
    ),
}


# Who may import clients from a spreadsheet, and who may export a caseload (their own, or the
# practice's for managers).
IMPORT_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.FRONT_DESK})
EXPORT_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.CLINICIAN, Role.SUPERVISOR})


def chart_access(membership: Membership, client: Client | None = None) -> ChartAccess:
    """What this member sees of charts in general, or of one client's chart."""
    access = _BY_ROLE[membership.role]
    if (
        membership.sees_clients
        and not access.clinical
        and client is not None
        and client.care_team.filter(membership=membership, ended_on__isnull=True).exists()
    ):
        # Someone in an office role who also carries a caseload sees the clinical content of
        # their own clients, and only theirs.
        access = ChartAccess(
            **{**access.__dict__, "clinical": True, "diagnoses": True, "clinical_documents": True}
        )
    return access
