"""The cross-union person index (public schema): one person, one holding membership across all unions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SealedIdentity(models.Model):
    """The fields of a table that keeps an identity number (people.identity.seal() fills them): never the number
    in clear. Key rotation (people.services) finds every concrete model with these fields."""

    id_number_encrypted = models.TextField(editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    id_hash = models.CharField(max_length=64, editable=False)
    id_last4 = models.CharField(
        max_length=4, editable=False, default=""
    )  # search by the last four characters

    class Meta:
        abstract = True

    def seal_set(self, sealed) -> None:
        for name, value in sealed.fields().items():
            setattr(self, name, value)


class PersonMembership(models.Model):
    """Where a person (by the keyed hash of the identity number) holds membership now. No personal data here."""

    id_hash = models.CharField(max_length=64, unique=True)
    union = models.ForeignKey("federations.Union", on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField()  # membership.Member in that union's schema
    status = models.CharField(max_length=20)  # active / retained
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["union", "member_id"], name="person_union_member")]
