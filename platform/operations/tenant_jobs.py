"""Built-in per-union jobs."""

from .registry import fanout_job


@fanout_job("count_branches")
def count_branches(*, union, params, run_id):
    """Demo job: count the union's branches (分会/小组); the count is kept on the progress row."""
    from organisation.models import Branch

    return {"branches": Branch.objects.count()}
