"""Structured logging: request context on every record, personal data masked, one JSON object per line.

Wire the filters on the HANDLER (settings.LOGGING does): filters on a logger skip records propagated from its
children. The JSON formatter masks message and exception again, so it stays safe even on a handler without the filters.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from django.db import connection

from .context import current_request_id, current_user_id

# GB 11643 resident identity number: 17 digits and a check character (digit or X); not part of a longer number.
IDENTITY_NUMBER_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# Legacy 15-digit identity numbers (still on old records before upgrade).
LEGACY_IDENTITY_NUMBER_RE = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")
# Mainland mobile number, optionally with the +86 / 86 prefix.
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


# A download link's token is its authorisation (files.views): never written to a log, whatever the logger.
DOWNLOAD_TOKEN_RE = re.compile(r"(/files/download/)[^/\s\"'?#]+")
# An HTTP request line as access logs print it: method, target, protocol.
REQUEST_LINE_RE = re.compile(r"^(\S+) (\S+)((?: HTTP/[0-9.]+)?)$")


def redact(text: str) -> str:
    """Mask identity numbers (keep the last 4 characters) and mobile numbers (keep 3 + 4, as shown in the UI), and
    download tokens."""
    text = IDENTITY_NUMBER_RE.sub(lambda m: "*" * 14 + m.group(0)[-4:], text)
    text = LEGACY_IDENTITY_NUMBER_RE.sub(lambda m: "*" * 11 + m.group(0)[-4:], text)
    text = DOWNLOAD_TOKEN_RE.sub(r"\1<redacted>", text)
    return MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def access_path(target: str) -> str:
    """A request target as access logs show it: the path only (GraphQL GET queries carry search terms such as an
    identity number in the query string), then redacted (download tokens live in the path)."""
    return redact(str(target).split("?", 1)[0].split("#", 1)[0])


def access_request_line(line: str) -> str:
    """ "GET /graphql/?query=... HTTP/1.1" -> "GET /graphql/ HTTP/1.1"; anything unparsable is cut and redacted."""
    match = REQUEST_LINE_RE.match(str(line))
    if match is None:
        return access_path(line)
    return f"{match.group(1)} {access_path(match.group(2))}{match.group(3)}"


class AccessLogFilter(logging.Filter):
    """For runserver's access logger (django.server): its records are '"%s" %s %s' with the request line first."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (access_request_line(record.args[0]), *record.args[1:])
        else:
            record.msg = access_request_line(str(record.msg)) if not record.args else record.msg
        return True


def _current_schema() -> str:
    try:
        return connection.schema_name
    except Exception:  # settings not configured, or a backend without schemas
        return ""


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and tenant (the connection's current schema) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = current_user_id()
        if not getattr(record, "tenant", None):
            record.tenant = _current_schema() or "-"
        return True


class RedactPersonalDataFilter(logging.Filter):
    """Masks identity and mobile numbers in the message, its args and any exception text.

    The message is rendered with its args first, so a number passed as an argument (of any type) is caught too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, user_id, tenant[, exc]."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
            "user_id": getattr(record, "user_id", None),
            "tenant": getattr(record, "tenant", None) or "-",
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = redact(record.exc_text)
        if record.stack_info:
            payload["stack"] = redact(self.formatStack(record.stack_info))
        # json.dumps escapes newlines, so a record is always exactly one line.
        return json.dumps(payload, ensure_ascii=False, default=str)
