"""Per-union fan-out jobs of the organisation (registered on import, from OrganisationConfig.ready)."""

from operations.registry import fanout_job

from .models import Branch


@fanout_job("count_branches")
def count_branches(*, union, params, run_id):
    """Count the union's branches (分会/小组); the count is kept on the progress row."""
    return {"branches": Branch.objects.count()}
