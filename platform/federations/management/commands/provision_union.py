"""Provision one grassroots union synchronously (register + schema from the template) and print its host."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from federations.models import FederationNode
from federations.services import union_host, union_provision
from unionhub.errors import DomainValidationError


class Command(BaseCommand):
    help = "Create a grassroots union (tenant) under a federation node and print its host name."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--credit-code", required=True, dest="credit_code")
        parser.add_argument("--unit-type", required=True, dest="unit_type")
        parser.add_argument("--ownership-type", required=True, dest="ownership_type")
        parser.add_argument(
            "--parent-node", required=True, type=int, dest="parent_node", help="FederationNode id"
        )
        parser.add_argument("--union-kind", default="single", dest="union_kind")
        parser.add_argument("--staff-count", type=int, default=0, dest="staff_count")
        parser.add_argument("--female-staff-count", type=int, default=0, dest="female_staff_count")
        parser.add_argument("--founded-on", type=date.fromisoformat, default=None, dest="founded_on")

    def handle(self, *args, **options):
        parent = FederationNode.objects.filter(pk=options["parent_node"]).first()
        if parent is None:
            raise CommandError(f"federation node {options['parent_node']} does not exist")
        try:
            union = union_provision(
                slug=options["slug"],
                name=options["name"],
                credit_code=options["credit_code"],
                unit_type=options["unit_type"],
                ownership_type=options["ownership_type"],
                parent_node=parent,
                union_kind=options["union_kind"],
                staff_count=options["staff_count"],
                female_staff_count=options["female_staff_count"],
                founded_on=options["founded_on"],
            )
        except DomainValidationError as exc:
            raise CommandError(
                "; ".join(f"{error.field} ({error.code}): {error.message}" for error in exc.errors)
            ) from exc
        self.stdout.write(union_host(union.slug))
