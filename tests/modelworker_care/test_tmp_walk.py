import json

from django.test import Client

from tests.audit.test_mutation_audit import admin_world, calls_for_schema_mutations  # noqa: F401


def test_walk(admin_world):
    from audit.models import AuditEntry

    client = Client()
    client.force_login(admin_world["admin"])
    succeeded = {}
    for host in admin_world["hosts"]:
        for call in calls_for_schema_mutations(admin_world["ids"]):
            if not call.field.startswith("modelWorker"):
                continue
            before = AuditEntry.objects.filter(operation=call.field).count()
            response = client.post("/graphql/", data=json.dumps({"query": call.document, "variables": call.variables}), content_type="application/json", HTTP_HOST=host)
            body = response.json()
            payload = body["data"][call.field]
            written = AuditEntry.objects.filter(operation=call.field).count() - before
            if payload and payload["errors"] == []:
                succeeded[call.field] = succeeded.get(call.field, 0) + 1
                assert written == 1
            else:
                print(host, call.field, json.dumps(call.variables, ensure_ascii=False)[:200], json.dumps(body, ensure_ascii=False)[:300])
                assert written == 0
    print(succeeded)
    assert 0
