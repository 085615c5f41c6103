"""Key rotation: re-encrypt everything encrypted at rest under the first configured key.

Identity numbers (members and join applications in every union, transfer requests in the public schema) and other
secrets (report recipients' webhook signing keys); see people.services. Safe to run again after an interruption;
drop the old key only afterwards.
"""

from django.core.management.base import BaseCommand

from federations.models import Union
from people.services import secrets_reencrypt_public, secrets_reencrypt_union


class Command(BaseCommand):
    help = (
        "Re-encrypt identity numbers and other secrets with the first key of UNIONHUB_PII_ENCRYPTION_KEYS (run "
        "after adding a key, before removing the old one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--union", help="Only this union (slug); skips the public tables.")

    def handle(self, *args, union=None, **options):
        unions = Union.objects.exclude(status="provisioning").order_by("pk")
        if union:
            unions = unions.filter(slug=union)
        total = 0
        for each in unions:
            counts = secrets_reencrypt_union(each)
            total += sum(counts.values())
            self.stdout.write(f"{each.slug}: " + ", ".join(f"{label} {n}" for label, n in counts.items()))
        if not union:
            counts = secrets_reencrypt_public()
            total += sum(counts.values())
            self.stdout.write("public: " + ", ".join(f"{label} {n}" for label, n in counts.items()))
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} values"))
