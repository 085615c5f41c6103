"""Downloads from local storage through a signed, expiring link (what a presigned URL is on S3).

The signature alone is not the authorisation of a staff file: the link names its scope and its user
(files.selectors.file_download_url), and is served only to that user, signed in (session, or the API's bearer
token), while they may see the scope, and on a union's host only for that union's files.
"""

import mimetypes
import time

from django.core import signing
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import Perm
from federations.models import FederationNode, Union

from .keys import file_scope
from .models import StoredFile
from .selectors import DOWNLOAD_SALT
from .storage import file_storage


def _forbidden(message: str) -> HttpResponse:
    return HttpResponseForbidden(message, content_type="text/plain; charset=utf-8")


def _may_see_scope(request, scope: str) -> bool:
    kind, _sep, value = scope.partition(":")
    tenant = getattr(request, "tenant", None)
    host_schema = getattr(tenant, "schema_name", "public")
    actor = request.actor
    if kind == "union":
        if host_schema != "public" and host_schema != value:
            return False  # a union's host serves that union's files only
        union = Union.objects.filter(schema_name=value).first()
        return union is not None and actor.can_on_union(Perm.UNION_VIEW, union)
    if host_schema != "public":
        return False
    node = FederationNode.objects.filter(pk=int(value)).first()
    return node is not None and actor.can_on_node(Perm.NODE_VIEW, node)


@require_GET
def file_download(request, token: str):
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT)
        key, expires_at, scope = payload["k"], float(payload["e"]), payload["s"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _forbidden(_("下载链接无效。"))
    if not isinstance(key, str) or scope is None or scope != file_scope(key):
        return _forbidden(_("下载链接无效。"))
    if time.time() > expires_at:
        return HttpResponse(
            _("下载链接已过期，请重新获取。"), status=410, content_type="text/plain; charset=utf-8"
        )
    if "u" in payload:
        # A staff file: only the user the link was made for, signed in, while they may still see the scope.
        user = request.user
        if not user.is_authenticated:
            return _forbidden(_("请先登录后再下载此文件。"))
        if user.pk != payload["u"] or not _may_see_scope(request, scope):
            return _forbidden(_("您无权下载此文件。"))
    try:
        handle = file_storage().open(key, "rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在。")) from None
    content_type = (
        StoredFile.objects.filter(key=key).values_list("content_type", flat=True).first()
        or mimetypes.guess_type(key)[0]
        or "application/octet-stream"
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=payload.get("n") or key.rsplit("/", 1)[-1],
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
