from django_tenants.utils import schema_context

from tests.factories import union_kwargs


def test_provisioned_union_has_its_own_branch_table(county):
    from federations.services import union_provision
    from organisation.models import Branch

    union = union_provision(parent_node=county, **union_kwargs())
    with schema_context(union.schema_name):
        Branch.objects.create(name="一车间")
        assert Branch.objects.count() == 1
