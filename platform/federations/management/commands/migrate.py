"""`migrate` that does not walk every tenant schema when nothing changed.

django-tenants' migrate enters every tenant schema (about 1-3 s each even with nothing to apply). Ours migrates
public, brings the template schema up to date, then asks ONE query which tenant schemas recorded a
tenant-migration fingerprint other than the code's, and migrates only those: by replaying the SQL the
template's migration executed, many schemas per transaction (federations/migration_replay.py), or, when the
migration cannot be replayed (RunPython, RunSQL reading data, ...) or with --per-schema, with django-tenants'
executor (`--executor multiprocessing` runs those in parallel). A schema whose replay fails is reported at the
end, keeps its old fingerprint and is retried by the next `migrate`; the others are migrated regardless. Targeted runs (--schema, an app label or migration
name, --fake, --fake-initial, --prune, --plan, --check) and `--all-tenants` keep django-tenants' full walk.

This command wins over django_tenants' own `migrate` because `federations` is listed before `django_tenants`
in INSTALLED_APPS (Django takes a command from the earliest app that defines it). `migrate_schemas` is
django-tenants' unchanged.
"""

from django.core.management.base import CommandError
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION, MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name

from federations.migration_replay import replay
from federations.schema_template import stale_tenant_schemas, template_schema_ensure

FULL_WALK_OPTIONS = ("schema_name", "app_label", "migration_name", "fake", "fake_initial", "prune", "plan")


class Command(MigrateSchemasCommand):
    help = (
        "Migrate public, the union template and only the tenant schemas whose migrations are stale "
        "(use --all-tenants for django-tenants' walk over every schema)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--all-tenants",
            action="store_true",
            dest="all_tenants",
            help="Enter every tenant schema, as django-tenants' migrate_schemas does.",
        )
        parser.add_argument(
            "--per-schema",
            action="store_true",
            dest="per_schema",
            help="Migrate stale tenant schemas one by one with django-tenants' executor, never by replay.",
        )

    def handle(self, *args, **options):
        if options.get("check_unapplied") or any(options.get(name) for name in FULL_WALK_OPTIONS):
            return super().handle(*args, **options)
        if options.get("all_tenants"):
            super().handle(*args, **options)
            if options.get("tenant") or not options.get("shared"):
                template_schema_ensure()
            return None

        SyncCommon.handle(self, *args, **options)
        verbose = int(options.get("verbosity", 1)) >= 1
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=[get_public_schema_name()])
        if not self.sync_tenant:
            return None

        fingerprint = template_schema_ensure()
        stale = stale_tenant_schemas()
        if verbose:
            self._notice(f"Tenant schemas with stale migrations: {len(stale)}")
        if not stale:
            return None
        failed: dict[str, str] = {}
        per_schema = list(stale)
        if not options.get("per_schema"):
            outcome = replay(stale, fingerprint)
            failed, per_schema = outcome.failed, outcome.per_schema
            if verbose:
                self._notice(f"Replayed the template's migration in {len(outcome.replayed)} schemas")
                if per_schema:
                    reason = outcome.fallback_reason or "no captured migration for their state"
                    self._notice(f"Migrating {len(per_schema)} schemas one by one ({reason})")
        if per_schema:
            executor.run_migrations(tenants=per_schema)
        still_stale = set(stale_tenant_schemas()) & set(stale)
        if failed or still_stale:
            lines = [f"{schema}: {error}" for schema, error in sorted(failed.items())]
            lines += [f"{schema}: still stale" for schema in sorted(still_stale - set(failed))]
            raise CommandError(
                "Tenant schemas not migrated (the next `migrate` retries them):\n  " + "\n  ".join(lines)
            )
        return None
