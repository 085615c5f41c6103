"""An ended term (管理期满) no longer counts as holding the title: remove ended workers from the level and category
stock facts of their employing unions (issue 15, rule 3). The status facts (mw_status_ended) stay."""

from django.db import migrations
from django.db.models import F


def drop_ended(apps, schema_editor):
    ModelWorker = apps.get_model("modelworkers", "ModelWorker")
    LiveFact = apps.get_model("rollup", "LiveFact")
    for union_id, level, category in ModelWorker.objects.filter(
        status="ended", employing_union__isnull=False
    ).values_list("employing_union_id", "level", "category"):
        LiveFact.objects.filter(
            union_id=union_id, branch_id=0, period="", indicator__in=[f"mw_level_{level}", f"mw_category_{category}"]
        ).update(value=F("value") - 1)


def restore_ended(apps, schema_editor):
    ModelWorker = apps.get_model("modelworkers", "ModelWorker")
    LiveFact = apps.get_model("rollup", "LiveFact")
    for union_id, level, category in ModelWorker.objects.filter(
        status="ended", employing_union__isnull=False
    ).values_list("employing_union_id", "level", "category"):
        LiveFact.objects.filter(
            union_id=union_id, branch_id=0, period="", indicator__in=[f"mw_level_{level}", f"mw_category_{category}"]
        ).update(value=F("value") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("modelworkers", "0002_immutable_history"),
        ("rollup", "0005_vocabulary"),
    ]

    operations = [migrations.RunPython(drop_ended, restore_ended)]
