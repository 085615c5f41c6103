"""Member transfers between unions (会员组织关系接转), in the public schema so both unions see the same row.

A transfer carries only what the destination needs to create the member (name, employment type, the identity number
encrypted and masked, the keyed hash, the original join date); phone, ethnicity and dues are copied from the origin's
member row at completion.
No foreign key points into a tenant schema: member and branch ids are plain integers.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from people.models import SealedIdentity


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("待转出")  # waiting for the origin union to release
    RELEASED = "released", _("待接收")  # released by the origin, waiting for the destination
    ACCEPTED = "accepted", _("已转入")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


OPEN_STATUSES = (TransferStatus.REQUESTED, TransferStatus.RELEASED)


class TransferSide(models.TextChoices):
    ORIGIN = "origin", _("转出工会")
    DESTINATION = "destination", _("转入工会")


class TransferRequest(SealedIdentity):
    origin_union = models.ForeignKey(
        "federations.Union", on_delete=models.PROTECT, related_name="transfers_out"
    )
    destination_union = models.ForeignKey(
        "federations.Union", on_delete=models.PROTECT, related_name="transfers_in"
    )
    requested_by_side = models.CharField(max_length=20, choices=TransferSide.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )

    # The person: keyed hash (the cross-union key), identity number encrypted for creating the destination member,
    # masked for display. Never the number in clear.
    id_kind = models.CharField(max_length=20)
    name = models.CharField(_("姓名"), max_length=50)
    employment_type = models.CharField(_("用工类型"), max_length=20)

    origin_member_id = models.BigIntegerField()  # membership.Member in the origin's schema
    # organisation.Branch at the destination (optional; the destination may choose one when accepting)
    destination_branch_id = models.BigIntegerField(null=True, blank=True)
    destination_member_id = models.BigIntegerField(null=True, blank=True)  # set when accepted
    note = models.CharField(_("说明"), max_length=500, blank=True)

    requested_at = models.DateTimeField(auto_now_add=True)
    # Actors are accounts.User ids, plain integers so the record outlives the user.
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)  # accepted, rejected or cancelled
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    rejected_by_side = models.CharField(max_length=20, choices=TransferSide.choices, blank=True)
    reject_reason = models.CharField(_("拒绝原因"), max_length=500, blank=True)
    # Membership is continuous ("join once, transfer dynamically"): the destination member keeps the date the
    # person first joined; the transfer date only marks the move (the status history at both ends).
    original_join_date = models.DateField(_("入会日期"), null=True, blank=True)
    transfer_date = models.DateField(_("转接日期"), null=True, blank=True)  # when the move took effect
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员组织关系接转")
        verbose_name_plural = _("会员组织关系接转")
        ordering = ["-id"]
        constraints = [
            # One open request per person and destination union (OR of equalities, see the membership models):
            # a request from a union the person never asked to join must not block the union they did ask.
            models.UniqueConstraint(
                fields=["id_hash", "destination_union"],
                condition=Q(status="requested") | Q(status="released"),
                name="transfer_one_open_per_destination",
            ),
            # The origin lets a person go to one union at a time.
            models.UniqueConstraint(
                fields=["id_hash"],
                condition=Q(status="released"),
                name="transfer_one_released_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(origin_union=models.F("destination_union")), name="transfer_between_two_unions"
            ),
        ]
        indexes = [
            models.Index(fields=["origin_union", "status", "-id"], name="transfer_origin_status"),
            models.Index(fields=["destination_union", "status", "-id"], name="transfer_dest_status"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.origin_union_id} -> {self.destination_union_id} ({self.status})"
