"""Billing. Charges are what a client owes for a session or under the practice's cancellation
policy; claims, payments and statements build on them."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from tend.billing.choices import ChargeKind, ChargeStatus
from tend.clients.models import Client
from tend.core.models import PracticeScoped, PracticeScopedQuerySet


class ChargeQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership):  # type: ignore[no-untyped-def]
        return self.filter(client__in=Client.objects.visible_to(membership))

    def open(self) -> ChargeQuerySet:
        return self.filter(status=ChargeStatus.OPEN)


class Charge(PracticeScoped):
    """An amount owed by a client, in the practice's currency. Never deleted: waived with a
    reason instead."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="charges")
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
    )
    kind = models.CharField(max_length=12, choices=ChargeKind.choices)
    amount = models.DecimalField(
        max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3)
    incurred_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.OPEN
    )
    waived_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["-incurred_on", "-id"]
        constraints = [
            # One policy fee per appointment and client: repeating a no-show never charges twice.
            models.UniqueConstraint(
                fields=["appointment", "client", "kind"],
                condition=models.Q(appointment__isnull=False),
                name="charge_once_per_appointment",
            )
        ]

    def __str__(self) -> str:
        return f"Charge {self.uuid} {self.kind}"
