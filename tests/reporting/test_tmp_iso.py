import json

import pytest
from django.test import Client

from tests.isolation import test_isolation as iso
from tests.isolation.test_isolation import world  # noqa: F401

MINE = {
    "reportDeadlinesSet", "submissionExplainChecks", "submissionSubmit", "submissionAccept", "submissionReturn",
    "reportFilesGenerate", "reportRecipientUpdate", "reportDeliveryRetry", "reportBoard", "reportSubmission",
    "reportUnitSubmission", "reportChecks", "reportFiles", "reportDeliveries", "reportRecipient", "node",
}


@pytest.mark.parametrize("prober_name", ["other_union_admin", "other_federation_admin", "no_role", "anonymous"])
def test_mine(world, prober_name):
    prober, hosts = world["probers"][prober_name]
    victim_schema = world["victim_union"].schema_name
    exclude_user = prober.pk if prober else None
    calls = [c for c in iso.calls_for_schema(iso._schema(), world["victim_ids"]) if c.field in MINE]
    client = Client()
    if prober is not None:
        client.force_login(prober)
    before = {**iso._table_fingerprints("public", exclude_user, world["victim_union"].pk), **iso._table_fingerprints(victim_schema, exclude_user)}
    leaks = []
    for host in hosts:
        for call in calls:
            body = json.dumps(iso._post(client, host, call), ensure_ascii=False)
            for secret in world["victim_strings"]:
                if secret in body:
                    leaks.append(f"{call.field} {host} {secret}")
    after = {**iso._table_fingerprints("public", exclude_user, world["victim_union"].pk), **iso._table_fingerprints(victim_schema, exclude_user)}
    assert not leaks, leaks
    assert sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)) == []


def test_control(world):
    client = Client()
    client.force_login(world["victim_fed_admin"])
    seen = set()
    for call in iso.calls_for_schema(iso._schema(), world["victim_ids"]):
        if call.field not in MINE or call.kind != "query":
            continue
        body = json.dumps(iso._post(client, iso.PUBLIC_HOST, call), ensure_ascii=False)
        for secret in world["victim_strings"][-12:]:
            if secret in body:
                seen.add(call.field)
    print("SEEN", sorted(seen))
    assert seen
