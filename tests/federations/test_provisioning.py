"""Provisioning a union from the template schema: same catalog as a migrated schema, working constraints,
idempotent schema creation, and nothing written on bad input."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tests.factories import credit_code, union_kwargs
from tests.support.schemas import schema_catalog


@pytest.mark.django_db
def test_provisioned_schema_equals_a_migrated_one(county):
    from federations.services import union_provision

    union = union_provision(parent_node=county, **union_kwargs())
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "u_migrated_ref"')
    call_command("migrate_schemas", schema_name="u_migrated_ref", interactive=False, verbosity=0)

    provisioned = schema_catalog(union.schema_name)
    migrated = schema_catalog("u_migrated_ref")
    assert "organisation_branch" in provisioned["relations"]
    assert "organisation" in provisioned["migrations"]
    for part in migrated:
        assert provisioned[part] == migrated[part], part


@pytest.mark.django_db
def test_provisioned_schema_enforces_its_constraints(county):
    from federations.services import union_provision
    from organisation.models import Branch

    union = union_provision(parent_node=county, **union_kwargs())
    assert union.status == "active"
    with schema_context(union.schema_name):
        first = Branch.objects.create(name="一车间")
        child = Branch.objects.create(name="一组", parent=first, kind="group")
        assert (first.pk, child.pk) == (1, 2)  # identity starts where a migrated schema's would
        with pytest.raises(IntegrityError), transaction.atomic():
            Branch.objects.create(name="一车间")  # unique (parent, name), NULL parents equal
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            Branch.objects.create(name="孤儿", parent_id=999_999)  # foreign key
        with pytest.raises(IntegrityError), transaction.atomic():
            Branch.objects.filter(pk=first.pk).update(parent_id=first.pk)  # not its own parent
        assert list(Branch.objects.values_list("name", flat=True)) == ["一车间", "一组"]
    # The table really lives in the union's schema, not in public or the template.
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{union.schema_name}".organisation_branch')
        assert cursor.fetchone()[0] == 2
        cursor.execute('SELECT count(*) FROM "union_template".organisation_branch')
        assert cursor.fetchone()[0] == 0


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_register_then_schema_create_is_idempotent(county):
    from federations.models import Domain
    from federations.schema_template import code_fingerprint, recorded_fingerprint
    from federations.services import union_register, union_schema_create
    from jobs.provisioning import union_schema_create_task

    union = union_register(parent_node=county, **union_kwargs(slug="idem-union"))
    assert union.status == "provisioning"
    assert Domain.objects.get(tenant=union).domain.startswith("idem-union.")
    assert not _schema_exists(union.schema_name)

    union_schema_create(union=union)
    assert union.status == "active" and _schema_exists(union.schema_name)
    assert recorded_fingerprint(union.schema_name) == code_fingerprint()
    with schema_context(union.schema_name):
        from organisation.models import Branch

        Branch.objects.create(name="保留的分会")

    # A retry (service or task) neither fails nor rebuilds the schema.
    union_schema_create(union=union)
    assert union_schema_create_task.apply(args=[union.pk]).get() == union.schema_name
    union.refresh_from_db()
    assert union.status == "active"
    with schema_context(union.schema_name):
        assert list(Branch.objects.values_list("name", flat=True)) == ["保留的分会"]
    assert union_schema_create_task.apply(args=[987_654]).get() is None


@pytest.mark.django_db
def test_task_creates_the_schema_of_a_registered_union(county):
    from federations.services import union_register
    from jobs.provisioning import union_schema_create_task

    union = union_register(parent_node=county, **union_kwargs())
    union_schema_create_task.apply(args=[union.pk]).get()
    union.refresh_from_db()
    assert union.status == "active" and _schema_exists(union.schema_name)


# case -> (overrides given the union that already exists, the field the error must name)
BAD_INPUTS = {
    "bad_check_character": (lambda u: {"credit_code": credit_code(1)[:17] + "X"}, "credit_code"),
    "bad_credit_format": (lambda u: {"credit_code": "12345"}, "credit_code"),
    "duplicate_slug": (lambda u: {"slug": u.slug}, "slug"),
    "duplicate_credit_code": (lambda u: {"credit_code": u.credit_code.lower()}, "credit_code"),
    "duplicate_domain": (lambda u: {"slug": "taken-host"}, "slug"),
    "unknown_unit_type": (lambda u: {"unit_type": "spaceship"}, "unit_type"),
    "unknown_ownership_type": (lambda u: {"ownership_type": "nobody"}, "ownership_type"),
    "reserved_slug": (lambda u: {"slug": "admin"}, "slug"),
    "female_exceeds_staff": (lambda u: {"staff_count": 5, "female_staff_count": 6}, "female_staff_count"),
}


def _schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("service", ["union_register", "union_provision"])
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_writes_nothing(county, service, case):
    from federations import services
    from federations.models import Domain, Union
    from unionhub.errors import DomainValidationError

    existing = services.union_provision(parent_node=county, **union_kwargs())
    Domain.objects.create(domain=services.union_host("taken-host"), tenant=existing, is_primary=False)
    overrides, field = BAD_INPUTS[case]
    before = (Union.objects.count(), Domain.objects.count(), _schema_count())

    with pytest.raises(DomainValidationError) as caught:
        getattr(services, service)(parent_node=county, **union_kwargs(**overrides(existing)))

    assert field in {error.field for error in caught.value.errors}
    assert all(error.code and error.message for error in caught.value.errors)
    assert (Union.objects.count(), Domain.objects.count(), _schema_count()) == before


@pytest.mark.django_db
def test_unique_race_becomes_a_field_error(county, monkeypatch):
    """Validation passed, then a concurrent registration took the slug: the insert's IntegrityError is
    reported on the field, and nothing of the loser is left behind."""
    from federations import services
    from federations.models import Domain, Union
    from unionhub.errors import DomainValidationError

    winner = services.union_register(parent_node=county, **union_kwargs())
    monkeypatch.setattr(services, "_validate_union", lambda union, exclude=None: None)
    monkeypatch.setattr(Domain.objects, "filter", lambda **kw: Domain.objects.none())
    with pytest.raises(DomainValidationError) as caught:
        services.union_register(parent_node=county, **union_kwargs(credit_code=winner.credit_code))
    assert {(e.field, e.code) for e in caught.value.errors} == {("credit_code", "unique")}
    monkeypatch.undo()
    assert Union.objects.count() == 1 and Domain.objects.count() == 1


@pytest.mark.django_db
def test_schema_names_are_validated():
    from federations.schema_template import schema_create_from_template

    for bad in [
        'x"; DROP SCHEMA public; --',
        "Upper",
        "pg_catalog",
        "public",
        "union_template",
        "",
        "a" * 64,
    ]:
        with pytest.raises(ValueError):
            schema_create_from_template(bad)
