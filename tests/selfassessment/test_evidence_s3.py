"""Evidence on S3 (moto in server mode over HTTP): stored under the tenant key, served by a presigned link."""

from __future__ import annotations

import base64
import urllib.request

from django.test import Client
from graphql_relay import to_global_id

from tests.support.selfassessment import PDF_BYTES, gql

UPLOAD = """
mutation($p: ID!, $b64: String) {
  selfAssessmentEvidenceUpload(participant: $p, itemCode: "A1", evidenceName: "会议纪要.pdf", evidenceBase64: $b64) {
    errors { field code message } evidence { downloadUrl } } }
"""


def test_evidence_goes_to_the_bucket_and_downloads_through_a_presigned_url(world, s3_bucket, s3_client):
    client = Client()
    client.force_login(world.admin)
    variables = {
        "p": to_global_id("RoundParticipant", world.home.pk),
        "b64": base64.b64encode(PDF_BYTES).decode(),
    }
    payload = gql(client, world.host, UPLOAD, variables)["selfAssessmentEvidenceUpload"]
    assert payload["errors"] == []
    (listed,) = s3_client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert listed["Key"].startswith(f"tenants/{world.union.schema_name}/evidence/{world.round.pk}/0/A1/")
    head = s3_client.head_object(Bucket=s3_bucket, Key=listed["Key"])
    assert head["ContentType"] == "application/pdf"
    url = payload["evidence"]["downloadUrl"]
    assert "X-Amz-Signature" in url and "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == PDF_BYTES
