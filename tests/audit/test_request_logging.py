"""Request ids on every response, and log lines as JSON with the request id and without personal data."""

import io
import json
import logging
import re

import pytest
from django.test import override_settings

ID_NUMBER = "11010519491231002X"
LEGACY_ID = "110105491231002"
PHONE = "13812345678"


@pytest.fixture
def console_output():
    """The console handler configured by settings.LOGGING, writing into a buffer for the test."""
    from audit.logs import RequestContextFilter

    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RequestContextFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(old_stream)


def lines(buffer):
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_well_formed_request_id_is_kept_and_returned(client, db):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="edge-7f3a9c21")
    assert response["X-Request-ID"] == "edge-7f3a9c21"


@pytest.mark.parametrize(
    "sent", [None, "", "short", "bad id with spaces", "x" * 65, "<script>alert(1)</script>"]
)
def test_missing_or_malformed_request_id_is_replaced(client, db, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client.get("/no-such-page/", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response["X-Request-ID"] != sent


def test_unknown_host_response_still_has_a_request_id(client, db):
    response = client.get("/", HTTP_HOST="nobody.unionhub.localhost")
    assert response.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_json_log_line_masks_identity_numbers_and_phones(console_output):
    from audit.context import request_context

    logger = logging.getLogger("unionhub.test")
    with request_context(request_id="req-logtest-01"):
        logger.warning("member %s phone %s legacy %s", ID_NUMBER, PHONE, LEGACY_ID)
        logger.warning(f"inline 身份证{ID_NUMBER}，手机+86 {PHONE}。")
        try:
            raise ValueError(f"duplicate id_number {ID_NUMBER}")
        except ValueError:
            logger.exception("import failed for %s", int(PHONE))
    output = console_output.getvalue()
    for secret in (ID_NUMBER, PHONE, LEGACY_ID, ID_NUMBER[:17]):
        assert secret not in output
    records = lines(console_output)
    assert len(records) == 3  # one line per record, the traceback included
    assert all(r["request_id"] == "req-logtest-01" for r in records)
    assert [r["level"] for r in records] == ["WARNING", "WARNING", "ERROR"]
    assert records[0]["message"] == "member **************002X phone 138****5678 legacy ***********1002"
    assert records[1]["message"] == "inline 身份证**************002X，手机138****5678。"
    assert records[2]["message"] == "import failed for 138****5678"
    assert "ValueError: duplicate id_number **************002X" in records[2]["exc"]
    assert records[0]["tenant"] == "public" and records[0]["logger"] == "unionhub.test"


def test_plain_format_is_masked_by_the_filter_too():
    from audit.logs import RedactPersonalDataFilter, RequestContextFilter

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactPersonalDataFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    logger = logging.getLogger("unionhub.test.plain")
    logger.addHandler(handler)
    try:
        logger.warning("phone %s id %s", PHONE, ID_NUMBER)
    finally:
        logger.removeHandler(handler)
    assert buffer.getvalue() == "- phone 138****5678 id **************002X\n"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_log_lines_of_a_request_carry_its_request_id(client, db, console_output):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-healthz-0001")
    assert response.status_code == 503
    broker_lines = [r for r in lines(console_output) if "broker check failed" in r["message"]]
    assert broker_lines and broker_lines[0]["request_id"] == "req-healthz-0001"
    assert broker_lines[0]["logger"] == "unionhub.health"
    assert "Connection refused" in broker_lines[0]["exc"]


def test_user_id_is_logged_once_authentication_resolved_it_and_never_forces_it():
    from types import SimpleNamespace

    from django.utils.functional import SimpleLazyObject

    from audit.context import request_context
    from audit.logs import RequestContextFilter

    def must_not_run():
        raise AssertionError("logging must not evaluate request.user")

    def record():
        rec = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
        RequestContextFilter().filter(rec)
        return rec

    resolved = SimpleLazyObject(lambda: SimpleNamespace(pk=42, is_authenticated=True))
    _ = resolved.pk  # authentication ran during the request
    with request_context(request=SimpleNamespace(user=SimpleLazyObject(must_not_run))):
        assert record().user_id is None
    with request_context(request=SimpleNamespace(user=resolved)):
        assert record().user_id == 42
    with request_context(request=SimpleNamespace(user=SimpleNamespace(pk=None, is_authenticated=False))):
        assert record().user_id is None
