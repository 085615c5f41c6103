"""`manage.py load_demo`: create the demo county (federations/demo.py). Idempotent: a second run writes nothing."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from federations.demo import BANNER_SLUGS, DEMO_LOGINS, DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo county federation, its townships, 20 grassroots unions, branches and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unions-per-node",
            type=int,
            default=None,
            help="Load only the first N unions under each township/street/park (a smaller, faster demo).",
        )

    def handle(self, *args, unions_per_node=None, **options):
        started = time.monotonic()
        verbose = options["verbosity"] >= 2
        result = demo_load(
            unions_per_node=unions_per_node, log=(lambda m: self.stdout.write("  " + m)) if verbose else None
        )
        elapsed = time.monotonic() - started
        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded in {elapsed:.1f}s: created {result.created_nodes} nodes, "
                    f"{result.created_unions} unions, {result.created_branches} branches, "
                    f"{result.created_users} users, {result.created_grants} role grants."
                )
            )
        else:
            self.stdout.write(f"Demo already loaded ({len(result.unions)} unions); nothing changed.")
        if options["verbosity"] >= 1:
            usernames = ", ".join(login.username for login in DEMO_LOGINS)
            self.stdout.write(f"Demo logins: {usernames} (password for all: {DEMO_PASSWORD})")
            base = settings.UNIONHUB_BASE_DOMAIN
            hosts = ", ".join(f"{u.slug}.{base}" for u in result.unions if u.slug in BANNER_SLUGS)
            if hosts:
                self.stdout.write(f"Union hosts, e.g.: {hosts}")
