"""Downloads from local storage through a signed, expiring link (what a presigned URL is on S3)."""

import mimetypes
import time

from django.core import signing
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .models import StoredFile
from .selectors import DOWNLOAD_SALT
from .storage import file_storage


@require_GET
def file_download(request, token: str):
    # The signed token is the authorisation (like an S3 presigned URL): whoever was given the link may use it.
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT)
        key, expires_at = payload["k"], float(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return HttpResponseForbidden(_("下载链接无效。"), content_type="text/plain; charset=utf-8")
    if time.time() > expires_at:
        return HttpResponse(
            _("下载链接已过期，请重新获取。"), status=410, content_type="text/plain; charset=utf-8"
        )
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
