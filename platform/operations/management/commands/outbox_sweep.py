"""Send the tasks left in the outbox now (what beat does every minute), e.g. after a broker outage."""

from django.core.management.base import BaseCommand

from operations.outbox import outbox_sweep


class Command(BaseCommand):
    help = "Send tasks left in the task outbox (their send after commit failed, e.g. the broker was down)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace", type=float, default=60.0, help="Leave rows younger than this (seconds)."
        )

    def handle(self, *args, grace, **options):
        sent = outbox_sweep(grace_seconds=grace)
        self.stdout.write(self.style.SUCCESS(f"sent {sent} task(s) from the outbox"))
