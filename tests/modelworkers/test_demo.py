"""The demo county's model-worker round: awarded through the services within the quotas, loaded once."""

from __future__ import annotations

from datetime import date


def test_demo_round_is_awarded_and_a_second_load_writes_nothing(db):
    from federations.demo import demo_load
    from modelworkers.models import AwardBatch, ModelWorker, Nomination, PublicNotice

    first = demo_load()
    assert first.created_model_workers == 8
    batch = AwardBatch.objects.get(session=5)
    assert batch.workers.count() == 6 == batch.places
    assert set(Nomination.objects.values_list("status", flat=True)) == {"awarded"}
    assert PublicNotice.objects.get().approved_on == date(2025, 4, 28)
    assert ModelWorker.objects.get(name="孙建国").status == "ended"  # awarded 2019, term over in 2024
    worker = ModelWorker.objects.get(name="李强", batch=batch)
    assert (worker.employing_union.slug, worker.continuation_last_day) == ("huarui-jixie", date(2030, 4, 28))

    second = demo_load()
    assert second.created_model_workers == 0 and not second.created_anything
    assert ModelWorker.objects.count() == 8
