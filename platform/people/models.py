"""The cross-union person index (public schema): one person, one holding membership across all unions."""

from django.db import models


class PersonMembership(models.Model):
    """Where a person (by the keyed hash of the identity number) holds membership now. No personal data here."""

    id_hash = models.CharField(max_length=64, unique=True)
    union = models.ForeignKey("federations.Union", on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField()  # membership.Member in that union's schema
    status = models.CharField(max_length=20)  # active / retained
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["union", "member_id"], name="person_union_member")]
