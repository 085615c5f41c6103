"""Carry the request id into Celery tasks, so a task's log lines and audit rows share the web request's id.

Publishing copies the current request id into a message header; the worker binds it (or, for work not started
by a request, the task id) around each task. Connected in AuditConfig.ready().
"""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun

from .context import RequestContext, _current, current_context, current_request_id, is_valid_request_id

HEADER = "unionhub_request_id"
_tokens: dict[str, object] = {}


def add_request_id_header(sender=None, headers=None, **kwargs) -> None:
    """before_task_publish: stamp the publishing request's id on the message."""
    request_id = current_request_id()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _header(task) -> str | None:
    request = task.request
    # Depending on broker and protocol, custom headers are merged into the request or kept under .headers.
    headers = getattr(request, "headers", None) or {}
    return headers.get(HEADER) or request.get(HEADER)


def bind_task_request_id(sender=None, task_id=None, task=None, **kwargs) -> None:
    """task_prerun: bind the header's request id, else the task id. An eager task running inline inside a
    request keeps that request's context."""
    request_id = _header(task) if task is not None else None
    if not is_valid_request_id(request_id):
        if current_context() is not None:
            return
        request_id = task_id if is_valid_request_id(task_id) else None
    if request_id is None:
        return
    _tokens[task_id] = _current.set(RequestContext(request_id=request_id))


def unbind_task_request_id(sender=None, task_id=None, **kwargs) -> None:
    """task_postrun: restore the context the task started in."""
    token = _tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # postrun in another context than prerun: just unbind
            _current.set(None)


def connect() -> None:
    before_task_publish.connect(add_request_id_header, weak=False, dispatch_uid="audit.request_id.publish")
    task_prerun.connect(bind_task_request_id, weak=False, dispatch_uid="audit.request_id.prerun")
    task_postrun.connect(unbind_task_request_id, weak=False, dispatch_uid="audit.request_id.postrun")
