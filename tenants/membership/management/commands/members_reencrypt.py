"""Key rotation for identity numbers: re-encrypt every union's members under the first configured key."""

from django.core.management.base import BaseCommand

from federations.models import Union
from membership.services import members_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt identity numbers with the first key of UNIONHUB_PII_ENCRYPTION_KEYS (run after adding a key)."

    def add_arguments(self, parser):
        parser.add_argument("--union", help="Only this union (slug).")

    def handle(self, *args, union=None, **options):
        unions = Union.objects.exclude(status="provisioning").order_by("pk")
        if union:
            unions = unions.filter(slug=union)
        total = 0
        for each in unions:
            done = members_reencrypt(union=each)
            total += done
            self.stdout.write(f"{each.slug}: {done}")
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} identity numbers"))
