"""Per-request (or per-task) context: request id, client ip and user, carried in a contextvar.

The request-id middleware binds it for a web request; a Celery task binds it with `request_context()` using the
request id its dispatcher passed along, so audit rows and log lines of the task share the web request's id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.functional import LazyObject, empty

# Accept ids from a proxy or client only if they are short and plain: they end up in logs and the audit table.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")


@dataclass
class RequestContext:
    request_id: str
    ip: str | None = None
    # The web request, so log lines can show the user once authentication has resolved it (never forced here).
    request: object | None = None
    user_id: int | None = None


_current: ContextVar[RequestContext | None] = ContextVar("unionhub_request_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def is_valid_request_id(value: str | None) -> bool:
    return bool(value) and REQUEST_ID_PATTERN.match(value) is not None


def current_context() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str:
    """The request id of the running request or task, or "" outside one. Pass it to tasks you dispatch."""
    ctx = _current.get()
    return ctx.request_id if ctx else ""


@contextmanager
def request_context(
    *, request_id: str | None = None, ip: str | None = None, request=None, user_id: int | None = None
) -> Iterator[RequestContext]:
    """Bind a request id (the given one if well-formed, else a new one) for the duration of the block.

    In a Celery task: `with request_context(request_id=request_id): service(...)`.
    """
    ctx = RequestContext(
        request_id=request_id if is_valid_request_id(request_id) else new_request_id(),
        ip=ip,
        request=request,
        user_id=user_id,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_user_id() -> int | None:
    """The user of the current request if authentication has already resolved it, else the bound user id.

    Never evaluates a lazy `request.user`: that would run session/token queries from inside logging.
    """
    ctx = _current.get()
    if ctx is None:
        return None
    if ctx.user_id is not None:
        return ctx.user_id
    request = ctx.request
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None

    if isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk
