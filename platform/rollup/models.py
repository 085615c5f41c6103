"""Live summary facts (public schema), maintained by each domain in the same transaction as its change.

Raw counts only; rates are computed when read. A fact is (union, branch, indicator, period): branch 0 is the union as
a whole, period "" is a stock (e.g. members now), a period label such as "2026" is a flow within that reporting year
(1 October 2025 - 30 September 2026).
"""

from django.db import models


class LiveFact(models.Model):
    union = models.ForeignKey("federations.Union", on_delete=models.CASCADE, related_name="live_facts")
    # Copied from the union so a subtree's facts are one indexed prefix scan, no join.
    node_path = models.CharField(max_length=255)
    branch_id = models.BigIntegerField(default=0)
    indicator = models.CharField(max_length=50)
    period = models.CharField(max_length=10, default="", blank=True)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["union", "branch_id", "indicator", "period"], name="live_fact_natural_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["node_path", "indicator", "period"],
                name="live_fact_subtree",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]
