"""Per-request loaders for the model-worker API (see api.core.loaders)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from api.core.loaders import DataLoader
from modelworkers.awards.batches import QuotaStatus, quota_status_of, rule_of
from modelworkers.models import ACTIVE_NOMINATION_STATUSES, AwardBatch, ModelWorker, Nomination, QuotaRule


@dataclass(frozen=True)
class BatchQuota:
    rules: list[QuotaRule]
    status: QuotaStatus


class BatchQuotaLoader(DataLoader):
    """Quota rules and their status per batch: four queries for every batch on the page (rules, places, awarded
    categories, live-nomination categories), whatever the page size."""

    def batch_load(self, keys):
        rules: dict[int, list[QuotaRule]] = defaultdict(list)
        for rule in QuotaRule.objects.filter(batch_id__in=keys).order_by("id"):
            rules[rule.batch_id].append(rule)
        places = dict(AwardBatch.objects.filter(pk__in=keys).values_list("pk", "places"))
        awarded: dict[int, list[str]] = defaultdict(list)
        for batch_id, category in ModelWorker.objects.filter(batch_id__in=keys).values_list(
            "batch_id", "category"
        ):
            awarded[batch_id].append(category)
        live: dict[int, list[str]] = defaultdict(list)
        for batch_id, category in Nomination.objects.filter(
            batch_id__in=keys, status__in=ACTIVE_NOMINATION_STATUSES
        ).values_list("batch_id", "category"):
            live[batch_id].append(category)
        return {
            key: BatchQuota(
                rules=rules[key],
                status=quota_status_of(
                    rules=[rule_of(r) for r in rules[key]],
                    places=places.get(key, 0),
                    awarded=awarded[key],
                    live=live[key],
                ),
            )
            for key in keys
        }


class NoticeEntriesLoader(DataLoader):
    """The nominees listed on each notice (one query for every notice on the page)."""

    missing: list = []

    def batch_load(self, keys):
        found: dict[int, list[Nomination]] = defaultdict(list)
        for nomination in (
            Nomination.objects.filter(notice_id__in=keys)
            .only("id", "notice_id", "name", "employer_name", "title", "category", "status")
            .order_by("id")
        ):
            found[nomination.notice_id].append(nomination)
        return dict(found)
